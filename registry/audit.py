"""The audit trail: an append-only, hash-chained log of every change to the information system.

Each entry's hash covers its own content and the previous entry's hash, so changing any entry breaks
every hash after it. Ids are assigned here (previous + 1) while holding the chain lock, so a removed
entry leaves a gap; the ``audit_head`` row remembers the newest entry, so removing the tail shows too.

Appends are serialised: on PostgreSQL by a transaction-scoped advisory lock, on SQLite by the
``BEGIN IMMEDIATE`` every transaction starts with (see ``registry.database``). Call ``append_audit``
as the last statement of a transaction, so the lock is held as briefly as possible and never while
waiting for another lock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import AuditVerification
from registry.database import Database, dialect_of
from registry.tables import AuditEntryRow, AuditHeadRow

GENESIS_HASH = "0" * 64
AUDIT_LOCK_KEY = 0x4E44_5446_4155_4454
"""The advisory lock that serialises appends on PostgreSQL ("NDTFAUDT")."""
_HEAD_ID = 1


def canonical_json(value: Any) -> str:
    """One spelling per value (sorted keys, no spaces), so a hash can be recomputed from stored rows."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _timestamp(at: datetime) -> str:
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return aware.isoformat(timespec="microseconds")


def entry_hash(
    *,
    id: int,
    event_key: str,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    detail: str,
    prev_hash: str,
) -> str:
    """sha256 over the canonical JSON of the entry, followed by the previous entry's hash."""
    entry = {
        "id": id,
        "event_key": event_key,
        "at": _timestamp(at),
        "actor": actor,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "detail": detail,
    }
    return hashlib.sha256((canonical_json(entry) + prev_hash).encode()).hexdigest()


def _hash_of(row: AuditEntryRow) -> str:
    return entry_hash(
        id=row.id,
        event_key=row.event_key,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        detail=row.detail,
        prev_hash=row.prev_hash,
    )


async def lock_audit_chain(session: AsyncSession) -> None:
    """Hold the chain for the rest of the transaction (PostgreSQL; SQLite already is)."""
    if dialect_of(session) == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


async def append_audit(
    session: AsyncSession,
    *,
    event_key: str,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    at: datetime,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntryRow | None:
    """Append one entry in the caller's transaction; None when ``event_key`` is already in the log.

    ``detail`` should say what changed, not repeat personal data the request row already holds.
    """
    await lock_audit_chain(session)
    existing = await session.scalar(select(AuditEntryRow.id).where(AuditEntryRow.event_key == event_key))
    if existing is not None:
        return None
    head = await session.get(AuditHeadRow, _HEAD_ID)
    prev_id, prev_hash = (head.last_id, head.last_hash) if head else (0, GENESIS_HASH)
    row = AuditEntryRow(
        id=prev_id + 1,
        event_key=event_key,
        at=at,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=canonical_json(dict(detail or {})),
        prev_hash=prev_hash,
    )
    row.entry_hash = _hash_of(row)
    session.add(row)
    if head is None:
        session.add(AuditHeadRow(id=_HEAD_ID, last_id=row.id, last_hash=row.entry_hash))
    else:
        head.last_id, head.last_hash = row.id, row.entry_hash
    await session.flush()
    return row


async def verify_audit(db: Database) -> AuditVerification:
    """Walk the chain from the first entry: ids without gaps, each hash recomputed and linked."""
    count = 0
    expected_id = 1
    prev_hash = GENESIS_HASH
    async with db.transaction() as session:
        head = await session.get(AuditHeadRow, _HEAD_ID)
        rows = await session.stream_scalars(
            select(AuditEntryRow).order_by(AuditEntryRow.id).execution_options(yield_per=500)
        )
        async for row in rows:
            if row.id != expected_id:
                return _bad(count, expected_id, f"entry {expected_id} is missing (next entry is {row.id})")
            if row.prev_hash != prev_hash:
                return _bad(count, row.id, f"entry {row.id} does not link to the entry before it")
            if _hash_of(row) != row.entry_hash:
                return _bad(count, row.id, f"entry {row.id} was changed after it was written")
            count += 1
            expected_id += 1
            prev_hash = row.entry_hash
    if head is None and count:
        return _bad(count, None, "the chain head is missing")
    if head is not None and (head.last_id != count or head.last_hash != prev_hash):
        if head.last_id > count:
            return _bad(count, count + 1, f"entries {count + 1} to {head.last_id} were removed")
        return _bad(count, head.last_id, "the chain head does not match the newest entry")
    return AuditVerification(ok=True, entries=count)


def _bad(count: int, entry_id: int | None, problem: str) -> AuditVerification:
    return AuditVerification(ok=False, entries=count, first_bad_id=entry_id, problem=problem)
