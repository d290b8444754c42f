"""Re-screening when reference data changes: a load of the refugee or political-targeting list that adds
or changes entries has open cases and published notices matched against those entries, and each that
matches is told (a finding, a reviewer alert).

The key of an alert is the list, the entry's id and a hash of its content: the same entry signalled
twice adds one finding, and an entry changed again (an asylum seeker's status confirmed) adds another.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from models.findings import Finding
from models.reference import ReferenceKind

RESCREEN_KINDS = frozenset({ReferenceKind.REFUGEES, ReferenceKind.POLITICAL_TARGETING})
"""The lists whose new or changed entries re-screen open cases and published notices."""


class EntryChange(StrEnum):
    ADDED = "added"
    CHANGED = "changed"


class ChangedEntry(BaseModel):
    """An entry a load added or changed (``registry.rescreen``)."""

    kind: ReferenceKind
    version: int
    """The version of the list the load made."""
    entry_id: str
    change: EntryChange
    entry_hash: str
    entry: dict[str, Any] = Field(default_factory=dict)
    """The entry's row as loaded: the list's columns."""

    @property
    def alert_key(self) -> str:
        return alert_key(self.kind, self.entry_id, self.entry_hash)


def alert_key(kind: ReferenceKind | str, entry_id: str, entry_hash: str) -> str:
    """What a re-screening finding is recorded under: no personal data (an id and a hash)."""
    return f"{ReferenceKind(kind).value}:{entry_id}:{entry_hash[:16]}"


def rescreen_workflow_id(kind: ReferenceKind | str, version: int, content_hash: str) -> str:
    """Derived from the load (list, version, content), so a retried load starts no second re-screening."""
    return f"rescreen-{ReferenceKind(kind).value}-v{version}-{content_hash[:16]}"


class RescreenInput(BaseModel):
    """The re-screening of one load: its list and the version it made."""

    kind: ReferenceKind
    version: int


class RescreenTarget(StrEnum):
    CASE = "case"
    """An open request (``NoticeRequestWorkflow``)."""
    NOTICE = "notice"
    """A published notice (``PublishedNoticeWorkflow``)."""


class MatchedEntry(BaseModel):
    """One changed entry a subject matched, as the finding it gives."""

    alert_key: str
    finding: Finding


class SubjectMatched(BaseModel):
    """An open case or a published notice whose subject matched changed entries."""

    target: RescreenTarget
    workflow_id: str
    request_id: str
    notice_id: str | None = None
    matched: list[MatchedEntry] = Field(default_factory=list)


class RescreenMatches(BaseModel):
    """What the matching activity found: how many entries, cases and notices it compared, and the matches."""

    kind: ReferenceKind
    version: int
    entries: int
    open_cases: int
    published_notices: int
    matches: list[SubjectMatched] = Field(default_factory=list)


class ReferenceDataMatched(BaseModel):
    """The signal to an open case or a published notice: its subject matched entries a load added or
    changed. Sent by ``RescreenWorkflow``; each entry is taken once (by its ``alert_key``)."""

    kind: ReferenceKind
    version: int
    rescreen_id: str
    """The re-screening workflow that sent it."""
    matched: list[MatchedEntry] = Field(default_factory=list)


class ReferenceAlert(BaseModel):
    """A re-screening finding on a published notice, for the NDTF to act on (``ndtf notice``)."""

    alert_key: str
    finding: Finding
    at: datetime
    version: int
    """The version of the list that brought it."""


class RescreenOutcome(BaseModel):
    """What a re-screening did (its workflow's result): counts only, no names."""

    kind: ReferenceKind
    version: int
    entries: int = 0
    open_cases: int = 0
    """Open cases compared with the changed entries."""
    published_notices: int = 0
    cases_alerted: int = 0
    notices_alerted: int = 0
    not_reached: int = 0
    """Matched workflows that had closed before the signal reached them."""


class RescreenSummary(BaseModel):
    """In a load's answer: the re-screening it started (or had started, on a retried load); counts only."""

    workflow_id: str
    started: bool
    """False when a re-screening of this load was started before (a retried load)."""
    changed_entries: int
    open_cases: int
    """Open cases being re-screened against the changed entries."""
    published_notices: int
    """Published (or blocked) notices being re-screened against them."""


def _same_match(a: Finding, b: Finding) -> bool:
    """Two findings on the same list entry by the same rule (re-screening and a screening both found it)."""
    return a.rule_id == b.rule_id and all(
        a.evidence.get(key, "") == b.evidence.get(key, "") for key in ("list_entry", "list_date_of_birth")
    )


def untaken(matched: list[MatchedEntry], taken: list[str]) -> list[MatchedEntry]:
    """The matched entries not taken before (by key), each once."""
    seen = set(taken)
    fresh: list[MatchedEntry] = []
    for entry in matched:
        if entry.alert_key not in seen:
            seen.add(entry.alert_key)
            fresh.append(entry)
    return fresh


def new_findings(matched: list[MatchedEntry], findings: list[Finding]) -> list[Finding]:
    """The findings of ``matched`` a case does not already hold (a screening that ran after the load
    found the same entry by the same rule)."""
    return [m.finding for m in matched if not any(_same_match(m.finding, held) for held in findings)]
