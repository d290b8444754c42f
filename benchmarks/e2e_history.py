"""Reading the real run's histories: their size, and the skeleton's script (``benchmarks.skeleton``)."""

from __future__ import annotations

import json
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

from benchmarks.skeleton import Segment, Step

RECORD_EVENT = "record_case_event"
"""The activity that records a case's event; the read model of the queue is written with it."""


def _size(payloads: Any) -> int:
    return sum(len(p.data) for p in payloads.payloads) if payloads is not None else 0


def _attrs(event: HistoryEvent) -> dict[str, Any]:
    """The values upserted, as JSON (an unset attribute is None)."""
    fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
    return {name: json.loads(payload.data) if payload.data else None for name, payload in fields.items()}


def script_from_history(history: WorkflowHistory) -> list[Segment]:
    """The commands the workflow issued, cut at each update it accepted: segment 0 is the start's."""
    segments = [Segment()]
    scheduled: dict[int, Step] = {}
    for event in history.events:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            name = event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
            segments.append(Segment(update=name))
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attrs = event.activity_task_scheduled_event_attributes
            step = Step(kind="activity", name=attrs.activity_type.name, in_size=_size(attrs.input))
            scheduled[event.event_id] = step
            segments[-1].steps.append(step)
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            done = event.activity_task_completed_event_attributes
            if done.scheduled_event_id in scheduled:
                scheduled[done.scheduled_event_id].out_size = _size(done.result)
        elif kind == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            segments[-1].steps.append(Step(kind="upsert", attrs=_attrs(event)))
    for before, after in zip(segments, segments[1:], strict=False):
        # The upserts an update's segment issues before it records its own event (``record_case_event``)
        # are the previous move's: the move's event, and with it the reviewers' queue (the registry's read
        # model), was written before its upsert, so the driver saw the case and acted first. Left there,
        # the skeleton would wait for that action in the stage before it, never listed, and stall.
        first_record = next(
            (i for i, step in enumerate(after.steps) if step.kind == "activity" and step.name == RECORD_EVENT),
            len(after.steps),
        )
        late = [step for step in after.steps[:first_record] if step.kind == "upsert"]
        before.steps.extend(late)
        after.steps = [step for step in after.steps if not any(step is moved for moved in late)]
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
