"""The subject and aliases against the refugee and political-targeting lists and other requests."""

from __future__ import annotations

from datetime import date

from models.findings import Severity
from models.reference import DuplicateCandidate, KnownName, PoliticalTargetRecord, RefugeeRecord
from screening import PersonIndex, duplicate_findings
from screening.persons import political_targeting_findings, refugee_findings
from tests.screening.conftest import build


def _refugee(status: str = "granted", persecution: str = "FR", **person: str) -> RefugeeRecord:
    return RefugeeRecord(
        family_name=person.get("family_name", "MARCHETTI"),
        forenames=person.get("forenames", "Lucien"),
        date_of_birth=person.get("date_of_birth", "1979"),
        nationalities=("IT",),
        granted_by="CH",
        persecution_country=persecution,
        status=status,
        decided_on=date(2020, 5, 4),
    )


def _refugees(*records: RefugeeRecord) -> PersonIndex[RefugeeRecord]:
    return PersonIndex.build(records)


def test_refugee_persecuted_by_the_requesting_country_blocks() -> None:
    [finding] = refugee_findings(build(), _refugees(_refugee(persecution="FR")))
    assert finding.rule_id == "refugee.persecution_country_requests"
    assert finding.severity is Severity.BLOCKING
    assert (finding.article, finding.source, finding.field) == ("Refugee policy (Art. 2(1))", "refugees", "subject")
    assert finding.missing_item is None  # not something the NCB can supply
    assert finding.evidence["persecution_country"] == "FR" and finding.evidence["granted_by"] == "CH"
    assert "date_of_birth" in finding.evidence["agreed"]
    assert finding.score is not None and finding.score >= 82


def test_refugee_persecuted_by_another_country_is_a_doubt() -> None:
    [finding] = refugee_findings(build(), _refugees(_refugee(persecution="DZ")))
    assert finding.rule_id == "refugee.status_granted" and finding.severity is Severity.DOUBT


def test_revoked_refugee_status_is_info() -> None:
    [finding] = refugee_findings(build(), _refugees(_refugee(status="revoked")))
    assert finding.rule_id == "refugee.status_revoked" and finding.severity is Severity.INFO


def test_refugee_found_through_an_alias() -> None:
    # The fraud example's alias is MARKETTI Luciano.
    [finding] = refugee_findings(build(), _refugees(_refugee(family_name="MARKETTI", forenames="Luciano")))
    assert finding.field == "subject.aliases[0]"
    assert finding.evidence["matched_on"] == "subject.aliases[0]"
    assert "alias" in finding.message


def test_one_finding_per_list_entry_even_if_several_names_match() -> None:
    request = build(subject__aliases=[{"family_name": "MARCHETI", "forenames": "Lucien"}])
    findings = refugee_findings(request, _refugees(_refugee()))
    assert len(findings) == 1
    assert findings[0].field == "subject.aliases[0]"  # the closer spelling of the two is the one reported


def test_someone_else_on_the_refugee_list_gives_nothing() -> None:
    other = _refugee(family_name="MARCHETTI", forenames="Lucien", date_of_birth="1950-01-01")
    assert refugee_findings(build(), _refugees(other)) == []


def _target(country: str) -> PoliticalTargetRecord:
    return PoliticalTargetRecord(family_name="Marchetti", forenames="Lucien Paolo", date_of_birth="1979-04",
                                 nationalities=("IT",), country=country, kind="journalist")


def test_political_targeting_by_the_requesting_country_is_a_doubt() -> None:
    [finding] = political_targeting_findings(build(), PersonIndex.build([_target("FR")]))
    assert finding.rule_id == "political_targeting.by_requesting_country"
    assert (finding.severity, finding.source) == (Severity.DOUBT, "political_targeting")
    assert finding.article == "Constitution Art. 3"


def test_political_targeting_by_another_country_is_info() -> None:
    [finding] = political_targeting_findings(build(), PersonIndex.build([_target("RU")]))
    assert finding.rule_id == "political_targeting.by_other_country" and finding.severity is Severity.INFO


