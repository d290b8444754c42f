"""Reading the real run's histories: their size, and the skeleton's script (``benchmarks.skeleton``).

The workflows a real activity started (``skeleton.STARTS_WORKFLOWS``) are counted from the activity's
own input, decoded with the run's converter and key: one delivery per message (a ``message_key``, or each
of a ``messages`` list), one notice per ``notice_id``. The input says exactly what that one step started,
whichever path or retries the case took; a workflow found by listing could not be tied to its step. The
twins' shape (their input size, a delivery's activity and payload sizes, a notice's first upsert and
wait) is read from one real delivery and one real notice workflow, or the defaults below when none was.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHistory
from temporalio.service import RPCError

from benchmarks.skeleton import STARTS_WORKFLOWS, Segment, Step, Twin, TwinKind
from models.ids import delivery_workflow_id, notice_workflow_id

DEFAULT_TWINS: dict[TwinKind, Twin] = {
    "delivery": Twin(kind="delivery", start_size=100, activity="deliver_message", in_size=120, out_size=190),
    "notice": Twin(kind="notice", start_size=260, wait_s=(5 * 365 - 90) * 86400.0),
}
"""When no real twin's history could be read: the sizes (encrypted payloads, bytes) a real
``MessageDeliveryWorkflow`` and ``PublishedNoticeWorkflow`` recorded in a run of ``make bench-e2e``; a
notice's wait is its renewal reminder, about five years on."""

RECORD_EVENT = "record_case_event"
"""The activity that records a case's event; the read model of the queue is written with it."""


def _size(payloads: Any) -> int:
    return sum(len(p.data) for p in payloads.payloads) if payloads is not None else 0


def _attrs(event: HistoryEvent) -> dict[str, Any]:
    """The values upserted, as JSON (an unset attribute is None)."""
    fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
    return {name: json.loads(payload.data) if payload.data else None for name, payload in fields.items()}


def _local_activity(event: HistoryEvent) -> Step | None:
    """A local activity's marker as a step: its type from the marker's data (the SDK's own JSON, never
    encrypted), its answer's size; its input is not in the history, so it goes empty."""
    marker = event.marker_recorded_event_attributes
    if marker.marker_name != "core_local_activity" or "data" not in marker.details:
        return None
    try:
        data = json.loads(marker.details["data"].payloads[0].data)
    except (IndexError, ValueError):
        return None
    result = marker.details["result"] if "result" in marker.details else None
    return Step(kind="local", name=str(data.get("activity_type", "")), out_size=_size(result))


def script_from_history(history: WorkflowHistory, twins: dict[int, Twin] | None = None) -> list[Segment]:
    """The commands the workflow issued, cut at each update it accepted: segment 0 is the start's.
    ``twins``: by the event id of an activity's scheduling, the workflows it started."""
    twins = twins or {}
    segments = [Segment()]
    scheduled: dict[int, Step] = {}
    for event in history.events:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            name = event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
            segments.append(Segment(update=name))
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attrs = event.activity_task_scheduled_event_attributes
            step = Step(kind="activity", name=attrs.activity_type.name, in_size=_size(attrs.input),
                        twin=twins.get(event.event_id))
            scheduled[event.event_id] = step
            segments[-1].steps.append(step)
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            done = event.activity_task_completed_event_attributes
            if done.scheduled_event_id in scheduled:
                scheduled[done.scheduled_event_id].out_size = _size(done.result)
        elif kind == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            segments[-1].steps.append(Step(kind="upsert", attrs=_attrs(event)))
        elif kind == EventType.EVENT_TYPE_MARKER_RECORDED:
            local = _local_activity(event)
            if local is not None:
                segments[-1].steps.append(local)
    for before, after in zip(segments, segments[1:], strict=False):
        # The upserts an update's segment issues before it records its own event (``record_case_event``)
        # are the previous move's: the move's event, and with it the reviewers' queue (the registry's read
        # model), was written before its upsert, so the driver saw the case and acted first. Left there,
        # the skeleton would wait for that action in the stage before it, never listed, and stall.
        first_record = next(
            (i for i, step in enumerate(after.steps) if step.kind == "activity" and step.name == RECORD_EVENT),
            len(after.steps),
        )
        head, tail = after.steps[:first_record], after.steps[first_record:]
        before.steps.extend(step for step in head if step.kind == "upsert")
        after.steps = [step for step in head if step.kind != "upsert"] + tail
    return segments


