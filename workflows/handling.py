"""How a long-running workflow takes the messages that reach it, written once for both of them.

One message at a time (a lock), its pure checks in the update's validator, its effect applied by the
handler, a refusal recorded on the workflow and answered by type. Signals (the Temporal UI's path)
take any JSON object and validate it here, so a malformed one is recorded as refused, naming the
field, instead of being dropped by the SDK. The main routine waits for a change or for its next
deadline with ``_wait_for_change``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from models.activities import MessageKind, OutboxMessage
    from models.case import AnyMessage, CaseState, Message, RejectedMessage, TimelineEvent
    from models.notice import PublishedNoticeState
    from workflows.checks import Refused
    from workflows.steps import (
        MESSAGES_SENT_TOGETHER,
        language_groups,
        send_in_languages,
        send_message,
        send_messages,
        working_languages,
    )

M = TypeVar("M", bound=Message)


def parse_signal(raw: AnyMessage, model: type[M]) -> M:
    """A signal's payload as its message; ``Refused("InvalidInput")`` naming each bad field otherwise."""
    try:
        return model.model_validate(raw.model_dump())
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}" for problem in error.errors()
        )
        raise Refused("InvalidInput", f"The {model.__name__} message is not valid: {problems}.") from None


def signal_actor(raw: AnyMessage) -> str:
    """Who sent a signal, as far as its payload says: recorded with its effect or its refusal."""
    if not isinstance(raw, AnyMessage):
        return "unknown"
    fields = raw.model_dump()
    if fields.get("reviewer_id"):
        return str(fields["reviewer_id"])
    if fields.get("ncb"):
        return "ncb:" + str(fields["ncb"]).upper()
    return "unknown"


def present(message: object, model: type[AnyMessage] = Message) -> None:
    """A message is there: a JSON ``null`` reaches a handler as None (Temporal's null payload is decoded
    whatever the type), which the handler would trip on, failing the workflow task again and again."""
    if not isinstance(message, model):
        raise Refused("InvalidInput", "The message is empty: send a JSON object with the message's fields.")


def within_limits(message: Message) -> None:
    """A new message's texts within the limits the API holds them to (``models.request.LIMITS``: a
    statement of at most 4,000 characters, no control character but line breaks and tabs), for an update
    sent straight to Temporal. The validator's alone: it never runs on replay, so a message accepted
    before replays as it ran."""
    context = {"today": workflow.now().date(), "plain_text": True}
    try:
        type(message).model_validate(message.model_dump(), context=context)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}" for problem in error.errors()
        )
        raise Refused("InvalidInput", f"The {type(message).__name__} message is not valid: {problems}.") from None


def validated(message: object, check: Callable[[], object]) -> None:
    """Run a pure check in an update's validator: a refusal rejects the update before it is accepted,
    so nothing of it reaches the history. An update sent with no message (``null``), or with a text over
    its limit, is refused first."""
    try:
        present(message)
        if isinstance(message, Message):
            within_limits(message)
        check()
    except Refused as refusal:
        raise refusal.as_error() from None


S = TypeVar("S", CaseState, PublishedNoticeState)


class MessageHandling(Generic[S]):
    """The handler machinery both workflows mix in; each says how it records an event."""

    state: S

    def _start_handling(self) -> None:
        self._lock = asyncio.Lock()
        self._changed = False

    async def _ready(self) -> None:
        """Wait until the workflow can take a message (the request workflow: once it is registered)."""

    def _handled(self) -> None:
        """A message was handled: wake the main routine."""
        self._changed = True

    def _work_pending(self) -> bool:
        """Something a handler recorded that the main routine is still to act on: it does not wait then,
        even if the message arrived while it was busy (before its wait began)."""
        return False

    async def _record_event(self, action: str, actor: str, detail: str) -> None:
        """In the workflow's timeline and the registry's audit trail."""
        raise NotImplementedError

    def _message(self, kind: MessageKind, to: list[str], subject: str, body: str) -> OutboxMessage:
        """A message to NCBs (or the NDTF) the workflow causes, under a key of its own."""
        return OutboxMessage(
            message_key=self.state.next_id("msg"),
            kind=kind,
            to_ncbs=to,
            subject=subject,
            body=body,
            created_at=workflow.now(),
            request_id=self.state.request_id,
            notice_id=self.state.notice_id,
        )

    async def _send(self, kind: MessageKind, to: list[str], subject: str, body: str) -> str:
        """One message, queued and its delivery started; its key."""
        message = self._message(kind, to, subject, body)
        if workflow.patched(MESSAGES_SENT_TOGETHER):
            await send_messages([message])
        else:
            await send_message(message)
        return message.message_key

    async def _tell(
        self, kind: MessageKind, to: list[str], compose: Callable[[str], tuple[str, str]]
    ) -> list[tuple[str, str]]:
        """A message to these NCBs, each written to in its working language (read through an activity)."""
        return await self._tell_in(kind, to, await working_languages(to), compose)

    async def _tell_in(
        self,
        kind: MessageKind,
        to: list[str],
        languages: dict[str, str] | None,
        compose: Callable[[str], tuple[str, str]],
    ) -> list[tuple[str, str]]:
        """One message per language among the recipients, each its own outbox message and delivery,
        all sent by one activity; a history from before the languages sent one in English to them all.
        The (key, subject) of each message sent."""
        if workflow.patched(MESSAGES_SENT_TOGETHER):
            messages = [
                self._message(kind, group, *compose(language)) for language, group in language_groups(to, languages)
            ]
            await send_messages(messages)
            return [(message.message_key, message.subject) for message in messages]

        async def send(group: list[str], subject: str, body: str) -> str:
            return await self._send(kind, group, subject, body)

        return await send_in_languages(send, to, languages, compose)

    def _note(self, actor: str, event: str, detail: str) -> None:
        self.state.timeline.append(TimelineEvent(at=workflow.now(), actor=actor, event=event, detail=detail))

    async def _record_refusal(self, message: str, actor: str, reason: str) -> None:
        self.state.rejected.append(RejectedMessage(at=workflow.now(), actor=actor, message=message, reason=reason))
        await self._record_event(f"refused:{message}", actor, reason)

    async def _apply(self, message: str, actor: str, apply: Callable[[], Awaitable[str]]) -> str:
        """An accepted update: its effect, or its refusal recorded and raised by type."""
        await self._ready()
        async with self._lock:
            try:
                detail = await apply()
            except Refused as refusal:
                await self._record_refusal(message, actor, refusal.reason)
                raise refusal.as_error() from None
        self._handled()
        return detail

    async def _apply_signal(
        self, message: str, raw: AnyMessage, model: type[M], apply: Callable[[M], Awaitable[str]]
    ) -> None:
        """A signal: validated, then applied; a refusal is recorded (a signal has no one to answer)."""
        await self._ready()
        async with self._lock:
            try:
                present(raw, AnyMessage)
                await apply(parse_signal(raw, model))
            except Refused as refusal:
                await self._record_refusal(message, signal_actor(raw), refusal.reason)
        self._handled()

    async def _wait_for_change(self, deadline: datetime | None, summary: str) -> bool:
        """Wait for a message to change the state, or for the deadline; False when the deadline passed."""
        self._changed = False
        if self._work_pending():
            return True
        if deadline is None:
            await workflow.wait_condition(lambda: self._changed)
            return True
        remaining = deadline - workflow.now()
        if remaining <= timedelta(0):
            return False
        try:
            await workflow.wait_condition(lambda: self._changed, timeout=remaining, timeout_summary=summary)
            return True
        except TimeoutError:
            return False
