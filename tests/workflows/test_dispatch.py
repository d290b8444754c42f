"""Starting a delivery or a notice's lifetime from an activity: a retried start finds the first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.dispatch import DispatchActivities
from models.activities import StartDeliveryInput
from models.ids import delivery_workflow_id, notice_workflow_id
from models.notice import PublishedNoticeInput
from models.request import NoticeKind
from workflows.message_delivery import MessageDeliveryWorkflow
from workflows.published_notice import PublishedNoticeWorkflow


async def test_a_delivery_is_started_once_however_often_the_activity_runs(time_skipping: WorkflowEnvironment) -> None:
    dispatch = DispatchActivities(time_skipping.client, MessageDeliveryWorkflow.run, PublishedNoticeWorkflow.run)
    key = f"R-FR-{uuid.uuid4().hex[:8]}/msg/1"
    first = await ActivityEnvironment().run(dispatch.start_delivery, StartDeliveryInput(message_key=key))
    again = await ActivityEnvironment().run(dispatch.start_delivery, StartDeliveryInput(message_key=key))
    assert (first.started, again.started) == (True, False)
    assert first.workflow_id == again.workflow_id == delivery_workflow_id(key)
    description = await time_skipping.client.get_workflow_handle(first.workflow_id).describe()
    assert description.status is WorkflowExecutionStatus.RUNNING


async def test_a_notice_lifetime_is_started_once(time_skipping: WorkflowEnvironment) -> None:
    dispatch = DispatchActivities(time_skipping.client, MessageDeliveryWorkflow.run, PublishedNoticeWorkflow.run)
    notice_id = f"N-FR-{uuid.uuid4().hex[:16]}"
    lifetime = PublishedNoticeInput(
        notice_id=notice_id,
        request_id="R-" + notice_id.removeprefix("N-"),
        kind=NoticeKind.RED_NOTICE,
        requesting_ncb="FR",
        published_at=datetime(2026, 11, 29, tzinfo=UTC),
    )
    first = await ActivityEnvironment().run(dispatch.start_notice_lifetime, lifetime)
    again = await ActivityEnvironment().run(dispatch.start_notice_lifetime, lifetime)
    assert (first.started, again.started) == (True, False)
    assert first.workflow_id == notice_workflow_id(notice_id)
