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
import io
import logging
import re
import smtplib
import unicodedata
from datetime import UTC, datetime
from email.errors import MessageError
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import case, select, update
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


PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253}[A-Za-z0-9])?")
"""An address whose header line needs no encoding, folding or quoting (ASCII, no space, no line break)."""

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
                common = self._common_part(message)
                for start in range(0, len(pending), DELIVERY_BATCH):
                    batch = pending[start : start + DELIVERY_BATCH]
                    # one thread hop a batch: the SMTP conversation blocks, the event loop must not
                    outcomes = await asyncio.to_thread(self._send_batch, smtp, message, common, batch)
                    sent: list[tuple[OutboxDeliveryRow, str]] = []
                    for delivery, outcome in zip(batch, outcomes, strict=True):
                        if isinstance(outcome, BaseException):
                            # a malformed address fails its own delivery (recorded, retried), not the others
                            await self._record_failure(delivery, outcome)
                            failed.append(delivery.ncb)
                        else:
                            sent.append((delivery, outcome))
                    for delivery, fresh in zip([d for d, _ in sent], await self._record_deliveries(sent), strict=True):
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
        logger.info("message %s delivered to %d NCBs", input.message_key, len(result.delivered_to))
        return result

    def _connect(self) -> smtplib.SMTP:
        return smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)

    def _email(self, message: OutboxRow, delivery: OutboxDeliveryRow | None) -> EmailMessage:
        """The mail to one recipient; without one, the part every recipient's mail shares."""
        email = EmailMessage()
        email["From"] = one_line(self.settings.mail_from)
        if delivery is not None:
            email["To"] = one_line(delivery.address)
        email["Subject"] = one_line(message.subject)
        email["Date"] = format_datetime(message.created_at.astimezone(UTC))
        if delivery is not None:
            email["Message-ID"] = smtp_message_id(message.message_key, delivery.ncb, self.domain)
        email["X-NDTF-Message-Key"] = one_line(message.message_key)
        email["X-NDTF-Message-Kind"] = one_line(message.kind)
        email.set_content(message.body)
        return email

    def _common_part(self, message: OutboxRow) -> bytes | None:
        """The message as sent, but for its ``To`` and ``Message-ID``, built and serialised once for all
        its recipients (building it for each of 196 NCBs was a fifth of the worker's time); None when
        the sender's address needs SMTPUTF8, which ``send_message`` negotiates per mail."""
        if not self.settings.mail_from.isascii():
            return None
        return _flatten(self._email(message, None))

    def _send_batch(
        self, smtp: smtplib.SMTP, message: OutboxRow, common: bytes | None, batch: list[OutboxDeliveryRow]
    ) -> list[str | BaseException]:
        """Send to each recipient of a batch (in a worker thread); each one's Message-ID, or its error."""
        outcomes: list[str | BaseException] = []
        for delivery in batch:
            try:
                outcomes.append(self._send_one(smtp, message, common, delivery))
            except (OSError, smtplib.SMTPException, ValueError, MessageError) as error:
                outcomes.append(error)
        return outcomes

    def _send_one(
        self, smtp: smtplib.SMTP, message: OutboxRow, common: bytes | None, delivery: OutboxDeliveryRow
    ) -> str:
        """The envelope goes to this delivery's address alone, never to what a header says. A plain
        address (``PLAIN_ADDRESS``: nothing to encode, fold or escape) takes the shared part with its
        own two header lines in front; any other goes through a whole ``EmailMessage`` and
        ``send_message``, whose header classes validate it and which negotiates SMTPUTF8."""
        message_id = smtp_message_id(message.message_key, delivery.ncb, self.domain)
        if common is None or not PLAIN_ADDRESS.fullmatch(delivery.address) or not message_id.isascii():
            email = self._email(message, delivery)
            smtp.send_message(email, to_addrs=[delivery.address])
            return str(email["Message-ID"])
        own = f"To: {delivery.address}\r\nMessage-ID: {message_id}\r\n".encode("ascii")
        smtp.sendmail(self.settings.mail_from, [delivery.address], own + common)
        return message_id

    async def _record_deliveries(self, sent: list[tuple[OutboxDeliveryRow, str]]) -> list[bool]:
        """Mark a batch delivered, one statement, and audit it in one entry naming each NCB and its
        Message-ID, in one transaction; False where another attempt marked it first. A broadcast to
        every member NCB is a few statements, not two per recipient."""
        if not sent:
            return []
        now = datetime.now(UTC)
        message_ids = {delivery.id: message_id for delivery, message_id in sent}
        async with self.db.transaction() as session:
            marked = set(
                await session.scalars(
                    update(OutboxDeliveryRow)
                    .where(OutboxDeliveryRow.id.in_(message_ids), OutboxDeliveryRow.status != "delivered")
                    .values(
                        status="delivered",
                        attempts=OutboxDeliveryRow.attempts + 1,
                        smtp_message_id=case(message_ids, value=OutboxDeliveryRow.id),
                        delivered_at=now,
                        last_error=None,
                    )
                    .returning(OutboxDeliveryRow.id)
                )
            )
            fresh = sorted((delivery.ncb, message_id) for delivery, message_id in sent if delivery.id in marked)
            if fresh:
                key = sent[0][0].message_key
                await append_audit(
                    session,
                    # a row is marked once, so its NCB begins one entry at most: the key is stable
                    event_key=f"delivered:{key}:{fresh[0][0]}+{len(fresh)}",
                    actor="mail",
                    action="message_delivered",
                    subject_type="message",
                    subject_id=key,
                    at=now,
                    detail={"ncbs": [ncb for ncb, _ in fresh], "smtp_message_ids": dict(fresh)},
                )
        logger.info("message %s accepted for %d NCBs", sent[0][0].message_key, len(marked))
        return [delivery.id in marked for delivery, _ in sent]

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


def _flatten(email: EmailMessage) -> bytes:
    """As ``smtplib.SMTP.send_message`` serialises a mail: CRLF line ends, headers folded by the mail's
    policy. A mail without a body ends its headers with the blank line."""
    out = io.BytesIO()
    BytesGenerator(out).flatten(email, linesep="\r\n")
    return out.getvalue()


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
