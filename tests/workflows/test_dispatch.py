"""Starting a delivery or a notice's lifetime from an activity: a retried start finds the first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.dispatch import DispatchActivities
from models.activities import MessageKind, OutboxMessage, SendMessagesInput, StartDeliveryInput
from models.ids import delivery_workflow_id, notice_workflow_id
from models.notice import PublishedNoticeInput
from models.request import NoticeKind
from registry.database import Database
from registry.store import Registry
from registry.tables import AuditEntryRow, OutboxDeliveryRow, OutboxRow
from runtime.config import Settings
from workflows.message_delivery import MessageDeliveryWorkflow
from workflows.published_notice import PublishedNoticeWorkflow


def _dispatch(env: WorkflowEnvironment, db: Database) -> DispatchActivities:
    return DispatchActivities(
        env.client, Registry(db, Settings()), MessageDeliveryWorkflow.run, PublishedNoticeWorkflow.run
    )


async def test_a_delivery_is_started_once_however_often_the_activity_runs(
    time_skipping: WorkflowEnvironment, registry_db: Database
) -> None:
    dispatch = _dispatch(time_skipping, registry_db)
    key = f"R-FR-{uuid.uuid4().hex[:8]}/msg/1"
    first = await ActivityEnvironment().run(dispatch.start_delivery, StartDeliveryInput(message_key=key))
    again = await ActivityEnvironment().run(dispatch.start_delivery, StartDeliveryInput(message_key=key))
    assert (first.started, again.started) == (True, False)
    assert first.workflow_id == again.workflow_id == delivery_workflow_id(key)
    description = await time_skipping.client.get_workflow_handle(first.workflow_id).describe()
    assert description.status is WorkflowExecutionStatus.RUNNING


async def test_a_notice_lifetime_is_started_once(time_skipping: WorkflowEnvironment, registry_db: Database) -> None:
    dispatch = _dispatch(time_skipping, registry_db)
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


async def test_messages_sent_together_are_queued_and_started_once_however_often_the_activity_runs(
    time_skipping: WorkflowEnvironment, registry_db: Database
) -> None:
    """A broadcast's language groups leave in one activity; a retry after a crash queues no message and
    starts no delivery a second time."""
    dispatch = _dispatch(time_skipping, registry_db)
    case = f"R-FR-{uuid.uuid4().hex[:8]}"
    groups = {"en": ["GB", "US"], "fr": ["FR", "BE"], "es": ["ES"]}
    sent = SendMessagesInput(
        messages=[
            OutboxMessage(
                message_key=f"{case}/msg/{n}",
                kind=MessageKind.PUBLICATION,
                to_ncbs=ncbs,
                subject=f"Notice published ({language})",
                body="A notice was published.",
                created_at=datetime(2026, 11, 29, tzinfo=UTC),
                request_id=case,
            )
            for n, (language, ncbs) in enumerate(groups.items(), start=1)
        ]
    )
    first = await ActivityEnvironment().run(dispatch.send_messages, sent)
    again = await ActivityEnvironment().run(dispatch.send_messages, sent)
    keys = [message.message_key for message in sent.messages]
    assert [d.workflow_id for d in first.deliveries] == [delivery_workflow_id(k) for k in keys]
    assert [d.started for d in first.deliveries] == [True, True, True]
    assert [d.started for d in again.deliveries] == [False, False, False]
    async with registry_db.transaction() as session:
        queued = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.message_key.in_(keys))
        )
        recipients = (
            await session.execute(
                select(OutboxDeliveryRow.message_key, OutboxDeliveryRow.ncb).where(
                    OutboxDeliveryRow.message_key.in_(keys)
                )
            )
        ).all()
        audited = await session.scalar(
            select(func.count())
            .select_from(AuditEntryRow)
            .where(AuditEntryRow.action == "message_queued", AuditEntryRow.subject_id.in_(keys))
        )
    assert queued == 3 and audited == 3
    assert sorted(recipients) == sorted(
        (f"{case}/msg/{n}", ncb) for n, ncbs in enumerate(groups.values(), 1) for ncb in ncbs
    )
