"""The reviewers' queue as a read model: one ``case_queue`` row per open case, written in the same
transaction as the case's event, read by one indexed query per page.

Consistency: a row is as current as the case's last recorded event (the workflow records one for every
change the queue shows: a stage, screening's counts, a deadline opened or missed, an escalation, a
claim). Each write carries the case's event counter (``QueueSnapshot.version``) and applies only over a
lower one, so a retried or late write never moves a row backwards; the row goes when the case reaches a
final stage. Temporal's SQL visibility cannot sort by a custom attribute; this table can, and its
indexes (``registry.tables.CaseQueueRow``) serve the sort with each common filter.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, and_, delete, func, or_, select, tuple_, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import CaseEvent
from models.case import FINAL_STAGES, ReviewStage
from models.queue import QUEUE_STAGES, QueueBackfilled, QueueEntry, QueueFilter, QueuePage
from registry.database import Database, dialect_of, in_chunks, insert_ignore
from registry.tables import NO_DEADLINE, NOT_PENDING_STAGES, CaseQueueRow, RequestRow

FINAL = frozenset(stage.value for stage in FINAL_STAGES)
BACKFILLED = "backfilled"
"""``last_action`` of a row written by the backfill rather than by an event of the case."""


class InvalidCursor(ValueError):
    """A cursor this queue did not give out (or one altered on the way)."""


def encode_cursor(sort_deadline: datetime, request_id: str) -> str:
    raw = json.dumps([sort_deadline.astimezone(UTC).isoformat(), request_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        deadline, request_id = json.loads(raw)
        at = datetime.fromisoformat(deadline)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as error:
        raise InvalidCursor("not a cursor of this queue: pass the next_cursor of the page before") from error
    if not isinstance(request_id, str) or at.tzinfo is None:
        raise InvalidCursor("not a cursor of this queue: pass the next_cursor of the page before")
    return at, request_id


def event_version(event_key: str) -> int | None:
    """The case's counter in an event key (``R-FR-…/event/12`` -> 12), for events without a snapshot."""
    tail = event_key.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


async def apply_event(session: AsyncSession, event: CaseEvent) -> None:
    """Bring the case's row to what the event says, inside the event's own transaction."""
    if event.stage.value in FINAL:
        await session.execute(delete(CaseQueueRow).where(CaseQueueRow.request_id == event.request_id))
        return
    snapshot = event.queue
    if snapshot is None:
        # scheduled before the read model existed: what the event itself says, over an older row only
        version = event_version(event.event_key)
        if version is None:
            return
        changes: dict[str, Any] = {
            "stage": event.stage.value, "last_action": event.action[:80], "updated_at": event.at, "version": version
        }
        if event.risk is not None:
            changes["risk"] = event.risk.value
        await session.execute(
            update(CaseQueueRow)
            .where(CaseQueueRow.request_id == event.request_id, CaseQueueRow.version < version)
            .values(**changes)
        )
        return
    values = {
        "request_id": event.request_id,
        "stage": event.stage.value,
        "kind": snapshot.kind,
        "requesting_ncb": snapshot.requesting_ncb,
        "risk": snapshot.risk,
        "next_deadline": snapshot.next_deadline,
        "sort_deadline": snapshot.next_deadline or NO_DEADLINE,
        "overdue": snapshot.overdue,
        "escalated": snapshot.escalated,
        "blocking": snapshot.blocking,
        "doubts": snapshot.doubts,
        "assignee": snapshot.assignee,
        "claimed_until": snapshot.claimed_until,
        "last_action": event.action[:80],
        "updated_at": event.at,
        "version": snapshot.version,
    }
    dialect_insert = postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert
    statement = dialect_insert(CaseQueueRow).values(**values)
    newer = {column: statement.excluded[column] for column in values if column != "request_id"}
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[CaseQueueRow.request_id],
            set_=newer,
            where=CaseQueueRow.version < statement.excluded.version,
        )
    )


def _claim_holds(now: datetime) -> ColumnElement[bool]:
    return and_(
        CaseQueueRow.assignee.is_not(None),
        or_(CaseQueueRow.claimed_until.is_(None), CaseQueueRow.claimed_until > now),
    )


def _conditions(wanted: QueueFilter, now: datetime) -> list[ColumnElement[bool]]:
    """Every filter but the stage (the counts per stage are taken under these)."""
    conditions: list[ColumnElement[bool]] = []
    if wanted.kind is not None:
        conditions.append(CaseQueueRow.kind == wanted.kind)
    if wanted.requesting_ncb:
        conditions.append(CaseQueueRow.requesting_ncb == wanted.requesting_ncb.upper())
    if wanted.risk is not None:
        conditions.append(CaseQueueRow.risk == wanted.risk)
    if wanted.overdue is not None:
        conditions.append(CaseQueueRow.overdue.is_(wanted.overdue))
    if wanted.escalated is not None:
        conditions.append(CaseQueueRow.escalated.is_(wanted.escalated))
    if wanted.assignee:
        conditions.append(and_(CaseQueueRow.assignee == wanted.assignee, _claim_holds(now)))
    if wanted.unassigned is not None:
        held = _claim_holds(now)
        conditions.append(~held if wanted.unassigned else held)
    return conditions


