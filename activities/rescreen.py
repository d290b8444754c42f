"""The re-screening activity: the entries a reference load added or changed, matched against the subjects
of open cases and published notices, with the existing person matcher and the refugee and
political-targeting rules (so a finding cites the article screening would have cited).

The index is built over the changed entries only (a few, usually), and every subject and alias is
searched in it; the matching is CPU-bound and runs in a thread, off the worker's event loop. Read-only:
a retry after a crash finds the same matches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from pydantic import ValidationError
from temporalio import activity

import registry.rescreen as rescreen
from models.findings import Finding
from models.ids import notice_workflow_id
from models.reference import PoliticalTargetRecord, ReferenceKind, RefugeeRecord
from models.request import NoticeRequest
from models.rescreen import (
    ChangedEntry,
    MatchedEntry,
    RescreenInput,
    RescreenMatches,
    RescreenTarget,
    SubjectMatched,
)
from registry.database import Database
from screening.matching import PersonIndex
from screening.persons import political_targeting_findings, refugee_findings

log = logging.getLogger(__name__)

SOURCE = "reference_data"
"""The source of a re-screening finding: the list and the entry are in its evidence."""
LIST_NAMES = {ReferenceKind.REFUGEES: "refugees", ReferenceKind.POLITICAL_TARGETING: "political-targeting"}


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def record_of(entry: ChangedEntry) -> RefugeeRecord | PoliticalTargetRecord:
    """The changed entry as screening holds a list entry, carrying its id."""
    row = entry.entry
    person: dict[str, Any] = {
        "family_name": row.get("family_name") or "",
        "forenames": row.get("forenames") or "",
        "date_of_birth": row.get("date_of_birth") or "",
        "nationalities": tuple(row.get("nationalities") or ()),
        "entry_id": entry.entry_id,
    }
    if entry.kind is ReferenceKind.REFUGEES:
        return RefugeeRecord(
            **person,
            granted_by=row.get("granted_by") or "",
            persecution_country=row.get("persecution_country") or "",
            status=row.get("status") or "",
            decided_on=_date(row.get("decided_on")),
            applied_on=_date(row.get("applied_on")),
            confirmed_on=_date(row.get("confirmed_on")),
        )
    return PoliticalTargetRecord(
        **person, country=row.get("country") or "", kind=row.get("kind") or "", note=row.get("note") or ""
    )


def reference_finding(finding: Finding, entry: ChangedEntry, target: RescreenTarget) -> Finding:
    """A screening finding as re-screening reports it: source ``reference_data``, the list, the entry and
    the load in its evidence, and what the reviewer is to do."""
    what = "added to" if entry.change.value == "added" else "changed on"
    if target is RescreenTarget.NOTICE:
        act = ("The notice is published: check the match and decide whether to block it "
               "(ndtf block NOTICE_ID --reason TEXT) while it is established.")
    else:
        act = "Weigh it in the detailed review before the case goes on."
    message = (
        f"Re-screening: entry {entry.entry_id} was {what} the {LIST_NAMES[entry.kind]} list (version "
        f"{entry.version}) after this case was screened. {finding.message} {act}"
    )
    evidence = {
        **finding.evidence,
        "list": entry.kind.value,
        "entry_id": entry.entry_id,
        "list_version": str(entry.version),
        "entry_change": entry.change.value,
        "list_rule_source": finding.source,
    }
    return finding.model_copy(update={"source": SOURCE, "message": message, "evidence": evidence})


def match_subjects(
    entries: Sequence[ChangedEntry],
    subjects: Sequence[rescreen.Subject],
    target: RescreenTarget,
) -> list[SubjectMatched]:
    """Pure and CPU-bound: each subject (and its aliases) against the changed entries of one list."""
    if not entries:
        return []
    kind = entries[0].kind
    by_id = {entry.entry_id: entry for entry in entries}
    index: PersonIndex[Any] = PersonIndex.build([record_of(entry) for entry in entries])
    rule: Callable[[NoticeRequest, PersonIndex[Any]], list[Finding]] = (
        refugee_findings if kind is ReferenceKind.REFUGEES else political_targeting_findings
    )
    matched: list[SubjectMatched] = []
    for subject in subjects:
        try:
            request = NoticeRequest.model_validate(subject.request)
        except ValidationError:
            log.warning("re-screening skips request %s: its stored request does not validate", subject.request_id)
            continue
        found = []
        for finding in rule(request, index):
            entry = by_id[finding.evidence["entry_id"]]
            found.append(MatchedEntry(alert_key=entry.alert_key, finding=reference_finding(finding, entry, target)))
        if found:
            matched.append(
                SubjectMatched(
                    target=target,
                    workflow_id=subject.workflow_id,
                    request_id=subject.request_id,
                    notice_id=subject.notice_id,
                    matched=found,
                )
            )
    return matched


class RescreenActivities:
    def __init__(self, db: Database) -> None:
        self._db = db

    @activity.defn
    async def match_changed_entries(self, input: RescreenInput) -> RescreenMatches:
        """The open cases and published notices whose subjects match entries the load added or changed."""
        entries = await rescreen.changed_entries(self._db, input.kind, input.version)
        cases = await rescreen.open_cases(self._db)
        notices = await rescreen.live_notices(self._db, notice_workflow_id)
        matches = await asyncio.to_thread(match_subjects, entries, cases, RescreenTarget.CASE)
        matches += await asyncio.to_thread(match_subjects, entries, notices, RescreenTarget.NOTICE)
        return RescreenMatches(
            kind=input.kind,
            version=input.version,
            entries=len(entries),
            open_cases=len(cases),
            published_notices=len(notices),
            matches=matches,
        )
