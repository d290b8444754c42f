"""What re-screening reads and writes in the registry: which entries of the refugee and political-targeting
lists a load added or changed (compared with what was loaded before), and the open cases and published
notices whose subjects they are matched against.

An entry is known by its id: the file's own (an optional ``entry_id`` column), else one derived from who
the entry is (names, birth date and the granting or targeting country), so a status that changes keeps
the entry's id and shows as a change. Its content is compared by a hash of its non-empty cells, so a file
that only gains an optional column changes nothing. Entries a load removes re-screen nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.notice import NoticeStatus
from models.reference import ReferenceKind
from models.rescreen import RESCREEN_KINDS, ChangedEntry, EntryChange
from registry.database import Database
from registry.tables import (
    NOT_PENDING_STAGES,
    NoticeRow,
    PoliticalTargetingRow,
    ReferenceChangeRow,
    RefugeeRow,
    RequestRow,
)

IDENTITY = {
    ReferenceKind.REFUGEES: ("family_name", "forenames", "date_of_birth", "granted_by"),
    ReferenceKind.POLITICAL_TARGETING: ("family_name", "forenames", "date_of_birth", "country"),
}
"""The cells that say who an entry is, when the file gives it no id of its own."""
PREFIX = {ReferenceKind.REFUGEES: "ref", ReferenceKind.POLITICAL_TARGETING: "pt"}
TABLES = {ReferenceKind.REFUGEES: RefugeeRow, ReferenceKind.POLITICAL_TARGETING: PoliticalTargetingRow}
LIVE_NOTICES = (NoticeStatus.PUBLISHED.value, NoticeStatus.BLOCKED.value)
"""A blocked notice is still re-screened: its block may be lifted."""
CONTENT_IGNORES = frozenset({"id", "entry_id"})
EMPTY: tuple[Any, ...] = (None, "", [])


def _plain(value: Any) -> str:
    text = str(value or "")
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.casefold().split())


def _cell(value: Any) -> Any:
    """A list (nationalities) as a tuple, whether it came from the file or the database."""
    return tuple(value) if isinstance(value, list) else value


def derived_entry_id(kind: ReferenceKind, row: Mapping[str, Any]) -> str:
    """An id from who the entry is: the same person on the same list keeps it across loads."""
    identity = "\x1f".join(_plain(row.get(column)) for column in IDENTITY[kind])
    return f"{PREFIX[kind]}-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"


def entry_hash(row: Mapping[str, Any]) -> str:
    """A hash of what the entry says: its non-empty cells but its ids, by column name."""
    content = [(k, _cell(v)) for k, v in sorted(row.items()) if v not in EMPTY and k not in CONTENT_IGNORES]
    return hashlib.sha256(repr(content).encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    entry_id: str
    entry_hash: str
    row: dict[str, Any]


def entries(kind: ReferenceKind, rows: Iterable[Mapping[str, Any]]) -> dict[str, Entry]:
    """The entries of a list, by id, in file order; a second row with the same id is ``id#2``, and so on."""
    found: dict[str, Entry] = {}
    seen: dict[str, int] = {}
    for row in rows:
        base = str(row.get("entry_id") or "") or derived_entry_id(kind, row)
        seen[base] = seen.get(base, 0) + 1
        key = base if seen[base] == 1 else f"{base}#{seen[base]}"
        plain = {k: v for k, v in row.items() if k != "id"}
        found[key] = Entry(key, entry_hash(plain), plain)
    return found


def diff_entries(
    kind: ReferenceKind, before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]
) -> list[tuple[EntryChange, Entry]]:
    """The entries of ``after`` that ``before`` did not have, or had with other content, in file order."""
    old = {key: entry.entry_hash for key, entry in entries(kind, before).items()}
    changes: list[tuple[EntryChange, Entry]] = []
    for key, entry in entries(kind, after).items():
        if key not in old:
            changes.append((EntryChange.ADDED, entry))
        elif old[key] != entry.entry_hash:
            changes.append((EntryChange.CHANGED, entry))
    return changes