def _entry(row: RowMapping) -> QueueEntry:
    return QueueEntry.model_validate({field: row[field] for field in QueueEntry.model_fields})


async def query_queue(db: Database, wanted: QueueFilter, now: datetime | None = None) -> QueuePage:
    """A page of the queue, oldest deadline first (none last, then request id), with the total the
    filter selects and the open cases per stage under the same filters: two queries, the page's walking
    an index from the cursor, the counts' reading the (stage, …) index."""
    now = now or datetime.now(UTC)
    after = decode_cursor(wanted.cursor) if wanted.cursor else None
    conditions = _conditions(wanted, now)
    stages = wanted.listed_stages()
    keyset: list[ColumnElement[bool]] = []
    if after is not None:
        keyset.append(tuple_(CaseQueueRow.sort_deadline, CaseQueueRow.request_id) > tuple_(*after))
    # one arm per stage, each walking its (stage, sort_deadline, request_id) index from the cursor and
    # stopping at a page: a page costs the same at 100 or 100,000 open cases, on either backend
    arms = [
        select(CaseQueueRow.__table__)
        .where(CaseQueueRow.stage == stage, *conditions, *keyset)
        .order_by(CaseQueueRow.sort_deadline, CaseQueueRow.request_id)
        .limit(wanted.limit + 1)
        .subquery()
        for stage in stages
    ]
    merged = union_all(*(select(arm) for arm in arms)).subquery()
    page = select(merged).order_by(merged.c.sort_deadline, merged.c.request_id).limit(wanted.limit + 1)
    per_stage = select(CaseQueueRow.stage, func.count()).where(*conditions).group_by(CaseQueueRow.stage)
    async with db.reading() as session:
        counted = {stage: int(n) for stage, n in await session.execute(per_stage)}
        rows = list((await session.execute(page)).mappings())
    more = len(rows) > wanted.limit
    rows = rows[: wanted.limit]
    counts = {stage: counted.get(stage, 0) for stage in QUEUE_STAGES}
    return QueuePage(
        entries=[_entry(row) for row in rows],
        next_cursor=encode_cursor(rows[-1]["sort_deadline"], rows[-1]["request_id"]) if more and rows else None,
        total=sum(counts.get(stage, 0) for stage in stages),
        counts=counts,
        limit=wanted.limit,
    )


async def backfill(db: Database, open_cases: Iterable[QueueEntry]) -> QueueBackfilled:
    """Rows for open cases that have none (cases running before the read model, whose next event has
    not come yet), from what Temporal's visibility holds of them. Written at version 0, only where no
    row is, and only for a request the registry still holds as pending (its row is locked first, as
    the case's own events lock it), so the case's next event overrides it and a case closed meanwhile
    is not brought back."""
    cases = {entry.request_id: entry for entry in open_cases}
    written = 0
    for chunk in in_chunks(sorted(cases)):
        async with db.transaction() as session:
            requests = await session.execute(
                select(RequestRow.request_id, RequestRow.stage, RequestRow.updated_at)
                .where(RequestRow.request_id.in_(chunk))
                .with_for_update()
            )
            for request_id, stage, updated_at in requests:
                entry = cases[request_id]
                if stage in NOT_PENDING_STAGES or entry.stage in FINAL:
                    continue
                written += await insert_ignore(session, CaseQueueRow, _backfill_values(entry, updated_at))
    return QueueBackfilled(open_cases=len(cases), written=written, kept=len(cases) - written)


def _backfill_values(entry: QueueEntry, updated_at: datetime) -> dict[str, Any]:
    return {
        "request_id": entry.request_id,
        "stage": entry.stage or ReviewStage.REGISTERED.value,
        "kind": entry.kind,
        "requesting_ncb": entry.requesting_ncb,
        "risk": entry.risk or "low",
        "next_deadline": entry.next_deadline,
        "sort_deadline": entry.next_deadline or NO_DEADLINE,
        "overdue": entry.overdue,
        "escalated": entry.escalated,
        "blocking": entry.blocking,
        "doubts": entry.doubts,
        "assignee": None,
        "claimed_until": None,
        "last_action": BACKFILLED,
        "updated_at": entry.updated_at or updated_at,
        "version": 0,
    }


async def queued_ids(db: Database, request_ids: Sequence[str]) -> set[str]:
    """Which of these cases have a row (tests and the backfill's report)."""
    found: set[str] = set()
    async with db.reading() as session:
        for chunk in in_chunks(list(request_ids)):
            held = select(CaseQueueRow.request_id).where(CaseQueueRow.request_id.in_(chunk))
            found.update(await session.scalars(held))
    return found
