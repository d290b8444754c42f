"""Records the histories that tests/replay replays: canonical cases run end to end on the
time-skipping server with the real worker. Run after a deliberate, versioned workflow change:

    .venv/bin/python -m tests.replay.record
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.database import Database, migrate
from activities.references import ReferenceStore
from admin.client import ReviewerClient
from models.case import CaseState, DecisionOutcome, ReviewStage, Verdict
from models.reference import ReferenceKind
from models.request import parse_request
from models.search_attributes import ALL
from runtime.client import data_converter
from runtime.config import PROJECT_ROOT, Settings
from starter.client import NcbClient, notice_workflow_id, workflow_id_for
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


async def record() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(Path(sys.executable).parent / "temporal-test-server"),
        data_converter=data_converter(),
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace, search_attributes={k.name: k.indexed_value_type for k in ALL}
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
        config = Settings(task_queue=queue, smtp_port=1)  # mail delivery retries in its own workflows
        async with build_worker(env.client, db, config, queue):
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
            assert state.notice_id
            await dana.block(state.notice_id, "temporary check")
            await NcbClient(env.client, "DE", queue).acknowledge(state.notice_id)
            await dana.unblock(state.notice_id, "resolved")

            await _save(env.client, "NoticeRequestWorkflow", workflow_id_for(published), "approved")
            await _save(env.client, "NoticeRequestWorkflow", workflow_id_for(denied), "deadline_missed_denied")
            await _save(env.client, "PublishedNoticeWorkflow", notice_workflow_id(state.notice_id), "blocked_unblocked")
        await db.dispose()
    await env.shutdown()


def main() -> None:
    asyncio.run(record())
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
