"""Starts the workflows a case hands work on to: a message's delivery and a published notice's lifetime.

They are started from an activity rather than as abandoned child workflows. Their lives are their own
(a notice outlives its request by years), and the time-skipping test server stops moving its clock for
good once a parent closes while an abandoned child is still open (temporalio/sdk-java#2392), which
would leave the deadlines of a published notice untestable. Each start is idempotent: the workflow id
is derived from the message or notice, and a second start finds the first.
"""

from __future__ import annotations

from collections.abc import Awaitable

from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from models.activities import StartDeliveryInput, WorkflowStarted
from models.ids import delivery_workflow_id, notice_workflow_id
from models.notice import PublishedNoticeInput


class DispatchActivities:
    """Holds the worker's client; started workflows run on the task queue of the activity."""

    def __init__(self, client: Client) -> None:
        self.client = client

    @activity.defn
    async def start_delivery(self, input: StartDeliveryInput) -> WorkflowStarted:
        # Imported here: the workflow modules import this one for its activities.
        from workflows.message_delivery import MessageDeliveryWorkflow

        workflow_id = delivery_workflow_id(input.message_key)
        return await _started(
            workflow_id,
            self.client.start_workflow(
                MessageDeliveryWorkflow.run,
                input.message_key,
                id=workflow_id,
                task_queue=activity.info().task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            ),
        )

    @activity.defn
    async def start_notice_lifetime(self, input: PublishedNoticeInput) -> WorkflowStarted:
        from workflows.published_notice import PublishedNoticeWorkflow

        workflow_id = notice_workflow_id(input.notice_id)
        return await _started(
            workflow_id,
            self.client.start_workflow(
                PublishedNoticeWorkflow.run,
                input,
                id=workflow_id,
                task_queue=activity.info().task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            ),
        )


async def _started(workflow_id: str, start: Awaitable[object]) -> WorkflowStarted:
    """Started now, or found started before (a retried or replayed start)."""
    try:
        await start
    except WorkflowAlreadyStartedError:
        return WorkflowStarted(workflow_id=workflow_id, started=False)
    return WorkflowStarted(workflow_id=workflow_id, started=True)
