"""Starts the workflows a case hands work on to: a message's delivery and a published notice's lifetime.

They are started from an activity rather than as abandoned child workflows. Their lives are their own
(a notice outlives its request by years), and the time-skipping test server stops moving its clock for
good once a parent closes while an abandoned child is still open (temporalio/sdk-java#2392), which
would leave the deadlines of a published notice untestable. Each start is idempotent: the workflow id
is derived from the message or notice, and a second start finds the first.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.types import MethodAsyncSingleParam

from activities.registry import refusing
from models.activities import MessagesSent, SendMessagesInput, StartDeliveryInput, WorkflowStarted
from models.ids import delivery_workflow_id, notice_workflow_id
from models.notice import PublishedNoticeInput
from registry.store import Registry
from runtime import operator_view

DeliveryRun = MethodAsyncSingleParam[Any, str, Any]
NoticeLifetimeRun = MethodAsyncSingleParam[Any, PublishedNoticeInput, Any]


class DispatchActivities:
    """Holds the worker's client, the registry's outbox and the run methods of the workflows it starts
    (handed over by the worker, so this layer never imports the workflows that call it); started
    workflows run on the task queue of the activity."""

    def __init__(
        self, client: Client, registry: Registry, delivery: DeliveryRun, notice_lifetime: NoticeLifetimeRun
    ) -> None:
        self.client = client
        self.registry = registry
        self.delivery = delivery
        self.notice_lifetime = notice_lifetime

    @activity.defn
    async def send_messages(self, input: SendMessagesInput) -> MessagesSent:
        """Queue each message in the outbox, then start its delivery: what ``queue_message`` and
        ``start_delivery`` do, for all of a moment's messages in one activity (a publication's four
        language groups took eight, about 48 history events). Both steps are keyed by the message, so a
        retry finds what the first attempt did."""
        started: list[WorkflowStarted] = []
        for message in input.messages:
            await refusing(self.registry.queue_message(message))
            started.append(await self.start_delivery(StartDeliveryInput(message_key=message.message_key)))
        return MessagesSent(deliveries=started)

    @activity.defn
    async def start_delivery(self, input: StartDeliveryInput) -> WorkflowStarted:
        workflow_id = delivery_workflow_id(input.message_key)
        shown = operator_view.delivery_started(input.message_key)
        return await _started(
            workflow_id,
            self.client.start_workflow(
                self.delivery,
                input.message_key,
                id=workflow_id,
                task_queue=activity.info().task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=shown.summary,
                static_details=shown.details,
            ),
        )

    @activity.defn
    async def start_notice_lifetime(self, input: PublishedNoticeInput) -> WorkflowStarted:
        workflow_id = notice_workflow_id(input.notice_id)
        shown = operator_view.notice_started(
            input.notice_id, input.request_id, input.kind, input.requesting_ncb, input.published_at
        )
        return await _started(
            workflow_id,
            self.client.start_workflow(
                self.notice_lifetime,
                input,
                id=workflow_id,
                task_queue=activity.info().task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=shown.summary,
                static_details=shown.details,
            ),
        )


async def _started(workflow_id: str, start: Awaitable[object]) -> WorkflowStarted:
    """Started now, or found started before (a retried or replayed start)."""
    try:
        await start
    except WorkflowAlreadyStartedError:
        return WorkflowStarted(workflow_id=workflow_id, started=False)
    return WorkflowStarted(workflow_id=workflow_id, started=True)
