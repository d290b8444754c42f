"""What operators read about a case in the Temporal UI, fetched the way the UI fetches it: the static
summary and details every workflow carries from its start, the current details the workflow keeps, and
the summaries on its activities and timers. None of it may name the subject."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client

from models.ids import workflow_id_for
from models.request import NoticeKind
from runtime import operator_view
from tests.operators.conftest import Stack, eventually

pytestmark = pytest.mark.devserver

INCOMPLETE = "red-notice-incomplete.json"  # from NCB BR, missing mandatory data: awaiting clarification


def personal_data(body: dict[str, Any]) -> list[str]:
    """What in a request names its subject (or could): names, birth date, the NCB's own reference."""
    subject = body["subject"]
    found = [subject["family_name"], subject["forenames"], subject["date_of_birth"], body["ncb_reference"]]
    return [value for value in found if value]


def assert_no_personal_data(text: str, body: dict[str, Any]) -> None:
    for value in personal_data(body):
        assert value.lower() not in text.lower(), f"{value!r} is in what operators read: {text!r}"


async def user_metadata_in_history(client: Client, workflow_id: str) -> dict[str, list[str]]:
    """The summary of every activity scheduled and timer started in the history, by event type."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    found: dict[str, list[str]] = {}
    for event in history.events:
        if event.HasField("user_metadata") and event.user_metadata.HasField("summary"):
            [summary] = await client.data_converter.decode([event.user_metadata.summary])
            found.setdefault(EventType.Name(event.event_type), []).append(str(summary))
    return found


async def test_a_case_shows_its_summary_details_and_step_summaries_without_personal_data(stack: Stack) -> None:
    request_id, body = await stack.submit(INCOMPLETE)
    await stack.reaches(request_id, "BR", "awaiting_clarification")
    handle = stack.client.get_workflow_handle(workflow_id_for(request_id))

    described = await handle.describe()
    summary, details = await described.static_summary(), await described.static_details()
    assert summary == f"Red Notice request from NCB BR · {request_id}"
    assert details is not None
    assert f"**Request:** {request_id}" in details and "**Requesting NCB:** BR" in details
    assert "**Kind:** red_notice" in details

    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    current = metadata.current_details
    assert "**Stage:** awaiting_clarification (since " in current
    assert "**Awaiting** clarification IR-1 from BR, due " in current
    assert "**Next deadline:** " in current and "**Last action:** " in current

    async def waiting_on_a_timer() -> dict[str, list[str]] | None:
        found = await user_metadata_in_history(stack.client, handle.id)
        return found if "EVENT_TYPE_TIMER_STARTED" in found else None

    steps = await eventually(waiting_on_a_timer, "the case to wait on its deadline")
    activities = steps["EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"]
    assert "register the request" in activities and "screening round 1" in activities
    assert "record stage:awaiting_clarification" in activities
    assert any(s.startswith("queue clarification_request to 1 recipients") for s in activities), activities
    timers = steps["EVENT_TYPE_TIMER_STARTED"]
    assert any(s.startswith("reminder on IR-1 from BR at ") for s in timers), timers

    for text in (summary, details, current, *activities, *timers):
        assert_no_personal_data(text, body)

    deliveries = [
        w
        async for w in stack.client.list_workflows(
            f'WorkflowType="MessageDeliveryWorkflow" AND TaskQueue="{stack.task_queue}"'
        )
    ]
    assert deliveries, "the clarification request is delivered by a workflow of its own"
    delivery = await stack.client.get_workflow_handle(deliveries[0].id).describe()
    assert (await delivery.static_summary() or "").startswith(f"deliver message {request_id}/")
    assert f"**For request:** {request_id}" in (await delivery.static_details() or "")


async def test_a_search_shows_which_filters_were_given_never_their_values(stack: Stack) -> None:
    await stack.ncb("BR").search(name="SOUZA Carlos", nationality="BR")
    [search] = [
        w
        async for w in stack.client.list_workflows(
            f'WorkflowType="NoticeSearchWorkflow" AND TaskQueue="{stack.task_queue}"'
        )
    ]
    described = await stack.client.get_workflow_handle(search.id).describe()
    assert await described.static_summary() == "notice search by NCB BR"
    details = await described.static_details() or ""
    assert "**Filters given:** name, nationality" in details
    assert "souza" not in details.lower() and "carlos" not in details.lower()


def test_a_notice_lifetime_and_a_delivery_say_what_they_follow() -> None:
    published = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    notice = operator_view.notice_started("N-FR-abc", "R-FR-abc", NoticeKind.RED_NOTICE, "FR", published)
    assert notice.summary == "Red Notice N-FR-abc from NCB FR: lifetime"
    assert "**Request:** R-FR-abc" in notice.details and "**Published:** 2026-11-29T10:00:00+00:00" in notice.details
    delivery = operator_view.delivery_started("N-FR-abc/g0/msg/4")
    assert delivery.summary == "deliver message N-FR-abc/g0/msg/4"
    assert "**For notice:** N-FR-abc" in delivery.details


async def test_details_follow_the_case_when_it_moves(stack: Stack) -> None:
    request_id, _ = await stack.submit("red-notice-fraud.json")
    await stack.reaches(request_id, "FR", "legal_assessment")
    handle = stack.client.get_workflow_handle(workflow_id_for(request_id))

    async def details() -> str:
        metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        return metadata.current_details

    assert "**Stage:** legal_assessment" in await details()
    assert "**Review due:** " in await details()
    asked = await stack.call(
        "reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/info-requests",
        json={"question": "Is the warrant still valid?", "due_days": 10},
    )
    assert asked.status_code == 200, asked.text

    async def moved() -> str | None:
        text = await details()
        return text if "**Stage:** awaiting_clarification" in text else None

    text = await eventually(moved, "the details to show the new stage")
    assert "**Awaiting** clarification IR-1 from FR" in text
    assert "**Last action:** stage:awaiting_clarification by legal.ana at " in text
