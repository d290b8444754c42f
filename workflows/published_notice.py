"""One workflow per published notice, for its whole lifetime: validity and renewal, temporary blocks,
cancellation, and the instruction to every member NCB to update its national database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.registry import RegistryActivities
    from models import search_attributes as sa
    from models.activities import (
        NDTF_RECIPIENT,
        AcknowledgementInput,
        MessageKind,
        NoticeStatus,
        NoticeStatusChange,
        OutboxMessage,
    )
    from models.case import AnyMessage, RejectedMessage, TimelineEvent
    from models.notice import (
        AcknowledgementSent,
        AckReport,
        Instruction,
        InstructionKind,
        NoticeAction,
        NoticeActionAccepted,
        PublishedNoticeInput,
        PublishedNoticeState,
        RenewalRequested,
    )
    from models.request import NoticeKind
    from workflows import texts
    from workflows.common import (
        DB_TIMEOUT,
        RETRY,
        M,
        Refused,
        check_reviewer,
        parse_signal,
        send_message,
        signal_actor,
    )
    from workflows.policy import (
        ACK_DEADLINE,
        ACK_REMINDER_AFTER,
        NOTICE_EVENTS_BEFORE_CONTINUE_AS_NEW,
        RENEWAL_REMINDER_BEFORE,
        ReviewerAction,
        validity_end,
    )

ENDED = frozenset({NoticeStatus.CANCELLED, NoticeStatus.EXPIRED})


@workflow.defn
class PublishedNoticeWorkflow:
    @workflow.init
    def __init__(self, input: PublishedNoticeInput) -> None:
        self.state = input.state or PublishedNoticeState(
            notice_id=input.notice_id,
            request_id=input.request_id,
            kind=input.kind,
            requesting_ncb=input.requesting_ncb,
            published_at=input.published_at,
            expires_at=validity_end(input.published_at) if input.kind is NoticeKind.RED_NOTICE else None,
        )
        self._lock = asyncio.Lock()
        self._changed = False
        self._handled = 0
        self._handled_limit = input.continue_as_new_after or NOTICE_EVENTS_BEFORE_CONTINUE_AS_NEW

    @workflow.run
    async def run(self, input: PublishedNoticeInput) -> PublishedNoticeState:
        self._publish_progress()
        while True:
            await self._act_on_due_timers()
            open_instructions = any(i.awaited for i in self.state.instructions)
            if self.state.status in ENDED and not open_instructions:
                break
            if self._handled >= self._handled_limit or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                self.state.generation += 1
                workflow.continue_as_new(
                    PublishedNoticeInput(
                        notice_id=self.state.notice_id,
                        request_id=self.state.request_id,
                        kind=self.state.kind,
                        requesting_ncb=self.state.requesting_ncb,
                        published_at=self.state.published_at,
                        state=self.state,
                        continue_as_new_after=input.continue_as_new_after,
                    )
                )
            deadline = self._next_timer()
            self._changed = False
            timeout = None if deadline is None else max(deadline - workflow.now(), timedelta(0))
            try:
                await workflow.wait_condition(
                    lambda: self._changed, timeout=timeout, timeout_summary="next notice timer"
                )
            except TimeoutError:
                pass
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    # --- messages -------------------------------------------------------------------------------

    @workflow.update
    async def block(self, input: NoticeAction) -> NoticeActionAccepted:
        return await self._as_update("block", input.reviewer_id, lambda: self._block(input))

    @block.validator
    def _validate_block(self, input: NoticeAction) -> None:
        self._validate_live()

    @workflow.update
    async def unblock(self, input: NoticeAction) -> NoticeActionAccepted:
        return await self._as_update("unblock", input.reviewer_id, lambda: self._unblock(input))

    @unblock.validator
    def _validate_unblock(self, input: NoticeAction) -> None:
        self._validate_live()

    @workflow.update
    async def cancel(self, input: NoticeAction) -> NoticeActionAccepted:
        return await self._as_update("cancel", input.reviewer_id, lambda: self._cancel(input))

    @cancel.validator
    def _validate_cancel(self, input: NoticeAction) -> None:
        self._validate_live()

    @workflow.update
    async def renew(self, input: RenewalRequested) -> NoticeActionAccepted:
        return await self._as_update("renew", "ncb:" + input.ncb, lambda: self._renew(input))

    @renew.validator
    def _validate_renew(self, input: RenewalRequested) -> None:
        self._validate_live()

    @workflow.update
    async def acknowledge(self, input: AcknowledgementSent) -> NoticeActionAccepted:
        return await self._as_update("acknowledge", "ncb:" + input.ncb, lambda: self._acknowledge(input))

    @acknowledge.validator
    def _validate_acknowledge(self, input: AcknowledgementSent) -> None:
        if not any(i.pending for i in self.state.instructions):
            raise ApplicationError("No instruction on this notice awaits confirmation.", type="NothingAwaited")

    @workflow.signal
    async def acknowledged(self, input: AnyMessage) -> None:
        await self._signal("acknowledge", input, AcknowledgementSent, self._acknowledge)

    @workflow.signal
    async def block_requested(self, input: AnyMessage) -> None:
        await self._signal("block", input, NoticeAction, self._block)

    @workflow.signal
    async def unblock_requested(self, input: AnyMessage) -> None:
        await self._signal("unblock", input, NoticeAction, self._unblock)

    @workflow.signal
    async def cancel_requested(self, input: AnyMessage) -> None:
        await self._signal("cancel", input, NoticeAction, self._cancel)

    @workflow.query
    def notice(self) -> PublishedNoticeState:
        return self.state

    @workflow.query
    def acks(self) -> AckReport:
        return AckReport(notice_id=self.state.notice_id, instructions=self.state.instructions)

    # --- handler logic ----------------------------------------------------------------------------

    def _validate_live(self) -> None:
        if self.state.status in ENDED:
            raise ApplicationError(f"The notice is {self.state.status.value}.", type="NoticeEnded")

    async def _as_update(self, message: str, actor: str, apply: Callable[[], Awaitable[str]]) -> NoticeActionAccepted:
        async with self._lock:
            try:
                detail = await apply()
            except Refused as refusal:
                await self._reject(message, actor, refusal.reason)
                raise ApplicationError(refusal.reason, type=refusal.kind, non_retryable=True) from None
        self._changed = True
        self._handled += 1
        return NoticeActionAccepted(notice_id=self.state.notice_id, status=self.state.status, detail=detail)

    async def _signal(
        self, message: str, raw: AnyMessage, model: type[M], apply: Callable[[M], Awaitable[str]]
    ) -> None:
        """A signal: validated here so that a malformed one is recorded as refused too."""
        await self._as_signal(message, signal_actor(raw), lambda: apply(parse_signal(raw, model)))

    async def _as_signal(self, message: str, actor: str, apply: Callable[[], Awaitable[str]]) -> None:
        async with self._lock:
            try:
                await apply()
            except Refused as refusal:
                await self._reject(message, actor, refusal.reason)
        self._changed = True
        self._handled += 1

    async def _block(self, input: NoticeAction) -> str:
        if self.state.status is not NoticeStatus.PUBLISHED:
            raise Refused("WrongStatus", f"Only a published notice can be blocked; it is {self.state.status.value}.")
        if input.until is not None and input.until <= workflow.now():
            raise Refused("InvalidUntil", "The end of a temporary block must be in the future.")
        await check_reviewer(input.reviewer_id, ReviewerAction.BLOCK)
        self.state.blocked_until = input.until
        await self._change(NoticeStatus.BLOCKED, input.reviewer_id, input.reason)
        await self._instruct(InstructionKind.BLOCK, input.reason)
        until = f" until {input.until.isoformat()}" if input.until else ""
        return f"notice blocked{until}; all NCBs instructed to update their national databases"

    async def _unblock(self, input: NoticeAction) -> str:
        if self.state.status is not NoticeStatus.BLOCKED:
            raise Refused("WrongStatus", f"Only a blocked notice can be unblocked; it is {self.state.status.value}.")
        await check_reviewer(input.reviewer_id, ReviewerAction.UNBLOCK)
        await self._lift_block(input.reviewer_id, input.reason)
        return "block lifted; the notice is visible again"

    async def _cancel(self, input: NoticeAction) -> str:
        await check_reviewer(input.reviewer_id, ReviewerAction.CANCEL)
        self.state.blocked_until = None
        await self._change(NoticeStatus.CANCELLED, input.reviewer_id, input.reason)
        self._supersede("notice cancelled")
        await self._instruct(InstructionKind.CANCEL, input.reason)
        return "notice cancelled; all NCBs instructed to update their national databases"

    async def _renew(self, input: RenewalRequested) -> str:
        if input.ncb.upper() != self.state.requesting_ncb:
            raise Refused("NotYourNotice", "Only the requesting NCB can ask for a renewal.")
        if self.state.expires_at is None:
            raise Refused("NoExpiry", "This notice has no validity period to renew.")
        now = workflow.now()
        if now < self.state.expires_at - RENEWAL_REMINDER_BEFORE:
            raise Refused(
                "TooEarly",
                f"A renewal can be asked from {(self.state.expires_at - RENEWAL_REMINDER_BEFORE).date().isoformat()}.",
            )
        self.state.expires_at = validity_end(self.state.expires_at)
        self.state.renewals += 1
        self.state.renewal_reminded = False
        await self._record_event("renewed", "ncb:" + input.ncb.upper(), input.reason)
        return f"validity extended to {self.state.expires_at.date().isoformat()}"

    async def _acknowledge(self, input: AcknowledgementSent) -> str:
        ncb = input.ncb.upper()
        candidates = [i for i in self.state.instructions if ncb in i.pending]
        if input.instruction_key:
            candidates = [i for i in candidates if i.instruction_key == input.instruction_key]
        if not candidates:
            raise Refused("NothingAwaited", f"No instruction on this notice awaits confirmation from NCB {ncb}.")
        instruction = candidates[-1]
        now = workflow.now()
        await workflow.execute_activity_method(
            RegistryActivities.record_acknowledgement,
            AcknowledgementInput(
                event_key=f"{instruction.instruction_key}/ack/{ncb}",
                notice_id=self.state.notice_id,
                instruction_key=instruction.instruction_key,
                ncb=ncb,
                at=now,
            ),
            summary="record an acknowledgement",
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=RETRY,
        )
        instruction.pending.remove(ncb)
        instruction.acknowledged[ncb] = now
        return f"NCB {ncb} confirmed the {instruction.kind.value} instruction"

    # --- acting -----------------------------------------------------------------------------------

    def _next_timer(self) -> datetime | None:
        times: list[datetime] = []
        if self.state.status in (NoticeStatus.PUBLISHED, NoticeStatus.BLOCKED) and self.state.expires_at:
            times.append(self.state.expires_at)
            if not self.state.renewal_reminded:
                times.append(self.state.expires_at - RENEWAL_REMINDER_BEFORE)
        if self.state.status is NoticeStatus.BLOCKED and self.state.blocked_until:
            times.append(self.state.blocked_until)
        for instruction in self.state.instructions:
            if instruction.awaited:
                times.append(instruction.due_at)
                if not instruction.reminded:
                    times.append(instruction.issued_at + ACK_REMINDER_AFTER)
        return min(times) if times else None

    async def _act_on_due_timers(self) -> None:
        async with self._lock:
            now = workflow.now()
            state = self.state
            if state.status is NoticeStatus.BLOCKED and state.blocked_until and now >= state.blocked_until:
                await self._lift_block("system", "temporary block ended")
            live = state.status in (NoticeStatus.PUBLISHED, NoticeStatus.BLOCKED)
            if live and state.expires_at and now >= state.expires_at:
                await self._change(NoticeStatus.EXPIRED, "system", "validity period ended without renewal")
                await self._send(
                    MessageKind.EXPIRY_NOTICE,
                    texts.member_ncbs(),
                    f"Notice {state.notice_id} expired",
                    f"Notice {state.notice_id} reached the end of its validity and is no longer in force. "
                    "Update your national databases accordingly.",
                )
            elif (
                live
                and state.expires_at
                and not state.renewal_reminded
                and now >= state.expires_at - RENEWAL_REMINDER_BEFORE
            ):
                state.renewal_reminded = True
                await self._send(
                    MessageKind.RENEWAL_REMINDER,
                    [state.requesting_ncb],
                    f"Notice {state.notice_id} expires soon",
                    f"Notice {state.notice_id} expires on {state.expires_at.date().isoformat()}. Ask for its renewal "
                    "with `ncb renew` before then if the person is still sought.",
                )
                self._note("system", "renewal_reminder", "renewal reminder sent")
            for instruction in state.instructions:
                if not instruction.awaited:
                    continue
                if now >= instruction.due_at:
                    instruction.escalated = True
                    silent = sorted(instruction.pending)
                    await self._record_event(
                        "ack_escalation",
                        "system",
                        f"{len(silent)} NCBs silent on {instruction.instruction_key}; NDTF alerted",
                    )
                    await self._send(
                        MessageKind.ACK_ESCALATION,
                        [NDTF_RECIPIENT],
                        f"[ESCALATION] {len(silent)} NCBs have not confirmed the {instruction.kind.value} "
                        f"of notice {state.notice_id}",
                        f"The {instruction.kind.value} instruction {instruction.instruction_key} on notice "
                        f"{state.notice_id} was due on {instruction.due_at.date().isoformat()}. These NCBs have not "
                        f"confirmed that their national databases reflect it: {', '.join(silent)}.\n"
                        f"Follow up with them; `ndtf acks {state.notice_id}` shows the current list.",
                    )
                elif not instruction.reminded and now >= instruction.issued_at + ACK_REMINDER_AFTER:
                    instruction.reminded = True
                    await self._send(
                        MessageKind.ACK_REMINDER,
                        list(instruction.pending),
                        f"Reminder: confirm the update of your national database for notice {state.notice_id}",
                        f"Confirm with `ncb ack {state.notice_id}` that your national databases reflect the "
                        f"{instruction.kind.value} of notice {state.notice_id}.",
                    )
                    self._note("system", "ack_reminder", f"{len(instruction.pending)} NCBs reminded")
            self._publish_progress()

    async def _lift_block(self, actor: str, reason: str) -> None:
        self.state.blocked_until = None
        await self._change(NoticeStatus.PUBLISHED, actor, reason)
        self._supersede("block lifted")
        await self._send(
            MessageKind.UNBLOCK_NOTICE,
            texts.member_ncbs(),
            f"Notice {self.state.notice_id} is visible again",
            f"The block on notice {self.state.notice_id} was lifted: {reason}",
        )

    def _supersede(self, why: str) -> None:
        """Stop chasing confirmations of instructions that no longer apply. Histories from before this
        rule (no marker) replay as they ran, chasing on."""
        if not workflow.patched("supersede-moot-instructions"):
            return
        for instruction in self.state.instructions:
            if instruction.awaited:
                instruction.superseded_by = why

    async def _instruct(self, kind: InstructionKind, reason: str) -> None:
        now = workflow.now()
        key = self.state.next_id(f"instruction-{kind.value}")
        members = [c for c in texts.member_ncbs()]
        self.state.instructions.append(
            Instruction(instruction_key=key, kind=kind, issued_at=now, due_at=now + ACK_DEADLINE, pending=members)
        )
        verb = "blocked" if kind is InstructionKind.BLOCK else "cancelled"
        await self._send(
            MessageKind.BLOCK_INSTRUCTION if kind is InstructionKind.BLOCK else MessageKind.CANCEL_INSTRUCTION,
            members,
            f"[ACTION REQUIRED] Notice {self.state.notice_id} {verb}: update your national database",
            f"The NDTF {verb} notice {self.state.notice_id}. Reason: {reason}\nUpdate your national databases "
            f"accordingly and confirm with `ncb ack {self.state.notice_id}` by {(now + ACK_DEADLINE).date()}.",
        )

    async def _change(self, status: NoticeStatus, actor: str, reason: str) -> None:
        self.state.status = status
        self.state.status_reason = reason
        await self._store(None, actor, reason)
        self._note(actor, f"status:{status.value}", reason)
        self._publish_progress()

    async def _record_event(self, action: str, actor: str, detail: str) -> None:
        """An event that leaves the status as it is (a refusal, a renewal, an escalation): in the
        registry's history and audit trail, and in the timeline."""
        await self._store(action, actor, detail)
        self._note(actor, action, detail)
        self._publish_progress()  # a renewal moves the next deadline

    async def _store(self, action: str | None, actor: str, detail: str) -> None:
        await workflow.execute_activity_method(
            RegistryActivities.change_notice_status,
            NoticeStatusChange(
                event_key=self.state.next_id("status"),
                notice_id=self.state.notice_id,
                status=self.state.status,
                action=action,
                actor=actor,
                reason=detail,
                at=workflow.now(),
                expires_at=self.state.expires_at,
            ),
            summary=action or f"notice {self.state.status.value}",
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=RETRY,
        )

    async def _send(self, kind: MessageKind, to: list[str], subject: str, body: str) -> None:
        await send_message(
            OutboxMessage(
                message_key=self.state.next_id("msg"),
                kind=kind,
                to_ncbs=to,
                subject=subject,
                body=body,
                created_at=workflow.now(),
                request_id=self.state.request_id,
                notice_id=self.state.notice_id,
            )
        )

    async def _reject(self, message: str, actor: str, reason: str) -> None:
        self.state.rejected.append(RejectedMessage(at=workflow.now(), actor=actor, message=message, reason=reason))
        await self._record_event(f"refused:{message}", actor, reason)

    def _note(self, actor: str, event: str, detail: str) -> None:
        self.state.timeline.append(TimelineEvent(at=workflow.now(), actor=actor, event=event, detail=detail))

    def _publish_progress(self) -> None:
        deadline = self._next_timer()
        workflow.upsert_search_attributes(
            [
                sa.NOTICE_KIND.value_set(self.state.kind.value),
                sa.REQUESTING_NCB.value_set(self.state.requesting_ncb),
                sa.REVIEW_STAGE.value_set(self.state.status.value),
                sa.NEXT_DEADLINE.value_set(deadline) if deadline else sa.NEXT_DEADLINE.value_unset(),
            ]
        )
        pending = sum(len(i.pending) for i in self.state.instructions if i.awaited)
        workflow.set_current_details(
            f"**Notice status:** {self.state.status.value}\n\n"
            f"**Expires:** {self.state.expires_at.date().isoformat() if self.state.expires_at else 'no fixed term'}\n\n"
            f"**Acknowledgements awaited:** {pending}"
        )
