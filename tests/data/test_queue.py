"""The reviewers' queue read from the registry's read model: more than a page of open cases, listed oldest
deadline first, each once across pages, with the counts per stage, on PostgreSQL and SQLite."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from models.activities import CaseEvent, RegisterRequestInput
from models.case import ReviewStage
from models.queue import MAX_PAGE, QUEUE_STAGES, REVIEWER_QUEUE, QueueEntry, QueueFilter, QueuePage, QueueSnapshot
from registry.database import Database
from registry.queue import BACKFILLED, InvalidCursor, backfill, query_queue
from registry.store import Registry
from registry.tables import CaseQueueRow
from runtime.config import Settings
from tests.data.conftest import NOW, make_request

OPEN = 230
"""Open cases: more than the 200 visibility used to list, and than four pages of the default 50."""
CLOSED = 12
STAGES = [
    ReviewStage.DETAILED_REVIEW,
    ReviewStage.LEGAL_ASSESSMENT,
    ReviewStage.AWAITING_DECISION,
    ReviewStage.AWAITING_CLARIFICATION,
    ReviewStage.INITIAL_SCREENING,
]


def _snapshot(version: int, ncb: str, deadline_days: int | None, **changes: object) -> QueueSnapshot:
    values: dict[str, object] = {
        "version": version,
        "kind": "red_notice",
        "requesting_ncb": ncb,
        "risk": "low",
        "next_deadline": NOW + timedelta(days=deadline_days) if deadline_days is not None else None,
        **changes,
    }
    return QueueSnapshot.model_validate(values)


async def _open_case(
    registry: Registry, request_id: str, ncb: str, stage: ReviewStage, snapshot: QueueSnapshot
) -> None:
    await registry.register_request(RegisterRequestInput(
        request_id=request_id, workflow_id=f"wf-{request_id}", registered_at=NOW,
        request=make_request(ncb=ncb, reference=request_id),
    ))
    await _event(registry, request_id, stage, snapshot, "stage:" + stage.value)


async def _event(
    registry: Registry, request_id: str, stage: ReviewStage, snapshot: QueueSnapshot | None, action: str,
    key: int | None = None,
) -> None:
    version = key if key is not None else (snapshot.version if snapshot else 1)
    await registry.record_case_event(CaseEvent(
        event_key=f"{request_id}/event/{version}", request_id=request_id, actor="system", action=action,
        stage=stage, at=NOW + timedelta(minutes=version), queue=snapshot,
    ))


def _order(entry: QueueEntry) -> tuple[bool, object, str]:
    return (entry.next_deadline is None, entry.next_deadline, entry.request_id)


async def _every_page(db: Database, wanted: QueueFilter) -> list[QueuePage]:
    pages = [await query_queue(db, wanted, now=NOW)]
    while pages[-1].next_cursor is not None:
        pages.append(await query_queue(db, wanted.model_copy(update={"cursor": pages[-1].next_cursor}), now=NOW))
        assert len(pages) < 50, "the cursor moves on"
    return pages


async def test_more_than_a_page_of_open_cases_is_listed_oldest_deadline_first_each_once(fresh_db: Database) -> None:
    registry = Registry(fresh_db, Settings())
    chance = random.Random(11)
    expected: dict[str, tuple[ReviewStage, int | None, str]] = {}
    for n in range(OPEN + CLOSED):
        request_id = f"R-{n:04d}"
        stage = STAGES[n % len(STAGES)]
        ncb = ("FR", "DE", "BR")[n % 3]
        # ties on the same day, and one case in ten with no deadline at all
        days = None if n % 10 == 7 else chance.randint(-20, 40)
        late = days is not None and days < 0
        await _open_case(registry, request_id, ncb, stage, _snapshot(2, ncb, days, overdue=late))
        if n >= OPEN:
            await _event(registry, request_id, ReviewStage.WITHDRAWN, _snapshot(3, ncb, None), "stage:withdrawn")
        else:
            expected[request_id] = (stage, days, ncb)

    pages = await _every_page(fresh_db, QueueFilter())
    listed = [entry for page in pages for entry in page.entries]
    waiting = {rid for rid, (stage, _, _) in expected.items() if stage.value in REVIEWER_QUEUE}
    assert len(listed) == len(waiting) == pages[0].total > 2 * 50, "more than two pages of the default size"
    assert len({e.request_id for e in listed}) == len(listed), "no case twice"
    assert {e.request_id for e in listed} == waiting, "no case missing, none closed, none awaiting the NCB"
    assert [len(page.entries) for page in pages[:-1]] == [50] * (len(pages) - 1)
    assert pages[-1].next_cursor is None
    assert listed == sorted(listed, key=_order), "oldest deadline first, no deadline last, then request id"
    oldest = min((days, rid) for rid, (stage, days, _) in expected.items() if rid in waiting and days is not None)
    assert listed[0].request_id == oldest[1] and listed[0].next_deadline == NOW + timedelta(days=oldest[0])
    assert listed[-1].next_deadline is None

    per_stage = {stage: sum(1 for s, _, _ in expected.values() if s.value == stage) for stage in QUEUE_STAGES}
    assert all(page.counts == per_stage for page in pages), "every open stage counted, closed cases not"
    assert per_stage["awaiting_clarification"] > 0 and per_stage["initial_screening"] > 0

    # every open stage, at the largest page, in one answer; and one stage with a filter
    everything = await query_queue(fresh_db, QueueFilter(stages=list(QUEUE_STAGES), limit=MAX_PAGE), now=NOW)
    assert len(everything.entries) == everything.total == OPEN and everything.next_cursor is None
    french = await _every_page(fresh_db, QueueFilter(stages=["legal_assessment"], requesting_ncb="fr", limit=7))
    got = [e.request_id for page in french for e in page.entries]
    assert got == sorted(
        (rid for rid, (s, _, ncb) in expected.items() if s is ReviewStage.LEGAL_ASSESSMENT and ncb == "FR"),
        key=lambda rid: (expected[rid][1] is None, expected[rid][1] or 0, rid),
    )
    assert french[0].total == len(got) and french[0].counts["legal_assessment"] == len(got)
    overdue = await query_queue(fresh_db, QueueFilter(overdue=True, limit=MAX_PAGE), now=NOW)
    assert overdue.entries and all(e.overdue and e.next_deadline and e.next_deadline < NOW for e in overdue.entries)


async def test_claims_filter_the_queue_and_a_lapsed_claim_counts_as_none(fresh_db: Database) -> None:
    registry = Registry(fresh_db, Settings())
    holds = {"assignee": "legal.ana", "claimed_until": NOW + timedelta(hours=4)}
    lapsed = {"assignee": "legal.ana", "claimed_until": NOW - timedelta(minutes=1)}
    for request_id, claim in (("R-held", holds), ("R-lapsed", lapsed), ("R-free", {}), ("R-ben", {"assignee": "ben"})):
        await _open_case(registry, request_id, "FR", ReviewStage.DETAILED_REVIEW, _snapshot(2, "FR", 5, **claim))

    async def ids(**wanted: object) -> list[str]:
        page = await query_queue(fresh_db, QueueFilter.model_validate(wanted), now=NOW)
        return sorted(e.request_id for e in page.entries)

    assert await ids(assignee="legal.ana") == ["R-held"]
    assert await ids(assignee="ben") == ["R-ben"], "a claim without an end holds"
    assert await ids(unassigned=True) == ["R-free", "R-lapsed"]
    assert await ids(unassigned=False) == ["R-ben", "R-held"]


async def test_a_stale_or_repeated_write_never_moves_the_row_back_and_a_closed_case_leaves(fresh_db: Database) -> None:
    registry = Registry(fresh_db, Settings())
    await _open_case(registry, "R-1", "FR", ReviewStage.DETAILED_REVIEW, _snapshot(4, "FR", 10, doubts=2))
    await _event(registry, "R-1", ReviewStage.LEGAL_ASSESSMENT, _snapshot(9, "FR", 20), "stage:legal_assessment")
    # a late write of an earlier moment of the case, under a key of its own
    await _event(registry, "R-1", ReviewStage.DETAILED_REVIEW, _snapshot(6, "FR", 3, doubts=5), "late", key=6)
    # an event scheduled before the read model existed: no snapshot, its version from the key
    await _event(registry, "R-1", ReviewStage.LEGAL_ASSESSMENT, None, "old", key=7)
    (entry,) = (await query_queue(fresh_db, QueueFilter(), now=NOW)).entries
    assert (entry.stage, entry.next_deadline, entry.doubts) == ("legal_assessment", NOW + timedelta(days=20), 0)
    assert entry.last_action == "stage:legal_assessment"

    await _event(registry, "R-1", ReviewStage.AWAITING_DECISION, None, "assessed", key=12)
    (entry,) = (await query_queue(fresh_db, QueueFilter(), now=NOW)).entries
    assert (entry.stage, entry.last_action) == ("awaiting_decision", "assessed"), "what an old event says, when newer"

    await _event(registry, "R-1", ReviewStage.PUBLISHED, _snapshot(15, "FR", None), "stage:published")
    page = await query_queue(fresh_db, QueueFilter(stages=list(QUEUE_STAGES)), now=NOW)
    assert page.entries == [] and page.total == 0 and set(page.counts.values()) == {0}


async def test_the_backfill_writes_a_row_for_each_open_case_without_one_and_events_override_it(
    fresh_db: Database,
) -> None:
    registry = Registry(fresh_db, Settings())
    await _open_case(registry, "R-has-row", "FR", ReviewStage.DETAILED_REVIEW, _snapshot(3, "FR", 2))
    for request_id in ("R-before", "R-closed"):
        await registry.register_request(RegisterRequestInput(
            request_id=request_id, workflow_id=f"wf-{request_id}", registered_at=NOW,
            request=make_request(reference=request_id),
        ))
    await _event(registry, "R-closed", ReviewStage.DENIED, _snapshot(5, "FR", None), "stage:denied")
    seen = [
        QueueEntry(request_id=rid, kind="red_notice", requesting_ncb="FR", stage="legal_assessment", risk="medium",
                   next_deadline=NOW + timedelta(days=1), blocking=1, doubts=2)
        for rid in ("R-has-row", "R-before", "R-closed", "R-unknown")
    ]
    done = await backfill(fresh_db, seen)
    assert (done.open_cases, done.written, done.kept) == (4, 1, 3)
    entries = {e.request_id: e for e in (await query_queue(fresh_db, QueueFilter(), now=NOW)).entries}
    assert set(entries) == {"R-has-row", "R-before"}
    assert entries["R-has-row"].stage == "detailed_review", "a row the case wrote is kept"
    assert (entries["R-before"].last_action, entries["R-before"].doubts, entries["R-before"].risk) == (
        BACKFILLED, 2, "medium")
    assert (await backfill(fresh_db, seen)).written == 0, "running it again changes nothing"

    await _event(registry, "R-before", ReviewStage.AWAITING_DECISION, _snapshot(1, "FR", 9), "stage:awaiting_decision")
    async with fresh_db.reading() as session:
        row = await session.get(CaseQueueRow, "R-before")
    assert row is not None and (row.stage, row.version) == ("awaiting_decision", 1)


async def test_a_cursor_the_queue_did_not_give_is_refused(db: Database) -> None:
    for cursor in ("not-a-cursor", "W10", "WyJ5ZXN0ZXJkYXkiLCJSLTEiXQ"):  # garbage, [], ["yesterday","R-1"]
        with pytest.raises(InvalidCursor):
            await query_queue(db, QueueFilter(cursor=cursor))
