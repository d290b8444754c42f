"""Temporal's floor for the end-to-end benchmark: a workflow of the request workflow's shape, empty bodies.

The shape is not written by hand (it would drift from ``NoticeRequestWorkflow``): the benchmark reads it
from the histories of the real run (``script_from_history``) and hands each skeleton request the script of
the path its real twin took. A script is a list of segments, one for the start and one per update, in the
order the real case received them; each segment lists what the real workflow did in it: the activities
(by type name, with payloads of the sizes recorded) and the search-attribute upserts (the values
recorded, so the skeleton's ``ReviewStage`` moves as the real one did and the same queue query lists it).
Every activity runs on one dynamic activity whose body only returns a payload of the recorded size.

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
from temporalio.common import RawValue, RetryPolicy, SearchAttributeKey, SearchAttributeUpdate

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
WAIT_FOR_REVIEWERS = timedelta(days=30)
STEP_TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
KEYS: dict[str, SearchAttributeKey[Any]] = {key.name: key for key in sa.ALL}


class Step(BaseModel):
    """One command the real workflow issued: an activity, or a search-attribute upsert."""

    kind: Literal["activity", "upsert"]
    name: str = ""
    in_size: int = 0
    out_size: int = 0
    attrs: dict[str, Any] = Field(default_factory=dict)


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


@activity.defn(dynamic=True)
async def empty_activity(args: Sequence[RawValue]) -> Pad:
    """Every activity of the real workflow, by its type name: its body only answers a payload of the size
    the real one answered."""
    wanted = activity.payload_converter().from_payload(args[0].payload, Pad) if args else Pad()
    return Pad(pad="r" * max(0, wanted.out - 20))


def _value(key: SearchAttributeKey[Any], raw: Any) -> Any:
    if raw is not None and key.name == sa.NEXT_DEADLINE.name and isinstance(raw, str):
        return datetime.fromisoformat(raw)
    return raw


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
                    Pad(pad="a" * max(0, step.in_size - 30), out=step.out_size),
                    result_type=Pad,
                    start_to_close_timeout=STEP_TIMEOUT,
                    retry_policy=RETRY,
                )
            else:
                updates: list[SearchAttributeUpdate[Any]] = []
                for name, raw in step.attrs.items():
                    key = KEYS.get(name)
                    if key is None:
                        continue
                    value = _value(key, raw)
                    updates.append(key.value_unset() if value is None else key.value_set(value))
                    if key.name == sa.REVIEW_STAGE.name and value:
                        self.stage = ReviewStage(value)
                if updates:
                    workflow.upsert_search_attributes(updates)

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
