"""The skeleton's worker and its minimal HTTP API, each its own process, as the real ones are.

    python -m benchmarks.skeleton_service worker   # SkeletonWorkflow, its delivery and notice twins and the
                                                   # empty activity on SKELETON_TASK_QUEUE
    python -m benchmarks.skeleton_service api      # SKELETON_API_PORT; scripts in SKELETON_SCRIPTS (JSON)

Both connect with ``runtime.client.connect``: the same data converter (pydantic, payloads encrypted with
``PAYLOAD_KEY``) and interceptors as the worker and the API. The API answers the routes the benchmark's
client calls on the real API (same paths, same bodies), each with the one Temporal call the real route
makes at least (start, update, query, list): the floor of an HTTP front on Temporal, with no credential
check, no registry read and no business logic. The request's path (which script) comes in the
``X-Bench-Path`` header.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Header
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from benchmarks.skeleton import (
    SKELETON_WORKFLOW,
    DeliveryTwinWorkflow,
    NoticeTwinWorkflow,
    Segment,
    SkeletonActivities,
    SkeletonInput,
    SkeletonWorkflow,
)
from models.case import (
    REVIEWER_STAGES,
    ActionAccepted,
    AssessmentSubmitted,
    CaseViewer,
    ClarificationReply,
    DecisionSubmitted,
    InfoRequested,
    ReviewConcluded,
)
from models.ids import request_id_for
from models.request import NoticeRequest
from runtime import search_attributes as sa
from runtime.client import connect
from runtime.config import settings

log = logging.getLogger("bench.skeleton")


def task_queue() -> str:
    return os.environ.get("SKELETON_TASK_QUEUE", "bench-skeleton")


def workflow_id(request_id: str) -> str:
    return f"bench-skeleton-{request_id}"


async def serve_worker() -> None:
    client = await connect(settings())
    activities = SkeletonActivities(client)
    worker = Worker(client, task_queue=task_queue(),
                    workflows=[SkeletonWorkflow, DeliveryTwinWorkflow, NoticeTwinWorkflow],
                    activities=[activities.empty_activity])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        await stop.wait()


def load_scripts(path: Path) -> dict[str, list[Segment]]:
    raw: dict[str, list[dict[str, Any]]] = json.loads(path.read_text(encoding="utf-8"))
    return {key: [Segment.model_validate(s) for s in segments] for key, segments in raw.items()}


def create_app(client: Client, scripts_file: Path) -> FastAPI:
    """The scripts are read when a request names one not read yet: the benchmark writes them after the
    real run, while this process is already up."""
    app = FastAPI(title="bench skeleton")
    queue = task_queue()
    scripts: dict[str, list[Segment]] = {}

    def handle(request_id: str) -> WorkflowHandle[Any, Any]:
        return client.get_workflow_handle(workflow_id(request_id))

    async def update(request_id: str, name: str, message: Any) -> ActionAccepted:
        answer: ActionAccepted = await handle(request_id).execute_update(name, message, result_type=ActionAccepted)
        return answer

    @app.post("/v1/requests", status_code=201)
    async def submit(request: NoticeRequest, x_bench_path: Annotated[str, Header()] = "") -> dict[str, str]:
        request_id = request_id_for(request.requesting_ncb, request.ncb_reference)
        if x_bench_path not in scripts:
            scripts.update(await asyncio.to_thread(load_scripts, scripts_file))
        await client.start_workflow(
            SKELETON_WORKFLOW,
            SkeletonInput(request_id=request_id, request=request, segments=scripts[x_bench_path]),
            id=workflow_id(request_id),
            task_queue=queue,
        )
        return {"request_id": request_id, "workflow_id": workflow_id(request_id), "stage": "registered"}

    @app.get("/v1/cases")
    async def cases() -> list[dict[str, Any]]:
        stages = ", ".join(f"'{s.value}'" for s in sorted(REVIEWER_STAGES))
        query = (f"WorkflowType = '{SKELETON_WORKFLOW}' AND ExecutionStatus = 'Running' "
                 f"AND TaskQueue = '{queue}' AND ReviewStage IN ({stages})")
        entries = []
        async for execution in client.list_workflows(query, page_size=1000):
            attrs = execution.typed_search_attributes
            deadline = attrs.get(sa.NEXT_DEADLINE)
            entries.append({"request_id": execution.id.removeprefix("bench-skeleton-"),
                            "stage": attrs.get(sa.REVIEW_STAGE) or "",
                            "next_deadline": deadline.isoformat() if deadline else None})
        return sorted(entries, key=lambda e: (e["next_deadline"] or "9999", e["request_id"]))

    @app.get("/v1/cases/{request_id}")
    async def show(request_id: str) -> ActionAccepted:
        answer: ActionAccepted = await handle(request_id).query("case", CaseViewer(), result_type=ActionAccepted)
        return answer

    @app.post("/v1/cases/{request_id}/info-requests")
    async def request_info(request_id: str, body: dict[str, Any]) -> ActionAccepted:
        return await update(request_id, "request_info", InfoRequested(reviewer_id="bench", question=body["question"]))

    @app.post("/v1/requests/{request_id}/replies")
    async def reply(request_id: str, body: dict[str, Any]) -> ActionAccepted:
        ncb = request_id.split("-")[1]
        return await update(request_id, "reply", ClarificationReply(ncb=ncb, answer=body["answer"]))

    @app.post("/v1/cases/{request_id}/review-conclusion")
    async def conclude_review(request_id: str, body: dict[str, Any]) -> ActionAccepted:
        message = ReviewConcluded(reviewer_id="bench", summary=body["summary"])
        return await update(request_id, "conclude_review", message)

    @app.post("/v1/cases/{request_id}/assessment")
    async def assess(request_id: str, body: dict[str, Any]) -> ActionAccepted:
        message = AssessmentSubmitted(reviewer_id="bench", verdict=body["verdict"], basis=body["basis"])
        return await update(request_id, "assess_case", message)

    @app.post("/v1/cases/{request_id}/decision")
    async def decide(request_id: str, body: dict[str, Any]) -> ActionAccepted:
        message = DecisionSubmitted(reviewer_id="bench", outcome=body["outcome"], reason=body["reason"])
        return await update(request_id, "decide_case", message)

    return app


async def serve_api() -> None:
    import uvicorn

    client = await connect(settings())
    app = create_app(client, Path(os.environ["SKELETON_SCRIPTS"]))
    port = int(os.environ.get("SKELETON_API_PORT", "8100"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    await server.serve()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "WARNING"), format="%(asctime)s %(name)s %(message)s")
    code = 0
    try:
        asyncio.run(serve_worker() if args[:1] == ["worker"] else serve_api())
    except KeyboardInterrupt:
        pass
    except Exception:
        log.exception("the skeleton's %s failed", args[:1])
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # temporalio/sdk-python#300: avoid an abort at interpreter exit


if __name__ == "__main__":
    main()
