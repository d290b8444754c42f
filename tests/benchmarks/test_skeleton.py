"""The skeleton starts the workflows the real activities start: the count read from each real activity's
input, the twins' shape read from a real one, each started once (a retried activity finds it), a delivery
twin ending after its one activity and a notice twin left waiting with its search attributes upserted."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import workflow
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus, WorkflowHistory
from temporalio.common import RawValue
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from benchmarks.e2e_history import DEFAULT_TWINS, TwinReader, script_from_history, started_ids
from benchmarks.skeleton import (
    DELIVERY_TWIN,
    NOTICE_TWIN,
    DeliveryTwinWorkflow,
    NoticeTwinWorkflow,
    Pad,
    Segment,
    SkeletonActivities,
    SkeletonInput,
    SkeletonWorkflow,
    Step,
    Twin,
)
from models.ids import delivery_workflow_id, notice_workflow_id
from runtime import search_attributes as sa
from tests.api.conftest import example_body


async def listed(client: Client, task_queue: str, count: int) -> list[WorkflowExecution]:
    """The workflows on ``task_queue`` once visibility lists ``count`` (it may lag a start by a moment)."""
    found: list[WorkflowExecution] = []
    for _ in range(50):
        found = [e async for e in client.list_workflows(f"TaskQueue = '{task_queue}'")]
        if len(found) >= count:
            break
        await asyncio.sleep(0.1)
    return found


def test_the_workflows_an_activity_started_are_counted_from_its_input() -> None:
    assert started_ids({"message_key": "R-FR-1/msg/1"}) == (1, ["deliver-R-FR-1/msg/1"])
    messages = {"messages": [{"message_key": f"k{n}", "subject": "s"} for n in range(3)]}
    assert started_ids(messages) == (3, ["deliver-k0", "deliver-k1", "deliver-k2"])
    assert started_ids({"notice_id": "N-FR-1", "kind": "red_notice"}) == (1, ["published-notice-N-FR-1"])
    assert started_ids(None) == (1, [])


@workflow.defn(name="BenchRealShapedCase")
class RealShapedCase:
    """Issues the real case's starting activities with the real inputs' shapes."""

    @workflow.run
    async def run(self, message_key: str) -> None:
        for name, arg in (
            ("start_delivery", {"message_key": message_key}),
            ("send_messages", {"messages": [{"message_key": f"{message_key}-{n}"} for n in range(3)]}),
            ("start_notice_lifetime", {"notice_id": "N-none"}),
            ("record_case_event", {"event_key": "e"}),
        ):
            await workflow.execute_activity(name, arg, start_to_close_timeout=timedelta(seconds=30))


async def test_the_script_counts_each_step_s_twins_and_reads_their_shape_from_a_real_one(
    dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    client = dev_env.client
    key = f"bench-{uuid.uuid4()}"
    # Unsandboxed: the sandbox would re-import this test module, and the API fixtures it imports.
    async with Worker(client, task_queue=task_queue, workflows=[RealShapedCase, DeliveryTwinWorkflow],
                      activities=[SkeletonActivities(client).empty_activity],
                      workflow_runner=UnsandboxedWorkflowRunner()):
        # A real-looking delivery (its id derived from the message key) whose shape the reader reads.
        shaped = Twin(kind="delivery", activity="deliver_message", in_size=300, out_size=400)
        await client.execute_workflow(DELIVERY_TWIN, shaped, id=delivery_workflow_id(key), task_queue=task_queue)
        handle = await client.start_workflow(RealShapedCase.run, key, id=f"case-{key}", task_queue=task_queue)
        await handle.result()
    reader = TwinReader(client)
    segments = await reader.script(await handle.fetch_history())
    steps = {step.name: step for step in segments[0].steps}
    delivery, sent = steps["start_delivery"].twin, steps["send_messages"].twin
    notice = steps["start_notice_lifetime"].twin
    assert delivery is not None and sent is not None and notice is not None
    assert (delivery.kind, delivery.count, sent.kind, sent.count, notice.kind, notice.count) == (
        "delivery", 1, "delivery", 3, "notice", 1)
    assert delivery.activity == "deliver_message" and delivery.in_size >= 250 and delivery.out_size >= 350
    assert reader.read_from == {"delivery": delivery_workflow_id(key)}
    assert notice.wait_s == DEFAULT_TWINS["notice"].wait_s, "no real notice: the default shape"
    assert steps["record_case_event"].twin is None
    assert notice_workflow_id("N-none") not in reader.read_from.values()


async def test_the_skeleton_starts_each_twin_once_deliveries_end_and_the_notice_waits(
    dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    client = dev_env.client
    case_id = f"bench-skeleton-{uuid.uuid4()}"
    notice = Twin(kind="notice", start_size=260, attrs={"ReviewStage": "published", "RequestingNcb": "FR"},
                  wait_s=3 * 365 * 86400.0)
    steps = [
        Step(kind="activity", name="start_delivery", in_size=150, out_size=100,
             twin=Twin(kind="delivery", count=1, activity="deliver_message", in_size=120, out_size=190)),
        Step(kind="activity", name="send_messages", in_size=150, out_size=100,
             twin=Twin(kind="delivery", count=3, activity="deliver_message", in_size=120, out_size=190)),
        Step(kind="activity", name="start_notice_lifetime", in_size=300, out_size=100, twin=notice),
        Step(kind="activity", name="register_request", in_size=500, out_size=100),
    ]
    from models.request import NoticeRequest

    request = NoticeRequest.model_validate(example_body("red-notice-fraud.json"))
    async with Worker(client, task_queue=task_queue,
                      workflows=[SkeletonWorkflow, DeliveryTwinWorkflow, NoticeTwinWorkflow],
                      activities=[SkeletonActivities(client).empty_activity]):
        await client.execute_workflow(
            SkeletonWorkflow.run, SkeletonInput(request_id="R-FR-0", request=request, segments=[Segment(steps=steps)]),
            id=case_id, task_queue=task_queue)
        executions = await listed(client, task_queue, 6)
        started: dict[str, list[Any]] = {DELIVERY_TWIN: [], NOTICE_TWIN: []}
        for execution in executions:
            if execution.workflow_type in started:
                started[execution.workflow_type].append(execution)
        assert len(started[DELIVERY_TWIN]) == 4 and len(started[NOTICE_TWIN]) == 1
        for execution in started[DELIVERY_TWIN]:
            assert execution.id.startswith(case_id + "/delivery/")
            assert len(Pad.model_validate(await client.get_workflow_handle(execution.id).result()).pad) == 170
        twin = client.get_workflow_handle(started[NOTICE_TWIN][0].id)
        described = await twin.describe()
        assert described.status == WorkflowExecutionStatus.RUNNING
        assert described.typed_search_attributes.get(sa.REVIEW_STAGE) == "published"

        await twin.terminate("test over")


async def test_a_retried_activity_finds_the_twins_its_first_attempt_started(
    dev_env: WorkflowEnvironment, task_queue: str
) -> None:
    client = dev_env.client
    case_id = f"bench-skeleton-{uuid.uuid4()}"
    env = ActivityEnvironment()
    env.payload_converter = client.data_converter.payload_converter
    env.info = dataclasses.replace(env.info, workflow_id=case_id, activity_id="7", task_queue=task_queue,
                                   activity_type="send_messages")
    pad = Pad(out=50, twin=Twin(kind="delivery", count=2, activity="deliver_message"))
    raw = RawValue(env.payload_converter.to_payload(pad))
    activities = SkeletonActivities(client)
    for _attempt in range(2):
        answer = await env.run(activities.empty_activity, [raw])
        assert len(answer.pad) == 30
    ids = [e.id for e in await listed(client, task_queue, 2)]
    assert sorted(ids) == [f"{case_id}/delivery/7/0", f"{case_id}/delivery/7/1"]
    for workflow_id in ids:
        await client.get_workflow_handle(workflow_id).terminate("test over")


def test_the_script_keeps_the_real_workflows_local_activities_and_their_stage_moves() -> None:
    """A recorded case's roster checks and member-list reads (local activities: markers, not activity
    tasks) are in the skeleton's script as local steps, and each segment ends in the stage the driver saw."""
    path = Path(__file__).parents[1] / "replay" / "histories" / "NoticeRequestWorkflow__approved.json"
    segments = script_from_history(WorkflowHistory.from_json("case", json.loads(path.read_text())))
    local = [step.name for segment in segments for step in segment.steps if step.kind == "local"]
    activities = [step.name for segment in segments for step in segment.steps if step.kind == "activity"]
    assert "lookup_reviewer" in local and "member_ncbs" in local
    assert "lookup_reviewer" not in activities and "send_messages" in activities
    first_stages = [step.attrs.get("ReviewStage") for step in segments[0].steps if step.kind == "upsert"]
    assert [stage for stage in first_stages if stage][-1] == "legal_assessment"
