"""Records the histories that tests/replay replays: canonical cases run end to end on the
time-skipping server with the real worker. Run after a deliberate, versioned workflow change:

    .venv/bin/python -m tests.replay.record
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from admin.client import ReviewerClient
from devstack.smtp_sink import SmtpSink
from models.case import CaseState, DecisionOutcome, ReviewStage, Verdict
from models.ids import notice_workflow_id, workflow_id_for
from models.notice import NoticeStatus, PublishedNoticeState
from models.reference import ReferenceKind
from models.request import parse_request
from models.search_attributes import registration
from registry.database import Database, migrate
from registry.references import ReferenceStore
from runtime.client import data_converter
from runtime.config import PROJECT_ROOT, Settings
from starter.client import NcbClient
from worker import build_worker

OUT = Path(__file__).parent / "histories"


async def _until(reviewer: ReviewerClient, request_id: str, stage: ReviewStage) -> CaseState:
    for _ in range(300):
        state = await reviewer.show(request_id)
        if state.stage is stage:
            return state
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{request_id} never reached {stage}")


async def _save(client: Client, workflow_type: str, workflow_id: str, name: str) -> None:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    path = OUT / f"{workflow_type}__{name}.json"
    path.write_text(json.dumps(json.loads(history.to_json()), indent=1))
    print(f"recorded {path.name}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _run_cases(env: WorkflowEnvironment, queue: str) -> None:
    examples = PROJECT_ROOT / "examples"
    fr = NcbClient(env.client, "FR", queue)
    br = NcbClient(env.client, "BR", queue)
    ana, dana, ben = (ReviewerClient(env.client, r, queue) for r in ("legal.ana", "sup.dana", "police.ben"))

    incomplete = parse_request(json.loads((examples / "red-notice-incomplete.json").read_text()))
    denied = (await br.submit(incomplete)).request_id
    await _until(ana, denied, ReviewStage.AWAITING_CLARIFICATION)
    await env.sleep(timedelta(days=31))
    await _until(ana, denied, ReviewStage.DETAILED_REVIEW)
    await ben.conclude_review(denied, "no answer")
    await ana.assess(denied, Verdict.NON_COMPLIANT, "mandatory data missing")
    await dana.decide(denied, DecisionOutcome.DENY, "Mandatory data missing")
    await _until(ana, denied, ReviewStage.DENIED)

    fraud = parse_request(json.loads((examples / "red-notice-fraud.json").read_text()))
    published = (await fr.submit(fraud)).request_id
    await _until(ana, published, ReviewStage.LEGAL_ASSESSMENT)
    await ana.assess(published, Verdict.COMPLIANT, "compliant")
    await dana.decide(published, DecisionOutcome.APPROVE, "compliant")
    state = await _until(ana, published, ReviewStage.PUBLISHED)
    notice_id = state.notice_id
    assert notice_id
    # a block with its acknowledgements, the reminder after a week, the escalation at the deadline,
    # then a temporary block that lifts itself, and the renewal near the end of the validity
    await dana.block(notice_id, "temporary check")
    await NcbClient(env.client, "DE", queue).acknowledge(notice_id)
    await env.sleep(timedelta(days=8))
    await _notice_until(dana, notice_id, lambda n: n.instructions[0].reminded)
    await env.sleep(timedelta(days=7))
    await _notice_until(dana, notice_id, lambda n: n.instructions[0].escalated)
    await dana.unblock(notice_id, "resolved")
    now = await env.get_current_time()
    await dana.block(notice_id, "verification", until=now + timedelta(days=3))
    await env.sleep(timedelta(days=4))
    await _notice_until(dana, notice_id, lambda n: n.status is NoticeStatus.PUBLISHED)
    await env.sleep(timedelta(days=5 * 365 - 100))
    await _notice_until(dana, notice_id, lambda n: n.renewal_reminded)
    await fr.renew(notice_id, "still sought")

    await _save(env.client, "NoticeRequestWorkflow", workflow_id_for(published), "approved")
    await _save(env.client, "NoticeRequestWorkflow", workflow_id_for(denied), "deadline_missed_denied")
    await _save(env.client, "PublishedNoticeWorkflow", notice_workflow_id(notice_id), "lifetime")


async def _notice_until(
    reviewer: ReviewerClient, notice_id: str, done: Callable[[PublishedNoticeState], bool]
) -> PublishedNoticeState:
    for _ in range(600):
        state = await reviewer.notice(notice_id)
        if done(state):
            return state
        await asyncio.sleep(0.1)
    raise RuntimeError(f"notice {notice_id} never reached the expected state")


async def record() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(Path(sys.executable).parent / "temporal-test-server"),
        data_converter=data_converter(),
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace, search_attributes=registration()
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/registry.db"
        await migrate(url)
        db = Database.from_url(url)
        store = ReferenceStore(db)
        for kind in ReferenceKind:
            await store.load_csv(kind, PROJECT_ROOT / "data" / "reference" / f"{kind.value}.csv")
        queue = f"record-{uuid.uuid4().hex[:8]}"
        sink = SmtpSink(Path(tmp) / "mail", port=_free_port())
        config = Settings(task_queue=queue, smtp_port=sink.port)
        with sink:
            async with build_worker(env.client, db, config, queue):
                await _run_cases(env, queue)
        await db.dispose()
    await env.shutdown()


def main() -> None:
    asyncio.run(record())
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