def test_same_person_in_another_request_is_a_duplicate_doubt() -> None:
    candidates = [
        DuplicateCandidate(request_id="req-1", requesting_ncb="IT", stage="published", family_name="MARCHETTI",
                           forenames="Lucien", date_of_birth="1979-04-12", nationalities=["IT"]),
        DuplicateCandidate(request_id="req-2", requesting_ncb="DE", stage="detailed_review", family_name="MARCHETTI",
                           forenames="Giulia", date_of_birth="1990", nationalities=["IT"]),
    ]
    [finding] = duplicate_findings(build(), candidates)
    assert finding.rule_id == "duplicate.same_person" and finding.severity is Severity.DOUBT
    assert finding.source == "duplicates" and finding.evidence["request_id"] == "req-1"


def test_no_duplicate_candidates_no_findings() -> None:
    assert duplicate_findings(build(), []) == []


def _notice_under_aliases(*aliases: tuple[str, str], date_of_birth: str = "1979-04-12") -> DuplicateCandidate:
    """A published notice filed as someone else, with these aliases on file."""
    return DuplicateCandidate(
        request_id="req-9", notice_id="notice-9", requesting_ncb="DE", stage="published", family_name="KOWALSKI",
        forenames="Jan", date_of_birth=date_of_birth, nationalities=["IT"],
        aliases=[KnownName(family_name=family, forenames=forenames) for family, forenames in aliases],
    )


def test_a_duplicate_is_found_under_an_alias_on_file_for_the_other_case() -> None:
    # the subject MARCHETTI Lucien Paul, no alias of its own: the other case has it as an alias
    request = build(subject__aliases=[])
    [finding] = duplicate_findings(request, [_notice_under_aliases(("ROSSI", "Mario"), ("MARCHETTI", "Lucien Paul"))])
    assert (finding.rule_id, finding.field) == ("duplicate.same_person", "subject")
    evidence = finding.evidence
    assert (evidence["request_id"], evidence["notice_id"], evidence["stage"]) == ("req-9", "notice-9", "published")
    assert (evidence["matched_on"], evidence["searched_name"]) == ("subject", "MARCHETTI Lucien Paul")
    assert (evidence["list_entry_field"], evidence["list_entry"]) == ("subject.aliases[1]", "MARCHETTI Lucien Paul")
    assert "notice-9" in finding.message and "alias 'MARCHETTI Lucien Paul'" in finding.message
    assert finding.score == 100.0


def test_an_alias_of_the_subject_is_compared_with_the_aliases_of_the_other_case() -> None:
    # the fraud example's alias MARKETTI Luciano, misspelt on the other side
    [finding] = duplicate_findings(build(), [_notice_under_aliases(("MARKETI", "Luciano"))])
    assert finding.field == "subject.aliases[0]"
    assert (finding.evidence["matched_on"], finding.evidence["searched_name"]) == (
        "subject.aliases[0]", "MARKETTI Luciano"
    )
    assert (finding.evidence["list_entry_field"], finding.evidence["list_entry"]) == (
        "subject.aliases[0]", "MARKETI Luciano"
    )


def test_an_alias_on_file_keeps_the_birth_date_rule_and_each_case_is_reported_once() -> None:
    born_elsewhen = _notice_under_aliases(("MARCHETTI", "Lucien Paul"), date_of_birth="1950-01-01")
    assert duplicate_findings(build(), [born_elsewhen]) == []  # same name, clearly another birth date

    both = _notice_under_aliases(("MARCHETI", "Lucien"), ("MARCHETTI", "Lucien Paul"))
    pending = DuplicateCandidate(request_id="req-3", requesting_ncb="ES", stage="detailed_review", family_name="GARCIA",
                                 forenames="Ana", date_of_birth="1979-04-12", nationalities=["ES"],
                                 aliases=[KnownName(family_name="MARKETTI", forenames="Luciano")])
    findings = duplicate_findings(build(), [both, pending])
    assert [(f.evidence["request_id"], f.evidence["list_entry_field"], f.evidence["notice_id"]) for f in findings] == [
        ("req-9", "subject.aliases[1]", "notice-9"),  # the best of its names: the exact one
        ("req-3", "subject.aliases[0]", ""),  # a pending request has no notice id
    ]
