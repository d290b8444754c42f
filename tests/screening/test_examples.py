"""The shipped examples against the default reference data: what a reviewer would see after screening."""

from __future__ import annotations

from datetime import date

import pytest

from models.findings import RiskLevel, ScreeningResult, Severity
from screening import screen
from tests.screening.conftest import TODAY, example_request, load_country_context, load_disputes


@pytest.fixture
def run(refugee_index, targeting_index):
    def run(name: str, today: date = TODAY) -> ScreeningResult:
        return screen(
            example_request(name),
            today,
            country_context=load_country_context(),
            interstate_disputes=load_disputes(),
            refugees=refugee_index,
            political_targeting=targeting_index,
            duplicates=[],
        )

    return run


@pytest.mark.parametrize("today", [TODAY, date(2026, 11, 28)])
def test_fraud_example_has_nothing_holding_it_back(run, today: date) -> None:
    result = run("red-notice-fraud", today)
    assert [f for f in result.findings if f.severity is not Severity.INFO] == []
    assert result.risk is RiskLevel.LOW


def test_drug_trafficking_diffusion_has_no_blocking_finding(run) -> None:
    result = run("wpd-drug-trafficking")
    assert result.blocking == []


def test_incomplete_example_asks_for_exactly_what_is_missing(run) -> None:
    result = run("red-notice-incomplete")
    blocking = {f.rule_id: f for f in result.blocking}
    assert set(blocking) == {
        "identity.additional_identifier",
        "judicial.warrant_or_decision",
        "judicial.facts_time",
        "judicial.facts_place",
        "judicial.facts_substance",  # "The subject committed robbery." tells no act: the summary is asked for
        "judicial.sentence_remaining",
    }
    assert all(f.missing_item for f in result.blocking)
    assert blocking["judicial.warrant_or_decision"].field == "judicial.court_decision"
    assert blocking["judicial.sentence_remaining"].field == "judicial.sentence.remaining_months"
    assert len(result.missing_items) == 6
    assert result.risk is RiskLevel.HIGH


def test_defamation_example_goes_to_article_3_review_and_is_never_cleared(run) -> None:
    result = run("red-notice-defamation")
    doubts = {f.rule_id for f in result.findings if f.severity is Severity.DOUBT}
    assert "excluded.behaviour_cultural_norms" in doubts
    assert {"art3.offence_character", "art3.subject_profile", "art3.elections_protests"} <= doubts
    assert "context.requesting_country_situation" in doubts
    assert "political_targeting.by_requesting_country" in doubts
    targeting = next(f for f in result.findings if f.source == "political_targeting")
    assert "HALVORSSEN" in targeting.evidence["list_entry"]
    assert result.risk is RiskLevel.HIGH
    assert result.blocking == []  # doubts for reviewers, not a refusal by a machine either


def test_every_finding_cites_rule_article_field_and_source(run) -> None:
    for name in ("red-notice-fraud", "wpd-drug-trafficking", "red-notice-incomplete", "red-notice-defamation"):
        for finding in run(name).findings:
            assert finding.rule_id and finding.article and finding.field and finding.message
            assert finding.source in {"rules", "context", "refugees", "political_targeting", "duplicates"}
