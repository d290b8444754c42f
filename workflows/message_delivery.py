"""One short workflow per message to NCBs: delivery is retried on its own schedule, so a mail server
that is down never holds a case back, and operators see each message's delivery in the UI."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    import workflows.texts as texts
    from activities.mail import MailActivities
    from models.activities import DeliverMessageInput, MessageDelivered


@workflow.defn
class MessageDeliveryWorkflow:
    @workflow.run
    async def run(self, message_key: str) -> MessageDelivered:
        workflow.set_current_details(texts.delivery_details(message_key, None))
        delivered = await workflow.execute_activity_method(
            MailActivities.deliver_message,
            DeliverMessageInput(message_key=message_key),
            start_to_close_timeout=timedelta(minutes=10),
            heartbeat_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=5),
                backoff_coefficient=2.0,
                maximum_interval=timedelta(hours=1),
            ),
            summary="deliver over SMTP",
        )
        workflow.set_current_details(texts.delivery_details(message_key, len(delivered.delivered_to)))
        return delivered
