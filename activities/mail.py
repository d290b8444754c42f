"""Delivery of outbox messages to NCB mailboxes over SMTP.

At most once per (message, NCB) as far as this side can know: a delivery row is marked delivered in
its own transaction right after the SMTP server accepted it, and a retried activity skips rows already
marked. The one window left, a crash between the server's acceptance and that commit, resends the
same mail with the same ``Message-ID`` (derived from message key and NCB), so the receiving side can
recognise it as a duplicate. Logs carry message keys and NCB codes, never subjects or bodies.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import smtplib
import unicodedata
from datetime import UTC, datetime
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import select, update
from temporalio import activity
from temporalio.exceptions import ApplicationError

from models.activities import DeliverMessageInput, MessageDelivered
from registry.audit import append_audit
from registry.database import Database
from registry.tables import OutboxDeliveryRow, OutboxRow
from runtime.config import Settings

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30.0


def one_line(value: str) -> str:
    """A header's value on one line: each line break or other control character becomes a space, so no
    text (a subject quoting a reference, an address) can end its header and start another."""
    return "".join(" " if char in "\r\n\u2028\u2029" or unicodedata.category(char) == "Cc" else char for char in value)


def smtp_message_id(message_key: str, ncb: str, domain: str) -> str:
    """The same Message-ID every time this message goes to this NCB, so a resend is recognisable."""
    digest = hashlib.sha256(f"{message_key}\n{ncb.upper()}".encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


DELIVERY_BATCH = 50
"""Deliveries marked per transaction."""


class MailActivities:
    """Sends queued outbox messages; one instance per worker."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.domain = settings.mail_from.rpartition("@")[2] or "localhost"

    @activity.defn
    async def deliver_message(self, input: DeliverMessageInput) -> MessageDelivered:
        """Send a message to each recipient NCB not yet served; raise (to be retried) if any failed."""
        async with self.db.transaction() as session:
            message = await session.get(OutboxRow, input.message_key)
            if message is None:
                raise ApplicationError(
                    f"message {input.message_key} is not in the outbox", type="UnknownMessage", non_retryable=True
                )
            deliveries = list(
                await session.scalars(
                    select(OutboxDeliveryRow)
                    .where(OutboxDeliveryRow.message_key == input.message_key)
                    .order_by(OutboxDeliveryRow.id)
                )
            )
        result = MessageDelivered(message_key=input.message_key)
        pending = []
        for delivery in deliveries:
            if delivery.status == "delivered":
                result.already_delivered.append(delivery.ncb)
            else:
                pending.append(delivery)
        if not pending:
            return result

        failed: list[str] = []
        smtp: smtplib.SMTP | None = None
        try:
            smtp = await asyncio.to_thread(self._connect)
        except (OSError, smtplib.SMTPException) as error:
            for delivery in pending:
                await self._record_failure(delivery, error)
            failed = [delivery.ncb for delivery in pending]
        else:
            try:
                for start in range(0, len(pending), DELIVERY_BATCH):
                    sent: list[tuple[OutboxDeliveryRow, str]] = []
                    for delivery in pending[start : start + DELIVERY_BATCH]:
                        try:
                            email = self._email(message, delivery)
                            # the envelope goes to this delivery's address alone, never to what a header says
                            await asyncio.to_thread(smtp.send_message, email, to_addrs=[delivery.address])
                        except (OSError, smtplib.SMTPException, ValueError, MessageError) as error:
                            # a malformed address fails its own delivery (recorded, retried), not the others
                            await self._record_failure(delivery, error)
                            failed.append(delivery.ncb)
                            continue
                        sent.append((delivery, email["Message-ID"]))
                    for delivery, fresh in zip(
                        [d for d, _ in sent], await self._record_deliveries(sent), strict=True
                    ):
                        (result.delivered_to if fresh else result.already_delivered).append(delivery.ncb)
                    if activity.in_activity():
                        activity.heartbeat(len(result.delivered_to))
            finally:
                await asyncio.to_thread(_quit, smtp)
        if failed:
            raise ApplicationError(
                f"message {input.message_key}: delivery failed to {', '.join(failed)}"
                f" (delivered to {', '.join(result.delivered_to) or 'none'}); will retry",
                type="MailDeliveryFailed",
            )
        logger.info("message %s delivered to %s", input.message_key, ", ".join(result.delivered_to))
        return result

    def _connect(self) -> smtplib.SMTP:
        return smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)

    def _email(self, message: OutboxRow, delivery: OutboxDeliveryRow) -> EmailMessage:
        email = EmailMessage()
        email["From"] = one_line(self.settings.mail_from)
        email["To"] = one_line(delivery.address)
        email["Subject"] = one_line(message.subject)
        email["Date"] = format_datetime(message.created_at.astimezone(UTC))
        email["Message-ID"] = smtp_message_id(message.message_key, delivery.ncb, self.domain)
        email["X-NDTF-Message-Key"] = one_line(message.message_key)
        email["X-NDTF-Message-Kind"] = one_line(message.kind)
        email.set_content(message.body)
        return email

    async def _record_deliveries(self, sent: list[tuple[OutboxDeliveryRow, str]]) -> list[bool]:
        """Mark a batch delivered and audit each, in one transaction; False where another attempt
        marked it first. Batches keep a broadcast to every member NCB to a few transactions."""
        now = datetime.now(UTC)
        fresh: list[bool] = []
        if not sent:
            return fresh
        async with self.db.transaction() as session:
            for delivery, message_id in sent:
                marked = await session.execute(
                    update(OutboxDeliveryRow)
                    .where(OutboxDeliveryRow.id == delivery.id, OutboxDeliveryRow.status != "delivered")
                    .values(
                        status="delivered",
                        attempts=OutboxDeliveryRow.attempts + 1,
                        smtp_message_id=message_id,
                        delivered_at=now,
                        last_error=None,
                    )
                    .returning(OutboxDeliveryRow.id)
                )
                if marked.first() is None:
                    fresh.append(False)
                    continue
                fresh.append(True)
                await append_audit(
                    session,
                    event_key=f"delivered:{delivery.message_key}:{delivery.ncb}",
                    actor="mail",
                    action="message_delivered",
                    subject_type="message",
                    subject_id=delivery.message_key,
                    at=now,
                    detail={"ncb": delivery.ncb, "smtp_message_id": message_id},
                )
        logger.info("message %s accepted for %d NCBs", sent[0][0].message_key, sum(fresh))
        return fresh

    async def _record_failure(self, delivery: OutboxDeliveryRow, error: BaseException) -> None:
        reason = f"{type(error).__name__}: {error}"[:1000]
        async with self.db.transaction() as session:
            await session.execute(
                update(OutboxDeliveryRow)
                .where(OutboxDeliveryRow.id == delivery.id, OutboxDeliveryRow.status != "delivered")
                .values(attempts=OutboxDeliveryRow.attempts + 1, last_error=reason)
            )
        logger.warning(
            "message %s not delivered to NCB %s (%s)", delivery.message_key, delivery.ncb, type(error).__name__
        )


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
