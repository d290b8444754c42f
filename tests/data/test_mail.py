"""Outbox delivery over SMTP: each NCB gets each message once, across retries and server failures."""

from __future__ import annotations

from email import message_from_bytes

import pytest
from sqlalchemy import select
from temporalio.exceptions import ApplicationError

from activities.mail import MailActivities
from activities.registry import RegistryActivities
from models.activities import NDTF_RECIPIENT, DeliverMessageInput, MessageKind, OutboxMessage
from registry.database import Database
from registry.tables import OutboxDeliveryRow
from runtime.config import Settings
from tests.data.conftest import NOW, SmtpServer


async def _queue(db: Database, key: str, ncbs: list[str]) -> None:
    await RegistryActivities(db, Settings()).queue_message(
        OutboxMessage(
            message_key=key,
            kind=MessageKind.PUBLICATION,
            to_ncbs=ncbs,
            subject="Red notice published",
            body="A red notice was published.",
            created_at=NOW,
        )
    )


async def _deliveries(db: Database, key: str) -> dict[str, OutboxDeliveryRow]:
    async with db.transaction() as session:
        rows = await session.scalars(select(OutboxDeliveryRow).where(OutboxDeliveryRow.message_key == key))
        return {row.ncb: row for row in rows}


async def test_each_ncb_receives_the_message_once_even_when_delivery_runs_twice(
    db: Database, smtp_server: SmtpServer, mail_settings: Settings, unique: str
) -> None:
    key = f"msg-{unique}"
    await _queue(db, key, ["DE", "ES"])
    mail = MailActivities(db, mail_settings)

    first = await mail.deliver_message(DeliverMessageInput(message_key=key))
    second = await mail.deliver_message(DeliverMessageInput(message_key=key))

    assert sorted(first.delivered_to) == ["DE", "ES"]
    assert second.delivered_to == [] and sorted(second.already_delivered) == ["DE", "ES"]
    assert sorted(smtp_server.handler.recipients()) == ["ncb.de@ncb.example.org", "ncb.es@ncb.example.org"]
    rows = await _deliveries(db, key)
    assert all(row.status == "delivered" and row.attempts == 1 and row.smtp_message_id for row in rows.values())
    for envelope in smtp_server.handler.received:
        assert isinstance(envelope.content, bytes)
        sent = message_from_bytes(envelope.content)
        ncb = envelope.rcpt_tos[0].partition("@")[0].removeprefix("ncb.").upper()
        assert sent["Message-ID"] == rows[ncb].smtp_message_id
        assert sent["From"] == mail_settings.mail_from


async def test_delivery_refused_once_is_retried_and_still_delivered_once(
    db: Database, smtp_server: SmtpServer, mail_settings: Settings, unique: str
) -> None:
    key = f"msg-{unique}"
    await _queue(db, key, ["DE", "ES"])
    mail = MailActivities(db, mail_settings)
    smtp_server.handler.fail_next = 1

    with pytest.raises(ApplicationError) as failed:
        await mail.deliver_message(DeliverMessageInput(message_key=key))
    assert failed.value.type == "MailDeliveryFailed" and not failed.value.non_retryable
    refused = {ncb: row for ncb, row in (await _deliveries(db, key)).items() if row.status == "pending"}
    assert list(refused) == ["DE"] and refused["DE"].attempts == 1 and "451" in (refused["DE"].last_error or "")

    retried = await mail.deliver_message(DeliverMessageInput(message_key=key))

    assert retried.delivered_to == ["DE"] and retried.already_delivered == ["ES"]
    assert sorted(smtp_server.handler.recipients()) == ["ncb.de@ncb.example.org", "ncb.es@ncb.example.org"]
    assert (await _deliveries(db, key))["DE"].attempts == 2


async def test_unreachable_server_fails_every_pending_delivery_for_a_retry(db: Database, unique: str) -> None:
    key = f"msg-{unique}"
    await _queue(db, key, ["DE"])
    mail = MailActivities(db, Settings(smtp_host="127.0.0.1", smtp_port=1))
    with pytest.raises(ApplicationError):
        await mail.deliver_message(DeliverMessageInput(message_key=key))
    row = (await _deliveries(db, key))["DE"]
    assert row.status == "pending" and row.attempts == 1 and row.last_error


async def test_unknown_message_is_refused_for_good(db: Database, mail_settings: Settings) -> None:
    with pytest.raises(ApplicationError) as refused:
        await MailActivities(db, mail_settings).deliver_message(DeliverMessageInput(message_key="no-such"))
    assert refused.value.non_retryable


async def test_an_escalation_reaches_the_ndtfs_own_mailbox(
    db: Database, smtp_server: SmtpServer, mail_settings: Settings, unique: str
) -> None:
    key = f"msg-{unique}"
    await _queue(db, key, [NDTF_RECIPIENT, "de"])
    delivered = await MailActivities(db, mail_settings).deliver_message(DeliverMessageInput(message_key=key))
    assert sorted(delivered.delivered_to) == ["DE", NDTF_RECIPIENT]
    assert sorted(smtp_server.handler.recipients()) == sorted([mail_settings.ndtf_mailbox, "ncb.de@ncb.example.org"])
