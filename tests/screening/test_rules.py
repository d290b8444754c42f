"""The screening rules, rule by rule: each fires on what it is about, and not one step short of it.

Requests start from the clean fraud example (no findings at all) and change one thing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from models.findings import Finding, Severity
from screening.rules import RULES, RULES_BY_ID, apply_rules
from tests.screening.conftest import DROP, TODAY, build

BLOCKING, DOUBT = Severity.BLOCKING, Severity.DOUBT


def fired(rule_id: str, request: object, today: date = TODAY) -> list[Finding]:
    assert rule_id in RULES_BY_ID, rule_id
    return [f for f in apply_rules(request, today) if f.rule_id == rule_id]  # type: ignore[arg-type]


def test_rules_are_documented_once_each() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.article and rule.explanation and rule.fields and rule.check is not None


def test_the_clean_example_fires_no_rule() -> None:
    assert apply_rules(build(), TODAY) == []


def test_findings_carry_the_rule_article_and_severity() -> None:
    for finding in apply_rules(build("red-notice-incomplete"), TODAY):
        rule = RULES_BY_ID[finding.rule_id]
        assert (finding.article, finding.source) == (rule.article, "rules")
        # A finding is of its rule's severity, or blocking when it names mandatory data the NCB must supply.
        assert finding.severity is rule.severity or (finding.severity is Severity.BLOCKING and finding.missing_item)


# --- identity data ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "field", "change", "missing"),
    [
        ("identity.forename", "subject.forenames", {"subject__forenames": DROP}, "forename"),
        ("identity.sex", "subject.sex", {"subject__sex": DROP}, "sex"),
        ("identity.date_of_birth", "subject.date_of_birth", {"subject__date_of_birth": DROP}, "at least the year"),
    ],
)
def test_missing_identity_data_blocks_and_names_the_item(rule_id: str, field: str, change: dict, missing: str) -> None:
    [finding] = fired(rule_id, build(**change))
    assert finding.severity is BLOCKING
    assert finding.article == "RPD Art. 83(2)(a)"
    assert finding.field == field
    assert finding.missing_item and missing in finding.missing_item


def test_birth_year_alone_is_enough() -> None:
    assert fired("identity.date_of_birth", build(subject__date_of_birth="1979")) == []


def _bare(**changes: Any) -> dict[str, Any]:
    return {
        "subject__physical_description": DROP,
        "subject__identity_documents": [],
        "subject__fingerprints_available": False,
        "subject__dna_profile_available": False,
        "subject__photo_available": False,
        "subject__place_of_birth": DROP,
        **changes,
    }


def test_no_further_identifier_blocks() -> None:
    [finding] = fired("identity.additional_identifier", build(**_bare()))
    assert finding.severity is BLOCKING
    assert finding.missing_item and "physical description" in finding.missing_item


@pytest.mark.parametrize(
    "identifier",
    [
        {"subject__fingerprints_available": True},
        {"subject__dna_profile_available": True},
        {"subject__physical_description": {"height_cm": 170}},
        {"subject__identity_documents": [{"type": "passport", "number": "X1", "issuing_country": "FR"}]},
        {"subject__photo_available": True, "subject__place_of_birth": "Lyon, FR"},
        {"subject__photo_available": True, "subject__date_of_birth": "1979-04-12"},
    ],
)
def test_any_one_further_identifier_is_enough(identifier: dict) -> None:
    assert fired("identity.additional_identifier", build(**_bare(**identifier))) == []


def test_a_photograph_alone_is_not_enough() -> None:
    request = build(**_bare(subject__photo_available=True, subject__date_of_birth="1979"))
    [finding] = fired("identity.additional_identifier", request)
    assert "photograph" in finding.message


def test_an_empty_physical_description_does_not_count() -> None:
    assert fired("identity.additional_identifier", build(**_bare(subject__physical_description={})))


# --- judicial data ------------------------------------------------------------------------------


def test_prosecution_without_warrant_or_decision_asks_for_the_warrant() -> None:
    [finding] = fired("judicial.warrant_or_decision", build(judicial__arrest_warrant=DROP))
    assert finding.severity is BLOCKING and finding.article == "RPD Art. 83(2)(b)"
    assert finding.field == "judicial.arrest_warrant"
    assert finding.missing_item and "arrest warrant" in finding.missing_item


def test_sentence_without_decision_asks_for_the_court_decision() -> None:
    [finding] = fired("judicial.warrant_or_decision", build("red-notice-incomplete"))
    assert finding.field == "judicial.court_decision"
    assert finding.missing_item and "court decision" in finding.missing_item


def test_a_court_decision_stands_in_for_the_warrant() -> None:
    decision = {"reference": "TJ-1", "issued_on": "2025-03-01", "issuing_authority": "Tribunal"}
    assert fired("judicial.warrant_or_decision", build(judicial__arrest_warrant=DROP,
                                                       judicial__court_decision=decision)) == []


def _warrant(valid_until: str | None) -> dict[str, object]:
    return {"reference": "MA-1", "issued_on": "2025-02-03", "issuing_authority": "Juge", "valid_until": valid_until}


def test_warrant_expired_yesterday_blocks() -> None:
    [finding] = fired("judicial.warrant_expired", build(judicial__arrest_warrant=_warrant("2026-02-28")))
    assert finding.severity is BLOCKING
    assert finding.field == "judicial.arrest_warrant.valid_until"
    assert finding.missing_item and "valid arrest warrant" in finding.missing_item


@pytest.mark.parametrize("valid_until", ["2026-03-01", "2026-03-02", None])
def test_warrant_valid_until_today_or_later_is_fine(valid_until: str | None) -> None:
    assert fired("judicial.warrant_expired", build(judicial__arrest_warrant=_warrant(valid_until))) == []


def test_facts_without_time_or_place_block_with_two_items() -> None:
    request = build(judicial__facts_summary="The subject diverted investors' funds through forged invoices.",
                    judicial__offence_date=DROP, judicial__offence_place=DROP)
    [when] = fired("judicial.facts_time", request)
    [where] = fired("judicial.facts_place", request)
    assert when.severity is BLOCKING and where.severity is BLOCKING
    assert when.missing_item and "when" in when.missing_item
    assert where.missing_item and "where" in where.missing_item


def test_time_and_place_may_be_told_in_the_summary() -> None:
    request = build(judicial__facts_summary="In March 2024 in Lyon the subject forged invoices to defraud investors.",
                    judicial__offence_date=DROP, judicial__offence_place=DROP)
    assert fired("judicial.facts_time", request) == []
    assert fired("judicial.facts_place", request) == []


def test_each_charge_needs_its_law_and_maximum_penalty() -> None:
    request = build(judicial__charges=[
        {"offence": "Organised fraud", "law": "Code pénal, art. 313-1", "max_penalty_months": 120, "category": "fraud"},
        {"offence": "Money laundering", "category": "money_laundering"},
    ])
    [law] = fired("judicial.charge_law", request)
    [penalty] = fired("judicial.charge_max_penalty", request)
    assert law.field == "judicial.charges[1].law" and penalty.field == "judicial.charges[1].max_penalty_months"
    assert law.missing_item and "Money laundering" in law.missing_item
    assert penalty.missing_item and "maximum penalty" in penalty.missing_item


def _sentence_request(**sentence: object) -> object:
    decision = {"reference": "TJ-9", "issued_on": "2025-06-01", "issuing_authority": "Tribunal"}
    return build(purpose="serve_sentence", judicial__court_decision=decision, judicial__sentence=sentence or DROP)


def test_sentence_request_without_the_sentence_blocks() -> None:
    request = _sentence_request()
    [imposed] = fired("judicial.sentence_imposed", request)
    [remaining] = fired("judicial.sentence_remaining", request)
    assert imposed.severity is BLOCKING and remaining.severity is BLOCKING
    assert imposed.missing_item and "sentence imposed" in imposed.missing_item
    assert remaining.missing_item and "remaining sentence" in remaining.missing_item


def test_prosecution_needs_no_sentence() -> None:
    assert fired("judicial.sentence_imposed", build()) == []
    assert fired("judicial.sentence_remaining", build()) == []


# --- penalty thresholds ---------------------------------------------------------------------------


def _penalties(*months: int) -> list[dict[str, object]]:
    return [{"offence": f"Organised fraud {i}", "law": "CP 313-1", "max_penalty_months": m, "category": "fraud"}
            for i, m in enumerate(months)]


def test_prosecution_below_24_months_is_a_doubt_not_a_refusal() -> None:
    [finding] = fired("threshold.prosecution_penalty", build(judicial__charges=_penalties(23, 12)))
    assert finding.severity is DOUBT and finding.article == "RPD Art. 83(1)(b)"
    assert "particular importance" in finding.message
    assert finding.missing_item is None


@pytest.mark.parametrize("months", [(24,), (12, 24), (120,)])
def test_prosecution_at_24_months_or_more_passes(months: tuple[int, ...]) -> None:
    assert fired("threshold.prosecution_penalty", build(judicial__charges=_penalties(*months))) == []


def test_thresholds_are_for_red_notices_only() -> None:
    request = build("wpd-drug-trafficking", judicial__charges=_penalties(12))
    assert fired("threshold.prosecution_penalty", request) == []


def test_five_months_left_is_a_doubt() -> None:
    [finding] = fired("threshold.sentence_remaining", _sentence_request(imposed_months=60, remaining_months=5))
    assert finding.severity is DOUBT and finding.field == "judicial.sentence.remaining_months"
    assert "particular importance" in finding.message


def test_six_months_left_passes() -> None:
    assert fired("threshold.sentence_remaining", _sentence_request(imposed_months=60, remaining_months=6)) == []


# --- excluded offences ----------------------------------------------------------------------------


def _charge(offence: str, category: str = "other", months: int = 36) -> list[dict[str, object]]:
    return [{"offence": offence, "law": "CP 1", "max_penalty_months": months, "category": category}]


@pytest.mark.parametrize(
    ("rule_id", "offence", "category"),
    [
        ("excluded.behaviour_cultural_norms", "Defamation of a public figure", "other"),
        ("excluded.behaviour_cultural_norms", "Adultery", "other"),
        ("excluded.behaviour_cultural_norms", "Consensual sexual relations between adults", "other"),
        ("excluded.behaviour_cultural_norms", "Possession of cannabis for personal use", "other"),
        ("excluded.behaviour_cultural_norms", "Public insult", "insult"),
        ("excluded.family_private", "Failure to return a child in breach of custody order", "other"),
        ("excluded.family_private", "Non-payment of child maintenance", "other"),
        ("excluded.administrative_private_dispute", "Breach of contract", "other"),
        ("excluded.administrative_private_dispute", "Unpaid supplier invoices", "private_dispute"),
    ],
)
def test_excluded_offences_are_doubts(rule_id: str, offence: str, category: str) -> None:
    request = build(judicial__charges=_charge(offence, category))
    [finding] = fired(rule_id, request)
    assert finding.severity is DOUBT and finding.article.startswith("RPD Art. 83(1)(a)(")
    assert finding.field == "judicial.charges[0]"


def test_private_dispute_linked_to_organised_crime_is_not_excluded() -> None:
    request = build(
        judicial__charges=_charge("Breach of contract", "private_dispute"),
        judicial__facts_summary="In 2024 in Marseille the subject, acting for a criminal organisation, broke "
        "supply contracts to launder proceeds.",
    )
    assert fired("excluded.administrative_private_dispute", request) == []


def test_ordinary_crimes_are_not_excluded() -> None:
    excluded = [r.id for r in RULES if r.id.startswith("excluded.")]
    findings = apply_rules(build("wpd-drug-trafficking"), TODAY)
    assert not [f for f in findings if f.rule_id in excluded]


def _cheque(amount: str, offence: str = "Issuing an unfunded cheque") -> object:
    return build(
        judicial__charges=_charge(offence, "unfunded_cheque"),
        judicial__facts_summary=f"On 3 May 2024 in Marseille the subject paid a supplier with a cheque for {amount} "
        "that bounced for lack of funds.",
    )


@pytest.mark.parametrize("amount", ["USD 9,999", "USD 10,000", "USD 2,000,000", "EUR 50,000"])
def test_every_unfunded_cheque_is_a_doubt_whatever_its_amount(amount: str) -> None:
    [finding] = fired("excluded.unfunded_cheque", _cheque(amount))
    assert finding.severity is DOUBT and finding.evidence["cheque_amounts"] == amount
    assert "28 January 2022" in finding.message


def test_repeated_unfunded_cheques_are_each_a_doubt() -> None:
    request = build(judicial__charges=_charge("Issuing unfunded cheques", "unfunded_cheque") * 2)
    assert [f.field for f in fired("excluded.unfunded_cheque", request)] == ["judicial.charges[0]",
                                                                              "judicial.charges[1]"]


# --- consistency ------------------------------------------------------------------------------------


def test_born_after_the_offence_is_a_doubt() -> None:
    [finding] = fired("consistency.birth_before_offence", build(subject__date_of_birth="2024-01-16"))
    assert finding.severity is DOUBT and finding.article == "RPD Art. 12"
    assert finding.field == "subject.date_of_birth"


@pytest.mark.parametrize("dob", ["2024-01-15", "2024", "2024-01"])
def test_birth_date_that_may_precede_the_offence_is_fine(dob: str) -> None:
    assert fired("consistency.birth_before_offence", build(subject__date_of_birth=dob)) == []


def test_partial_birth_date_wholly_after_the_offence_fires() -> None:
    assert fired("consistency.birth_before_offence", build(subject__date_of_birth="2024-02"))


def test_warrant_issued_before_the_offence_is_a_doubt() -> None:
    [finding] = fired("consistency.offence_before_warrant", build(judicial__offence_date="2025-02-04"))
    assert finding.field == "judicial.arrest_warrant.issued_on"


def test_warrant_issued_the_day_of_the_offence_is_fine() -> None:
    assert fired("consistency.offence_before_warrant", build(judicial__offence_date="2025-02-03")) == []


def test_dates_in_the_future_are_doubts() -> None:
    request = build(judicial__offence_date="2026-03-02")
    fields = {f.field for f in fired("consistency.future_date", request)}
    assert fields == {"judicial.offence_date"}
    assert fired("consistency.future_date", build(judicial__offence_date="2026-03-01")) == []


def test_offender_under_12_is_implausible() -> None:
    [finding] = fired("consistency.implausible_age", build(subject__date_of_birth="2012-01-16"))
    assert finding.field == "subject.date_of_birth"
    assert fired("consistency.implausible_age", build(subject__date_of_birth="2012-01-15")) == []


def test_subject_over_100_is_implausible() -> None:
    assert fired("consistency.implausible_age", build(subject__date_of_birth="1925-03-01"))  # 101 today
    assert fired("consistency.implausible_age", build(subject__date_of_birth="1925-03-02")) == []  # 100
    assert fired("consistency.implausible_age", build(subject__date_of_birth="1925")) == []


def test_charge_not_reflected_in_the_facts_is_a_doubt() -> None:
    charges = _penalties(120) + _charge("Kidnapping", "kidnapping", 240)
    [finding] = fired("consistency.charges_match_facts", build(judicial__charges=charges))
    assert finding.field == "judicial.charges[1]" and finding.severity is DOUBT


# --- Article 3 and Article 2(1) -------------------------------------------------------------------


@pytest.mark.parametrize("offence", ["High treason", "Desertion", "Blasphemy", "Organising an unauthorised protest"])
def test_political_military_religious_offences_are_article_3_doubts(offence: str) -> None:
    [finding] = fired("art3.offence_character", build(judicial__charges=_charge(offence)))
    assert finding.severity is DOUBT and finding.article == "Constitution Art. 3"


@pytest.mark.parametrize("occupation", ["journalist", "opposition politician", "human rights defender", "activist"])
def test_subject_profile_is_an_article_3_doubt(occupation: str) -> None:
    [finding] = fired("art3.subject_profile", build(subject__occupation=occupation))
    assert finding.field == "subject.occupation" and finding.article == "Constitution Art. 3"


def test_company_director_is_no_article_3_profile() -> None:
    assert fired("art3.subject_profile", build()) == []


def test_facts_tied_to_elections_or_protests_are_article_3_doubts() -> None:
    facts = "On 2 June 2024 in Marseille the subject forged invoices to fund protest marches against the government."
    [finding] = fired("art3.elections_protests", build(judicial__facts_summary=facts))
    assert finding.field == "judicial.facts_summary"


def test_death_penalty_is_an_article_2_doubt() -> None:
    charges = _penalties(120)
    charges[0]["death_penalty_possible"] = True
    [finding] = fired("art2.death_penalty", build(judicial__charges=charges))
    assert finding.article == "Constitution Art. 2(1)" and finding.severity is DOUBT
    assert finding.field == "judicial.charges[0].death_penalty_possible"


def test_trial_in_absentia_is_an_article_2_doubt() -> None:
    [finding] = fired("art2.trial_in_absentia", build(judicial__trial_in_absentia=True))
    assert finding.article == "Constitution Art. 2(1)"
    decision = {"reference": "T-1", "issued_on": "2025-03-01", "issuing_authority": "Court", "in_absentia": True}
    [finding] = fired("art2.trial_in_absentia", build(judicial__court_decision=decision))
    assert finding.field == "judicial.court_decision.in_absentia"


# --- extradition assurance ------------------------------------------------------------------------


def test_red_notice_without_an_extradition_answer_blocks() -> None:
    [finding] = fired("assurance.extradition_missing", build(extradition_assurance=None))
    assert finding.severity is BLOCKING
    assert finding.missing_item and "extradition" in finding.missing_item


def test_red_notice_with_extradition_refused_is_a_doubt() -> None:
    [finding] = fired("assurance.extradition_refused", build(extradition_assurance=False))
    assert finding.severity is DOUBT


def test_diffusions_need_no_extradition_assurance() -> None:
    request = build("wpd-drug-trafficking", extradition_assurance=None)
    assert fired("assurance.extradition_missing", request) == []
