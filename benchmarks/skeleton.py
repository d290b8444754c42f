"""Temporal's floor for the end-to-end benchmark: a workflow of the request workflow's shape, empty bodies.

The shape is not written by hand (it would drift from ``NoticeRequestWorkflow``): the benchmark reads it
from the histories of the real run (``script_from_history``) and hands each skeleton request the script of
the path its real twin took. A script is a list of segments, one for the start and one per update, in the
order the real case received them; each segment lists what the real workflow did in it: the activities
(by type name, with payloads of the sizes recorded) and the search-attribute upserts (the values
recorded, so the skeleton's ``ReviewStage`` moves as the real one did and the same queue query lists it).
Every activity runs on one dynamic activity whose body only returns a payload of the recorded size.

The real activities that start workflows (``STARTS_WORKFLOWS``: a message's delivery, a notice's lifetime)
start twins of them here too, with empty bodies: a delivery twin runs one empty ``deliver_message`` and
ends; a notice twin upserts its search attributes as ``PublishedNoticeWorkflow`` does on its start and
waits on a timer of years (left running: the benchmark throws its dev server away). Each start is
idempotent, as in ``activities.dispatch``: the twin's id is the case's workflow id and the activity's id,
a retried activity finds the twin it started. So the skeleton runs as many workflows as the real path, and
what the ratio measures is the application's work, not the number of workflows.

The skeleton has the real workflow's updates (same names, same message models, each with a validator),
their signal twins, the ``case`` query, and a timer under each wait for a reviewer, and runs on a worker
with the same data converter (pydantic, encrypted with the same key) and interceptors (``runtime.client``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RawValue, RetryPolicy, SearchAttributeKey, SearchAttributeUpdate, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

with workflow.unsafe.imports_passed_through():
    import runtime.search_attributes as sa
    from models.case import (
        ActionAccepted,
        AnyMessage,
        AssessmentSubmitted,
        CaseViewer,
        ClarificationReply,
        DecisionSubmitted,
        InfoRequested,
        ReviewConcluded,
        ReviewStage,
        SourceConsulted,
        WithdrawalRequested,
    )
    from models.request import NoticeRequest

SKELETON_WORKFLOW = "BenchSkeletonWorkflow"
DELIVERY_TWIN = "BenchSkeletonDeliveryWorkflow"
NOTICE_TWIN = "BenchSkeletonNoticeWorkflow"
TwinKind = Literal["delivery", "notice"]
STARTS_WORKFLOWS: dict[str, TwinKind] = {
    "start_delivery": "delivery",
    "send_messages": "delivery",
    "start_notice_lifetime": "notice",
}
"""The real activities (by type name) that start workflows, and which: ``send_messages`` (queueing and
starting several messages in one activity) starts one delivery per message."""
WAIT_FOR_REVIEWERS = timedelta(days=30)
NOTICE_WAIT = timedelta(days=5 * 365 - 90)
"""A notice twin's wait when the real one's was not read: a red notice's renewal reminder is due about
three months before its five years end."""
STEP_TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
KEYS: dict[str, SearchAttributeKey[Any]] = {key.name: key for key in sa.ALL}


class Twin(BaseModel):
    """The workflows one real activity started, to be started with empty bodies: how many, the size of
    their input, and what each does (a delivery: its one activity, by type name and payload sizes; a
    notice: the search attributes it upserts on its start and its first wait). Read from the real run
    (``benchmarks.e2e_history``); also the twin's own input, padded to ``start_size``."""

    kind: TwinKind
    count: int = 1
    start_size: int = 0
    activity: str = ""
    in_size: int = 0
    out_size: int = 0
    attrs: dict[str, Any] = Field(default_factory=dict)
    wait_s: float = 0.0
    pad: str = ""


class Step(BaseModel):
    """One command the real workflow issued: an activity, a local activity (its marker), or a
    search-attribute upsert. ``twin``: the workflows the real activity started."""

    kind: Literal["activity", "local", "upsert"]
    name: str = ""
    in_size: int = 0
    out_size: int = 0
    attrs: dict[str, Any] = Field(default_factory=dict)
    twin: Twin | None = None


class Segment(BaseModel):
    """What the real workflow did from the start (``update`` empty) or from accepting this update on."""

    update: str = ""
    steps: list[Step] = Field(default_factory=list)
    answer_stage: str = ""
    """The stage the real update answered. Its upsert may come in a later segment: the real update answers
    once the case has moved, and the record of the move (an activity, then the upsert) can complete
    after the next action was accepted."""


