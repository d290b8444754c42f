"""Geopolitical context findings: the requesting country's situation and interstate disputes, at their
date boundaries (AROUND_DAYS either side of the offence date and of today)."""

from __future__ import annotations

from datetime import date, timedelta

from models.findings import Severity
from models.reference import CountryContextRecord, InterstateDisputeRecord
from screening.context import AROUND_DAYS, context_findings
from tests.screening.conftest import TODAY, build

OFFENCE = date(2024, 1, 15)  # the fraud example's offence date
MARGIN = timedelta(days=AROUND_DAYS)


def _situation(start: date, end: date | None, country: str = "FR", kind: str = "unrest") -> CountryContextRecord:
    return CountryContextRecord(country=country, kind=kind, start=start, end=end)


def _context(*records: CountryContextRecord) -> list:
    return context_findings(build(), TODAY, list(records), [])


def test_unrest_during_the_offence_is_a_doubt_from_context() -> None:
    [finding] = _context(_situation(date(2024, 1, 1), date(2024, 2, 1)))
    assert finding.rule_id == "context.requesting_country_situation"
    assert (finding.severity, finding.source, finding.article) == (Severity.DOUBT, "context", "Constitution Art. 3")
    assert finding.evidence["around"] == "the offence"


def test_period_ending_exactly_the_margin_before_the_offence_counts() -> None:
    assert _context(_situation(date(2023, 6, 1), OFFENCE - MARGIN))
    assert _context(_situation(date(2023, 6, 1), OFFENCE - MARGIN - timedelta(days=1))) == []


def test_period_starting_exactly_the_margin_after_the_offence_counts() -> None:
    end = date(2024, 5, 1)
    assert _context(_situation(OFFENCE + MARGIN, end))
    assert _context(_situation(OFFENCE + MARGIN + timedelta(days=1), end)) == []


def test_election_around_today_counts_and_an_open_period_lasts() -> None:
    [finding] = _context(_situation(TODAY + MARGIN, None, kind="election"))
    assert finding.evidence["around"] == "the request"
    assert "election" in finding.message
    [finding] = _context(_situation(date(2020, 1, 1), None, kind="armed_conflict"))
    assert finding.evidence["around"] == "the offence, the request"


def test_other_countries_situation_is_ignored() -> None:
    assert _context(_situation(date(2024, 1, 1), None, country="PE")) == []


def _dispute(a: str, b: str, start: date, end: date | None) -> InterstateDisputeRecord:
    return InterstateDisputeRecord(country_a=a, country_b=b, start=start, end=end)


def test_dispute_with_a_country_of_the_subjects_nationality_is_a_doubt() -> None:
    # The fraud example's subject is French and Italian; the request comes from FR.
    [finding] = context_findings(build(), TODAY, [], [_dispute("IT", "FR", date(2023, 1, 1), None)])
    assert finding.rule_id == "context.interstate_dispute"
    assert finding.field == "subject.nationalities" and finding.source == "context"
    assert finding.evidence["countries"] == "FR-IT"


def test_dispute_not_involving_the_subjects_countries_is_ignored() -> None:
    assert context_findings(build(), TODAY, [], [_dispute("FR", "DE", date(2023, 1, 1), None)]) == []
    assert context_findings(build(), TODAY, [], [_dispute("IT", "DE", date(2023, 1, 1), None)]) == []


def test_dispute_that_ended_long_before_is_ignored() -> None:
    ended = OFFENCE - MARGIN - timedelta(days=1)
    assert context_findings(build(), TODAY, [], [_dispute("FR", "IT", date(2000, 1, 1), ended)]) == []
    assert context_findings(build(), TODAY, [], [_dispute("FR", "IT", date(2000, 1, 1), ended + timedelta(days=1))])
