"""Asylum seekers and confirmed refugees in screening, and the re-screening matcher: changed entries of a
list against the subjects of open cases and published notices, as findings a reviewer can act on."""

from __future__ import annotations

from datetime import date
from typing import Any

from activities.rescreen import match_subjects
from models.findings import RiskLevel, Severity, risk_of
from models.reference import ReferenceKind, RefugeeRecord
from models.rescreen import ChangedEntry, EntryChange, RescreenTarget, alert_key
from registry.rescreen import Subject
from screening import PersonIndex
from screening.persons import refugee_findings
from tests.screening.conftest import build, example


def _record(
    status: str,
    persecution: str = "FR",
    *,
    applied_on: date | None = None,
    decided_on: date | None = None,
    confirmed_on: date | None = None,
) -> RefugeeRecord:
    return RefugeeRecord(
        family_name="MARCHETTI", forenames="Lucien", date_of_birth="1979", nationalities=("IT",),
        granted_by="CH", persecution_country=persecution, status=status,
        applied_on=applied_on, decided_on=decided_on, confirmed_on=confirmed_on,
    )


def test_an_asylum_seeker_fleeing_the_requesting_country_is_a_doubt_with_high_risk() -> None:
    [finding] = refugee_findings(build(), PersonIndex.build([_record("asylum_seeker", applied_on=date(2025, 3, 1))]))
    assert (finding.rule_id, finding.severity) == ("refugee.asylum_seeker", Severity.DOUBT)
    assert finding.article == "Refugee policy (Art. 2(1))"
    assert "asylum seeker in CH (applied on 2025-03-01) fleeing FR, the requesting country" in finding.message
    assert "Confirm the identity and the status with CH" in finding.message
    assert finding.evidence["applied_on"] == "2025-03-01"
    assert risk_of([finding]) is RiskLevel.HIGH


def test_a_confirmed_refugee_from_the_requesting_country_blocks() -> None:
    record = _record("confirmed", decided_on=date(2020, 5, 4), confirmed_on=date(2021, 1, 8))
    [finding] = refugee_findings(build(), PersonIndex.build([record]))
    assert (finding.rule_id, finding.severity) == ("refugee.persecution_country_requests", Severity.BLOCKING)
    assert "recognised by CH on 2020-05-04, status confirmed on 2021-01-08" in finding.message
    assert finding.evidence["confirmed_on"] == "2021-01-08"


def test_a_confirmed_refugee_persecuted_by_another_country_is_a_doubt() -> None:
    [finding] = refugee_findings(build(), PersonIndex.build([_record("confirmed", persecution="DZ")]))
    assert (finding.rule_id, finding.severity) == ("refugee.status_granted", Severity.DOUBT)


# --- the re-screening matcher ----------------------------------------------------------------------


def _entry(entry_id: str, change: EntryChange = EntryChange.ADDED, **row: Any) -> ChangedEntry:
    entry = {
        "family_name": "MARCHETTI", "forenames": "Lucien Paul", "date_of_birth": "1979-04-12",
        "nationalities": ["FR"], "granted_by": "ES", "persecution_country": "FR", "status": "confirmed",
        "decided_on": "2024-05-02", "applied_on": None, "confirmed_on": "2024-06-10", "entry_id": "",
    }
    return ChangedEntry(
        kind=ReferenceKind.REFUGEES, version=7, entry_id=entry_id, change=change, entry_hash="ab" * 32,
        entry={**entry, **row},
    )


def _subject(request_id: str, notice_id: str | None = None, **subject: Any) -> Subject:
    request = example("red-notice-fraud")
    request["subject"].update(subject)
    workflow_id = f"published-notice-{notice_id}" if notice_id else f"notice-request-{request_id}"
    return Subject(request_id=request_id, workflow_id=workflow_id, notice_id=notice_id, request=request)


def test_a_case_matching_a_changed_entry_gets_a_reference_data_finding_naming_the_list_and_entry() -> None:
    entries = [_entry("ref-1"), _entry("ref-2", family_name="OKONKWO", forenames="Adaeze", date_of_birth="1990")]
    [matched] = match_subjects(entries, [_subject("R-FR-1"), _subject("R-FR-2", family_name="DUPONT")],
                               RescreenTarget.CASE)
    assert (matched.request_id, matched.workflow_id, matched.target) == ("R-FR-1", "notice-request-R-FR-1", "case")
    [entry] = matched.matched
    assert entry.alert_key == alert_key(ReferenceKind.REFUGEES, "ref-1", "ab" * 32)
    finding = entry.finding
    assert (finding.rule_id, finding.severity, finding.source) == (
        "refugee.persecution_country_requests", Severity.BLOCKING, "reference_data",
    )
    assert finding.article == "Refugee policy (Art. 2(1))" and finding.field == "subject"
    assert {k: finding.evidence[k] for k in ("list", "entry_id", "list_version", "entry_change")} == {
        "list": "refugees", "entry_id": "ref-1", "list_version": "7", "entry_change": "added",
    }
    assert finding.message.startswith("Re-screening: entry ref-1 was added to the refugees list (version 7)")
    assert finding.message.endswith("Weigh it in the detailed review before the case goes on.")


def test_a_notice_is_matched_through_an_alias_and_told_how_to_block() -> None:
    # the fraud example's subject is also known as MARKETTI Luciano
    entries = [_entry("ref-9", EntryChange.CHANGED, family_name="MARKETTI", forenames="Luciano")]
    [matched] = match_subjects(entries, [_subject("R-FR-3", notice_id="N-FR-3")], RescreenTarget.NOTICE)
    assert (matched.notice_id, matched.workflow_id) == ("N-FR-3", "published-notice-N-FR-3")
    [entry] = matched.matched
    assert entry.finding.field == "subject.aliases[0]"
    assert "was changed on the refugees list" in entry.finding.message
    assert "ndtf block NOTICE_ID --reason TEXT" in entry.finding.message


def test_nobody_matches_an_entry_about_someone_else() -> None:
    entries = [_entry("ref-3", family_name="HADDAD", forenames="Samir", date_of_birth="1975-02-11")]
    assert match_subjects(entries, [_subject("R-FR-4")], RescreenTarget.CASE) == []
    assert match_subjects([], [_subject("R-FR-5")], RescreenTarget.CASE) == []


def test_a_targeting_entry_gives_the_article_3_finding() -> None:
    entry = ChangedEntry(
        kind=ReferenceKind.POLITICAL_TARGETING, version=3, entry_id="pt-1", change=EntryChange.ADDED,
        entry_hash="cd" * 32,
        entry={"family_name": "MARCHETTI", "forenames": "Lucien Paul", "date_of_birth": "1979-04-12",
               "nationalities": ["FR"], "country": "FR", "kind": "journalist", "note": "", "entry_id": ""},
    )
    [matched] = match_subjects([entry], [_subject("R-FR-6")], RescreenTarget.CASE)
    finding = matched.matched[0].finding
    assert (finding.rule_id, finding.source) == ("political_targeting.by_requesting_country", "reference_data")
    assert finding.evidence["list"] == "political_targeting"
    assert "political-targeting list (version 3)" in finding.message
