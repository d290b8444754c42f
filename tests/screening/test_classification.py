"""Screening from a charge's ICCS code (screening.classification): the rules read the code first and the
wording second; a code the wording disagrees with is doubted; a legacy free-text category screens as it
did before the classification."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from models.findings import Finding, Severity
from models.reference import ReferenceKind
from registry.references import parse_reference_csv
from runtime.config import PROJECT_ROOT
from screening import classification as iccs
from screening import offences as off
from screening.rules import RULES_BY_ID, apply_rules
from tests.screening.conftest import TODAY, build

SHIPPED = PROJECT_ROOT / "data" / "reference" / "offence_classification.csv"
CODE_RULE = "consistency.code_matches_wording"


def fired(rule_id: str, request: object, today: date = TODAY) -> list[Finding]:
    assert rule_id in RULES_BY_ID, rule_id
    return [f for f in apply_rules(request, today) if f.rule_id == rule_id]  # type: ignore[arg-type]


def charge(offence: str, category: str, **more: Any) -> dict[str, Any]:
    return {"offence": offence, "law": "Penal Code, art. 1", "max_penalty_months": 120, "category": category, **more}


def with_charges(*charges: dict[str, Any], base: str = "red-notice-fraud") -> Any:
    return build(base, judicial__charges=list(charges))


def _shipped() -> dict[str, dict[str, str]]:
    rows = parse_reference_csv(ReferenceKind.OFFENCE_CLASSIFICATION, SHIPPED.read_text(encoding="utf-8"))
    return {row["code"]: row for row in rows}


# --- the classification and the rules' marks --------------------------------------------------------


def test_the_shipped_classification_loads_and_carries_every_code_the_rules_name() -> None:
    shipped = _shipped()
    assert {code for code in shipped if len(code) == 2} == {f"{n:02d}" for n in range(1, 12)}
    assert shipped["0701"]["label"] == "Fraud" and shipped["0101"]["label"] == "Intentional homicide"
    for code, label in iccs.LABELS.items():
        assert shipped[code]["label"] == label, code
    named = [*iccs.BEHAVIOUR_CODES, *iccs.ADMIN_CODES, *iccs.ART3_CODES, *iccs.KIND_CODES,
             *iccs.CODE_OF_KIND.values(), *iccs.LEGACY_CATEGORIES.values()]
    assert [code for code in named if code not in shipped] == []


def test_every_kind_the_rules_map_a_code_to_is_an_offence_kind() -> None:
    kinds = {kind.name for kind in off.OFFENCE_KINDS}
    assert {kind for kind in iccs.KIND_CODES.values() if kind} <= kinds
    assert set(iccs.CODE_OF_KIND) <= kinds
    for kind, code in iccs.CODE_OF_KIND.items():
        assert iccs.agrees(code, kind), kind


@pytest.mark.parametrize("category", sorted(iccs.LEGACY_CATEGORIES))
def test_a_legacy_category_maps_to_a_code_the_rules_mark_as_they_mark_its_text(category: str) -> None:
    code = iccs.LEGACY_CATEGORIES[category]
    assert iccs.is_code(code) and not iccs.is_code(category)
    assert iccs.code_of(category) == code
    behaviour = iccs.marked(code, iccs.BEHAVIOUR_CODES)
    assert bool(behaviour and behaviour[1]) == (category in off.BEHAVIOUR_CATEGORIES)
    admin = iccs.marked(code, iccs.ADMIN_CODES)
    assert bool(admin and admin[1]) == (category in off.ADMIN_CATEGORIES)
    assert (iccs.marked(code, iccs.ART3_CODES) is not None) == (category in off.ART3_CATEGORIES)


def test_a_mark_holds_for_the_codes_under_it_and_a_longer_code_can_lift_it() -> None:
    assert iccs.marked("08021", iccs.BEHAVIOUR_CODES) == ("0802", True)
    assert iccs.marked("0701", iccs.BEHAVIOUR_CODES) is None
    assert iccs.kind_of("06012") == "drug_trafficking"
    assert iccs.kind_of("06011") is None, "personal consumption is not trafficking"
    assert iccs.kind_of("07032") == "fraud" and iccs.kind_of("07031") == "corruption"


# --- the excluded-offence, Article 3 and kind rules from the code ------------------------------------


def test_an_excluded_code_is_held_even_when_the_wording_is_neutral() -> None:
    request = with_charges(charge("Offence under article 12 of the Public Order Act", "0801"))
    findings = fired("excluded.behaviour_cultural_norms", request)
    assert [f.field for f in findings] == ["judicial.charges[0]"]
    assert findings[0].evidence["matched"] == "0801 (Acts against public order behavioural standards)"
    assert "0801" in findings[0].message and findings[0].severity is Severity.DOUBT


def test_a_group_under_an_excluded_division_is_held_and_its_wording_can_lift_it() -> None:
    assert fired("excluded.behaviour_cultural_norms", with_charges(charge("Offence under article 3", "08021")))
    forced = with_charges(charge("Forced prostitution of women brought from abroad", "08021"))
    assert fired("excluded.behaviour_cultural_norms", forced) == []


def test_a_labour_law_code_is_an_administrative_exclusion() -> None:
    findings = fired("excluded.administrative_private_dispute", with_charges(charge("Offence under article 7", "0808")))
    assert [f.evidence["matched"] for f in findings] == ["0808 (Acts contrary to labour law)"]


def test_a_state_security_code_is_checked_under_article_3_whatever_the_wording() -> None:
    findings = fired("art3.offence_character", with_charges(charge("Offence under article 275", "0904")))
    assert [(f.evidence["character"], f.evidence["matched"]) for f in findings] == [
        ("political", "0904 (Acts against state security)")
    ]


def test_an_ordinary_code_with_neutral_wording_is_not_excluded_nor_doubted() -> None:
    request = with_charges(charge("Organised fraud", "0701"))
    findings = apply_rules(request, TODAY)
    assert [f.rule_id for f in findings if f.rule_id.startswith(("excluded.", "art3.offence", CODE_RULE))] == []


def test_a_code_the_wording_disagrees_with_is_doubted_naming_both_codes() -> None:
    request = with_charges(charge("Murder of a business partner", "0701"))
    findings = fired(CODE_RULE, request)
    assert [f.field for f in findings] == ["judicial.charges[0].category"]
    assert (
        "is coded 0701 (Fraud) but its description reads like 0101 (Intentional homicide): check the code"
        in findings[0].message
    )
    assert findings[0].evidence == {"code": "0701", "reads_like": "0101"}
    assert findings[0].severity is Severity.DOUBT


@pytest.mark.parametrize(
    ("offence", "code"),
    [
        ("Murder", "0101"),
        ("Attempted murder", "0102"),
        ("Organised fraud", "07"),
        ("Embezzlement of public funds", "07032"),
        ("Armed robbery", "0401"),
        ("Money laundering", "07041"),
        ("Drug trafficking", "06012"),
        ("Offence under article 5", "0701"),
    ],
)
def test_a_code_that_fits_the_wording_or_wording_of_no_known_kind_is_not_doubted(offence: str, code: str) -> None:
    assert fired(CODE_RULE, with_charges(charge(offence, code))) == []


def test_an_other_acts_code_with_homicide_wording_is_doubted() -> None:
    findings = fired(CODE_RULE, with_charges(charge("Murder", "1109")))
    assert "reads like 0101 (Intentional homicide)" in findings[0].message


def test_the_code_gives_the_charge_its_kind_for_the_facts_check() -> None:
    facts = "On 3 March 2024 in Lyon the subject shot and killed his neighbour with a rifle after a quarrel."
    neutral = charge("Offence under article 221-1", "0701")
    request = build("red-notice-fraud", judicial__charges=[neutral], judicial__facts_summary=facts)
    findings = fired("consistency.charges_match_facts", request)
    assert [f.evidence["offence_kind"] for f in findings] == ["fraud"]
    assert fired("consistency.charges_match_facts", with_charges(neutral)) == []


# --- a legacy free-text category screens as before ---------------------------------------------------


def test_a_legacy_free_text_category_still_screens_as_before() -> None:
    defamation = with_charges(charge("Offence under article 12", "defamation"))
    assert [f.evidence["matched"] for f in fired("excluded.behaviour_cultural_norms", defamation)] == ["defamation"]
    treason = with_charges(charge("Offence under article 275", "treason"))
    assert [f.evidence["matched"] for f in fired("art3.offence_character", treason)] == ["treason"]
    mismatched = with_charges(charge("Murder of a business partner", "fraud"))
    assert fired(CODE_RULE, mismatched) == [], "free text is not a code: not judged as one"
    assert fired("excluded.behaviour_cultural_norms", with_charges(charge("Organised fraud", "fraud"))) == []
