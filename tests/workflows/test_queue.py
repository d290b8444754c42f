"""`ndtf queue` on the dev server (real visibility): every open case, from one paged list call, with
the counts and flags the case itself shows."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from admin.client import QueueEntry, ReviewerClient
from models.case import REVIEWER_STAGES, ReviewStage
from models.findings import Severity
from registry.database import Database
from runtime.config import Settings
from starter.client import NcbClient
from tests.workflows.conftest import Mailbox, example
from worker import build_worker

FRAUD, DEFAMATION, INCOMPLETE = "red-notice-fraud.json", "red-notice-defamation.json", "red-notice-incomplete.json"


@pytest.fixture
async def queue_service(
    dev_env: WorkflowEnvironment, registry_db: Database, mailbox: Mailbox
) -> AsyncIterator[tuple[Callable[[str], NcbClient], ReviewerClient]]:
    task_queue = f"queue-{uuid.uuid4().hex[:10]}"
    config = Settings(task_queue=task_queue, database_url="unused", smtp_host="127.0.0.1", smtp_port=mailbox.port)
    async with build_worker(dev_env.client, registry_db, config, task_queue):
        yield (lambda ncb: NcbClient(dev_env.client, ncb, task_queue)), ReviewerClient(dev_env.client, "x", task_queue)


async def _eventually(read: Callable[[], Any], done: Callable[[Any], bool], what: str) -> Any:
    for _ in range(150):
        value = await read()
        if done(value):
            return value
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what}: last seen {value!r}")


async def test_the_queue_lists_every_open_case_past_a_page_with_the_counts_the_case_shows(
    queue_service: tuple[Callable[[str], NcbClient], ReviewerClient],
) -> None:
    ncb, reviewer = queue_service
    submitted = [
        (await ncb(code).submit(example(name).model_copy(update={"requesting_ncb": code}))).request_id
        for name, code in [(FRAUD, "FR"), (FRAUD, "FR"), (DEFAMATION, "RU"), (DEFAMATION, "RU"), (INCOMPLETE, "BR")]
    ]
    reviewing = set(submitted[:4])

    async def listed() -> list[QueueEntry]:
        return await reviewer.queue(page_size=2)

    entries = await _eventually(listed, lambda es: {e.request_id for e in es} == reviewing, "four cases queued")
    assert len(entries) == 4, "each case once, across pages of two"
    for entry in entries:
        case = await reviewer.show(entry.request_id)
        assert (entry.stage, entry.risk) == (case.stage.value, case.risk.value)
        assert (entry.blocking, entry.doubts) == (case.count(Severity.BLOCKING), case.count(Severity.DOUBT))
        assert (entry.overdue, entry.escalated) == (case.overdue, case.escalated)
        assert entry.next_deadline == case.next_deadline()
    assert {e.stage for e in entries} <= {s.value for s in REVIEWER_STAGES}
    assert all(e.doubts > 0 for e in entries if e.request_id in submitted[2:4]), "defamation raises doubts"
    deadlines = [e.next_deadline for e in entries]
    assert deadlines == sorted(deadlines, key=lambda d: (d is None, d)), "oldest deadline first"

    async def listed_with_ncb() -> list[QueueEntry]:
        return await reviewer.queue(include_awaiting_ncb=True, page_size=2)

    # Visibility is eventually consistent: the incomplete case appears once its screening asked the NCB.
    with_ncb = await _eventually(
        listed_with_ncb, lambda es: {e.request_id for e in es} == set(submitted), "the case awaiting the NCB"
    )
    (awaiting,) = [e for e in with_ncb if e.request_id == submitted[4]]
    assert awaiting.stage == ReviewStage.AWAITING_CLARIFICATION.value