class SkeletonInput(BaseModel):
    request_id: str
    request: NoticeRequest
    """The same request the real workflow is started with, so its input payload weighs the same."""
    segments: list[Segment]


class Pad(BaseModel):
    pad: str = ""
    out: int = 0
    twin: Twin | None = None


def padded(size: int, twin: Twin | None = None, out: int = 0) -> Pad:
    """A payload of about ``size`` bytes once encoded (the twin's description counted in)."""
    room = size - 30 - (len(twin.model_dump_json()) if twin else 0)
    return Pad(pad="a" * max(0, room), out=out, twin=twin)


class SkeletonActivities:
    """Holds the worker's client, to start the twins of the workflows the real activities start (as
    ``activities.dispatch.DispatchActivities`` does); they run on the activity's task queue."""

    def __init__(self, client: Client) -> None:
        self.client = client

    @activity.defn(dynamic=True)
    async def empty_activity(self, args: Sequence[RawValue]) -> Pad:
        """Every activity of the real workflows, by its type name: its body only starts the twins the real
        one started, and answers a payload of the size the real one answered."""
        wanted = activity.payload_converter().from_payload(args[0].payload, Pad) if args else Pad()
        if wanted.twin is not None:
            await self._start_twins(wanted.twin)
        return Pad(pad="r" * max(0, wanted.out - 20))

    async def _start_twins(self, twin: Twin) -> None:
        info = activity.info()
        name = DELIVERY_TWIN if twin.kind == "delivery" else NOTICE_TWIN
        room = twin.start_size - 30 - len(twin.model_dump_json())
        input = twin.model_copy(update={"pad": "s" * max(0, room)})
        for n in range(twin.count):
            try:
                await self.client.start_workflow(
                    name,
                    input,
                    id=twin_workflow_id(info.workflow_id or "", info.activity_id, twin.kind, n),
                    task_queue=info.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
            except WorkflowAlreadyStartedError:
                pass  # a retried activity finds the twin its first attempt started


def twin_workflow_id(case_workflow_id: str, activity_id: str, kind: str, n: int) -> str:
    """Derived from the case and the activity's id (the same on every attempt), as the real ids are
    derived from the message or the notice."""
    return f"{case_workflow_id}/{kind}/{activity_id}/{n}"


def _value(key: SearchAttributeKey[Any], raw: Any) -> Any:
    if raw is not None and key.name == sa.NEXT_DEADLINE.name and isinstance(raw, str):
        return datetime.fromisoformat(raw)
    return raw


def _upsert(attrs: dict[str, Any]) -> str:
    """Upsert the recorded values (in a workflow); the ``ReviewStage`` set, if any."""
    updates: list[SearchAttributeUpdate[Any]] = []
    stage = ""
    for name, raw in attrs.items():
        key = KEYS.get(name)
        if key is None:
            continue
        value = _value(key, raw)
        updates.append(key.value_unset() if value is None else key.value_set(value))
        if key.name == sa.REVIEW_STAGE.name and value:
            stage = str(value)
    if updates:
        workflow.upsert_search_attributes(updates)
    return stage


@workflow.defn(name=DELIVERY_TWIN)
class DeliveryTwinWorkflow:
    """``MessageDeliveryWorkflow``'s shape: one activity (``deliver_message``), then the end."""

    @workflow.run
    async def run(self, twin: Twin) -> Pad:
        result: Pad = await workflow.execute_activity(
            twin.activity or "deliver_message",
            padded(twin.in_size, out=twin.out_size),
            result_type=Pad,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=RETRY,
        )
        return result


@workflow.defn(name=NOTICE_TWIN)
class NoticeTwinWorkflow:
    """``PublishedNoticeWorkflow``'s start: its search attributes upserted, then a wait of years (a timer
    that never fires in a benchmark; the notice's later work is not the request's)."""

    @workflow.run
    async def run(self, twin: Twin) -> None:
        _upsert(twin.attrs)
        await workflow.sleep(timedelta(seconds=twin.wait_s or NOTICE_WAIT.total_seconds()))


@workflow.defn(name=SKELETON_WORKFLOW)
class SkeletonWorkflow:
    @workflow.init
    def __init__(self, input: SkeletonInput) -> None:
        self.input = input
        self.stage = ReviewStage.REGISTERED
        self.next_segment = 1
        self.changed = False
        self.lock = asyncio.Lock()

    @workflow.run
    async def run(self, input: SkeletonInput) -> ActionAccepted:
        async with self.lock:
            await self._play(input.segments[0])
        while self.next_segment < len(input.segments):
            self.changed = False
            try:
                await workflow.wait_condition(lambda: self.changed, timeout=WAIT_FOR_REVIEWERS)
            except TimeoutError:
                pass
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._accepted("done")

    async def _play(self, segment: Segment) -> None:
        for step in segment.steps:
            if step.kind == "activity":
                await workflow.execute_activity(
                    step.name,
                    padded(step.in_size, step.twin, step.out_size),
                    result_type=Pad,
                    start_to_close_timeout=STEP_TIMEOUT,
                    retry_policy=RETRY,
                )
            elif step.kind == "local":
                await workflow.execute_local_activity(
                    step.name,
                    padded(step.in_size, None, step.out_size),
                    result_type=Pad,
                    start_to_close_timeout=STEP_TIMEOUT,
                    retry_policy=RETRY,
                )
            else:
                stage = _upsert(step.attrs)
                if stage:
                    self.stage = ReviewStage(stage)

    async def _handle(self, name: str) -> ActionAccepted:
        async with self.lock:
            if self.next_segment < len(self.input.segments):
                segment = self.input.segments[self.next_segment]
                self.next_segment += 1
                await self._play(segment)
                if segment.answer_stage:
                    self.stage = ReviewStage(segment.answer_stage)
            self.changed = True
        return self._accepted(name)

    def _accepted(self, detail: str) -> ActionAccepted:
        return ActionAccepted(request_id=self.input.request_id, stage=self.stage, detail=detail)

    # --- the real workflow's updates (same names and messages), each validated -------------------

    @workflow.update
    async def request_info(self, input: InfoRequested) -> ActionAccepted:
        return await self._handle("request_info")

    @request_info.validator
    def _validate_request_info(self, input: InfoRequested) -> None:
        pass

    @workflow.update
    async def reply(self, input: ClarificationReply) -> ActionAccepted:
        return await self._handle("reply")

    @reply.validator
    def _validate_reply(self, input: ClarificationReply) -> None:
        pass

    @workflow.update
    async def note_source(self, input: SourceConsulted) -> ActionAccepted:
        return await self._handle("note_source")

    @note_source.validator
    def _validate_note_source(self, input: SourceConsulted) -> None:
        pass

    @workflow.update
    async def conclude_review(self, input: ReviewConcluded) -> ActionAccepted:
        return await self._handle("conclude_review")

    @conclude_review.validator
    def _validate_conclude_review(self, input: ReviewConcluded) -> None:
        pass

    @workflow.update
    async def assess_case(self, input: AssessmentSubmitted) -> ActionAccepted:
        return await self._handle("assess_case")

    @assess_case.validator
    def _validate_assess(self, input: AssessmentSubmitted) -> None:
        pass

    @workflow.update
    async def decide_case(self, input: DecisionSubmitted) -> ActionAccepted:
        return await self._handle("decide_case")

    @decide_case.validator
    def _validate_decide(self, input: DecisionSubmitted) -> None:
        pass

    @workflow.update
    async def withdraw(self, input: WithdrawalRequested) -> ActionAccepted:
        return await self._handle("withdraw")

    @withdraw.validator
    def _validate_withdraw(self, input: WithdrawalRequested) -> None:
        pass

    # --- their signal twins (unused by the benchmark's clients, present for the shape) ------------

    @workflow.signal
    async def info_requested(self, input: AnyMessage) -> None:
        pass

    @workflow.signal
    async def clarification_replied(self, input: AnyMessage) -> None:
        pass

    @workflow.signal
    async def source_noted(self, input: AnyMessage) -> None:
        pass

    @workflow.signal
    async def review_concluded(self, input: AnyMessage) -> None:
        pass

    @workflow.signal
    async def assessment_submitted(self, input: AnyMessage) -> None:
        pass

    @workflow.signal
    async def decision_submitted(self, input: AnyMessage) -> None:
        pass

    @workflow.signal
    async def withdrawal_requested(self, input: AnyMessage) -> None:
        pass

    @workflow.query
    def case(self, viewer: CaseViewer) -> ActionAccepted:
        return self._accepted("case")