async def rows_loaded(session: AsyncSession, kind: ReferenceKind) -> list[dict[str, Any]]:
    """The rows of a list as loaded now, in file order (before a load replaces them)."""
    table = TABLES[kind]
    columns = [column for column in table.__table__.columns if column.name != "id"]
    result = await session.execute(select(*columns).order_by(table.id))  # type: ignore[attr-defined]
    return [dict(row._mapping) for row in result]


async def record_changes(
    session: AsyncSession,
    kind: ReferenceKind,
    version: int,
    before: Sequence[Mapping[str, Any]],
    after: Sequence[Mapping[str, Any]],
) -> int:
    """In the load's transaction: the entries ``after`` adds or changes, under the version it makes."""
    if kind not in RESCREEN_KINDS:
        return 0
    changes = await asyncio.to_thread(diff_entries, kind, before, after)  # a long list takes seconds
    rows = [
        {
            "kind": kind.value,
            "version": version,
            "entry_id": entry.entry_id,
            "change": change.value,
            "entry_hash": entry.entry_hash,
            "entry": entry.row,
        }
        for change, entry in changes
    ]
    for start in range(0, len(rows), 1000):
        await session.execute(insert(ReferenceChangeRow), rows[start : start + 1000])
    return len(rows)


async def changed_entries(db: Database, kind: ReferenceKind, version: int) -> list[ChangedEntry]:
    async with db.transaction() as session:
        rows = await session.scalars(
            select(ReferenceChangeRow)
            .where(ReferenceChangeRow.kind == kind.value, ReferenceChangeRow.version == version)
            .order_by(ReferenceChangeRow.id)
        )
        return [
            ChangedEntry(
                kind=kind,
                version=version,
                entry_id=row.entry_id,
                change=EntryChange(row.change),
                entry_hash=row.entry_hash,
                entry=dict(row.entry),
            )
            for row in rows
        ]


async def count_changes(db: Database, kind: ReferenceKind, version: int) -> int:
    async with db.transaction() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(ReferenceChangeRow)
            .where(ReferenceChangeRow.kind == kind.value, ReferenceChangeRow.version == version)
        )
    return int(found or 0)


@dataclass(frozen=True)
class Subject:
    """An open case or a live notice, with its request as stored (the subject and its aliases)."""

    request_id: str
    workflow_id: str
    notice_id: str | None
    request: dict[str, Any]


def _open_cases() -> Any:
    return select(RequestRow.request_id, RequestRow.workflow_id, RequestRow.request).where(
        RequestRow.stage.not_in(list(NOT_PENDING_STAGES))
    )


def _live_notices() -> Any:
    return (
        select(NoticeRow.notice_id, NoticeRow.request_id, RequestRow.request)
        .join(RequestRow, RequestRow.request_id == NoticeRow.request_id)
        .where(NoticeRow.status.in_(LIVE_NOTICES))
    )


async def open_cases(db: Database) -> list[Subject]:
    async with db.transaction() as session:
        rows = await session.execute(_open_cases().order_by(RequestRow.request_id))
        return [Subject(request_id, workflow_id, None, dict(request)) for request_id, workflow_id, request in rows]


async def live_notices(db: Database, workflow_id_of: Any) -> list[Subject]:
    """``workflow_id_of(notice_id)``: the notice's workflow (``models.ids.notice_workflow_id``)."""
    async with db.transaction() as session:
        rows = await session.execute(_live_notices().order_by(NoticeRow.notice_id))
        return [
            Subject(request_id, workflow_id_of(notice_id), notice_id, dict(request))
            for notice_id, request_id, request in rows
        ]


async def rescreen_scope(db: Database) -> tuple[int, int]:
    """How many open cases and live (published or blocked) notices a re-screening compares."""
    async with db.transaction() as session:
        cases = await session.scalar(select(func.count()).select_from(_open_cases().subquery()))
        notices = await session.scalar(select(func.count()).select_from(_live_notices().subquery()))
    return int(cases or 0), int(notices or 0)