def event_counts(history: WorkflowHistory) -> dict[str, int]:
    """Events in all, and the activities, timers and updates among them."""
    counts = {"events": 0, "activities": 0, "timers": 0, "updates": 0}
    for event in history.events:
        counts["events"] += 1
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            counts["activities"] += 1
        elif event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            counts["timers"] += 1
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            counts["updates"] += 1
    return counts


def started_ids(value: Any) -> tuple[int, list[str]]:
    """How many workflows an activity given ``value`` (its decoded input) started, and the ids of those it
    names: a ``messages`` list (one delivery each), a ``message_key`` (one delivery), a ``notice_id``."""
    if isinstance(value, dict):
        messages = value.get("messages")
        if isinstance(messages, list):
            keys = [m["message_key"] for m in messages if isinstance(m, dict) and isinstance(m.get("message_key"), str)]
            return len(messages), [delivery_workflow_id(k) for k in keys]
        if isinstance(value.get("message_key"), str):
            return 1, [delivery_workflow_id(value["message_key"])]
        if isinstance(value.get("notice_id"), str):
            return 1, [notice_workflow_id(value["notice_id"])]
    return 1, []


def twin_from_history(kind: TwinKind, history: WorkflowHistory) -> Twin:
    """A real delivery's or notice's shape: its input's size; a delivery's first activity (type, payload
    sizes); a notice's first upsert and first timer. What the history lacks keeps its default."""
    twin = DEFAULT_TWINS[kind].model_copy(deep=True)
    scheduled = 0
    for event in history.events:
        kind_of = event.event_type
        if kind_of == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
            twin.start_size = _size(event.workflow_execution_started_event_attributes.input)
        elif kind == "delivery" and kind_of == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED and not scheduled:
            attrs = event.activity_task_scheduled_event_attributes
            scheduled = event.event_id
            twin.activity, twin.in_size = attrs.activity_type.name, _size(attrs.input)
        elif kind == "delivery" and kind_of == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            done = event.activity_task_completed_event_attributes
            if done.scheduled_event_id == scheduled:
                twin.out_size = _size(done.result)
        elif kind == "notice" and kind_of == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES and not twin.attrs:
            twin.attrs = _attrs(event)
        elif kind == "notice" and kind_of == EventType.EVENT_TYPE_TIMER_STARTED:
            twin.wait_s = event.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta().total_seconds()
            break
    return twin


class TwinReader:
    """Counts, in a real case's history, the workflows each activity of ``STARTS_WORKFLOWS`` started, and
    reads each kind's shape from the first real one found (once per run)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.shapes: dict[TwinKind, Twin] = {}
        self.read_from: dict[TwinKind, str] = {}

    async def script(self, history: WorkflowHistory) -> list[Segment]:
        twins: dict[int, Twin] = {}
        for event in history.events:
            if event.event_type != EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                continue
            attrs = event.activity_task_scheduled_event_attributes
            kind = STARTS_WORKFLOWS.get(attrs.activity_type.name)
            if kind is None:
                continue
            count, ids = started_ids(await self._decoded(attrs.input.payloads))
            twins[event.event_id] = (await self._shape(kind, ids)).model_copy(update={"count": count})
        return script_from_history(history, twins)

    async def _decoded(self, payloads: Sequence[Payload]) -> Any:
        try:
            values = await self.client.data_converter.decode(list(payloads))
        except Exception:  # noqa: BLE001 - an input not read counts as one workflow started
            return None
        return values[0] if values else None

    async def _shape(self, kind: TwinKind, ids: list[str]) -> Twin:
        if kind not in self.shapes:
            for workflow_id in ids[:1]:
                try:
                    history = await self.client.get_workflow_handle(workflow_id).fetch_history()
                except RPCError:
                    continue
                self.shapes[kind] = twin_from_history(kind, history)
                self.read_from[kind] = workflow_id
        return self.shapes.get(kind, DEFAULT_TWINS[kind])
