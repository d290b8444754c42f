"""The reviewers' queue as the workflows keep it: each case's row in the registry's read model follows the
case through its stages with the counts, flags and deadline the case itself shows, and leaves when the
case closes; the backfill gives running cases their row from Temporal's visibility."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import delete
from temporalio.testing import WorkflowEnvironment

from admin.client import ReviewerClient
from models.case import REVIEWER_STAGES, CaseState, DecisionOutcome, ReviewStage, Verdict
from models.findings import Severity
from models.queue import QUEUE_STAGES, QueueEntry, QueueFilter
from registry.database import Database
from registry.queue import BACKFILLED, backfill, query_queue
from registry.tables import CaseQueueRow
from runtime.config import Settings
from starter.client import NcbClient
from tests.workflows.conftest import Mailbox, Service, example
from worker import build_worker

FRAUD, DEFAMATION, INCOMPLETE = "red-notice-fraud.json", "red-notice-defamation.json", "red-notice-incomplete.json"


async def _eventually(read: Callable[[], Awaitable[Any]], done: Callable[[Any], bool], what: str) -> Any:
    value = None
    for _ in range(300):
        value = await read()
        if done(value):
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what}: last seen {value!r}")


async def _row(db: Database, request_id: str) -> QueueEntry | None:
    page = await query_queue(db, QueueFilter(stages=list(QUEUE_STAGES), limit=500))
    return next((entry for entry in page.entries if entry.request_id == request_id), None)


def _shows(entry: QueueEntry | None, case: CaseState) -> bool:
    """The row says what the case says."""
    return entry is not None and (
        (entry.stage, entry.risk, entry.kind, entry.requesting_ncb)
        == (case.stage.value, case.risk.value, case.request.kind.value, case.request.requesting_ncb)
        and (entry.blocking, entry.doubts) == (case.count(Severity.BLOCKING), case.count(Severity.DOUBT))
        and (entry.overdue, entry.escalated) == (case.overdue, case.escalated)
        and entry.next_deadline == case.next_deadline()
        and (entry.assignee, entry.claimed_until) == (case.assignee, case.claimed_until)
    )


async def _follows(service: Service, request_id: str, stage: ReviewStage) -> QueueEntry:
    """Wait until the case is in ``stage`` and its row says what the case says."""
    reviewer = service.reviewer("legal.ana")

    async def both() -> tuple[QueueEntry | None, CaseState]:
        return await _row(service.db, request_id), await reviewer.show(request_id)

    entry, _ = await _eventually(
        both, lambda pair: pair[1].stage is stage and _shows(*pair), f"the row of the case in {stage.value}"
    )
    assert isinstance(entry, QueueEntry)
    return entry


async def test_the_row_follows_the_case_through_its_stages_and_leaves_when_it_is_published(service: Service) -> None:
    request = example(FRAUD)
    request_id = (await service.ncb(request.requesting_ncb).submit(request)).request_id
    assessing = await _follows(service, request_id, ReviewStage.LEGAL_ASSESSMENT)
    assert assessing.last_action == "stage:legal_assessment" and assessing.next_deadline is not None

    await service.reviewer("legal.ana").request_info(request_id, "Is the warrant still valid?", due_days=10)
    asked = await _follows(service, request_id, ReviewStage.AWAITING_CLARIFICATION)
    case = await service.reviewer("legal.ana").show(request_id)
    assert asked.next_deadline == case.info_requests[-1].due_at, "the question's deadline is the case's next"
    waiting = await query_queue(service.db, QueueFilter())
    assert request_id not in {e.request_id for e in waiting.entries}, "awaiting the NCB: not in the default queue"
    assert waiting.counts["awaiting_clarification"] >= 1

    await service.ncb(request.requesting_ncb).reply(request_id, "It is; a copy is attached.")
    await _follows(service, request_id, ReviewStage.DETAILED_REVIEW)
    await service.reviewer("legal.ana").conclude_review(request_id, "Nothing against Articles 2 and 3.")
    await _follows(service, request_id, ReviewStage.LEGAL_ASSESSMENT)
    await service.reviewer("legal.ana").assess(request_id, Verdict.COMPLIANT, "RPD and Arts. 2(1), 3 complied with")
    deciding = await _follows(service, request_id, ReviewStage.AWAITING_DECISION)
    assert deciding.updated_at is not None and assessing.updated_at is not None
    assert deciding.updated_at >= assessing.updated_at
    await service.reviewer("sup.dana").decide(request_id, DecisionOutcome.APPROVE, "compliant")
    await _eventually(lambda: _row(service.db, request_id), lambda entry: entry is None, "the row gone once published")


@pytest.fixture
async def queue_service(
    dev_env: WorkflowEnvironment, registry_db: Database, mailbox: Mailbox
) -> AsyncIterator[tuple[Callable[[str], NcbClient], ReviewerClient]]:
    task_queue = f"queue-{uuid.uuid4().hex[:10]}"
    config = Settings(task_queue=task_queue, database_url="unused", smtp_host="127.0.0.1", smtp_port=mailbox.port)
    async with build_worker(dev_env.client, registry_db, config, task_queue):
        yield (lambda ncb: NcbClient(dev_env.client, ncb, task_queue)), ReviewerClient(dev_env.client, "x", task_queue)


async def test_the_queue_lists_each_open_case_once_with_what_the_case_shows_and_the_backfill_restores_it(
    queue_service: tuple[Callable[[str], NcbClient], ReviewerClient], registry_db: Database,
) -> None:
    ncb, reviewer = queue_service
    submitted = [
        (await ncb(code).submit(example(name).model_copy(update={"requesting_ncb": code}))).request_id
        for name, code in [(FRAUD, "FR"), (FRAUD, "FR"), (DEFAMATION, "RU"), (DEFAMATION, "RU"), (INCOMPLETE, "BR")]
    ]
    reviewing = set(submitted[:4])

    async def listed() -> list[QueueEntry]:
        pages = [await query_queue(registry_db, QueueFilter(limit=2))]
        while pages[-1].next_cursor:
            pages.append(await query_queue(registry_db, QueueFilter(limit=2, cursor=pages[-1].next_cursor)))
        return [entry for page in pages for entry in page.entries]

    entries = await _eventually(listed, lambda es: {e.request_id for e in es} == reviewing, "four cases queued")
    assert len(entries) == 4, "each case once, across pages of two"
    for entry in entries:
        assert _shows(entry, await reviewer.show(entry.request_id)), entry
    assert {e.stage for e in entries} <= {s.value for s in REVIEWER_STAGES}
    assert all(e.doubts > 0 for e in entries if e.request_id in submitted[2:4]), "defamation raises doubts"
    deadlines = [e.next_deadline for e in entries]
    assert deadlines == sorted(deadlines, key=lambda d: (d is None, d)), "oldest deadline first"
    await _eventually(lambda: _row(registry_db, submitted[4]), lambda e: e is not None and e.stage == (
        ReviewStage.AWAITING_CLARIFICATION.value), "the case awaiting the NCB, in its own stage")

    # cases running from before the read model: their rows are not there until the backfill
    async with registry_db.transaction() as session:
        await session.execute(delete(CaseQueueRow).where(CaseQueueRow.request_id.in_(submitted)))

    async def open_cases() -> list[QueueEntry]:
        return [e for e in await reviewer.open_cases(page_size=2) if e.request_id in submitted]

    seen = await _eventually(open_cases, lambda es: len(es) == len(submitted), "visibility lists the open cases")
    done = await backfill(registry_db, seen)
    assert done.written == len(submitted)
    restored = {e.request_id: e for e in await listed()}
    assert set(restored) == reviewing and all(e.last_action == BACKFILLED for e in restored.values())
    for request_id, entry in restored.items():
        case = await reviewer.show(request_id)
        assert (entry.stage, entry.next_deadline, entry.doubts) == (case.stage.value, case.next_deadline(),
                                                                     case.count(Severity.DOUBT))
