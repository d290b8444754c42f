"""One workflow per published notice, for its whole lifetime: validity and renewal, temporary blocks,
cancellation, and the instruction to every member NCB to update its national database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # `import a.b as b`, not `from a import b`: the sandbox passes a submodule of the workflows'
    # own package through only when it is named in full.
    import runtime.search_attributes as sa
    import workflows.checks as checks
    import workflows.deadlines as deadlines
    import workflows.texts as texts
    from activities.registry import RegistryActivities
    from models.activities import NDTF_RECIPIENT, AcknowledgementInput, MessageKind, NoticeStatusChange
    from models.case import AnyMessage
    from models.notice import (
        AcknowledgementSent,
        AckReport,
        Instruction,
        InstructionKind,
        NoticeAction,
        NoticeActionAccepted,
        NoticeStatus,
        PublishedNoticeInput,
        PublishedNoticeState,
        RenewalRequested,
    )
    from models.request import NoticeKind
    from models.rescreen import ReferenceAlert, ReferenceDataMatched, untaken
    from workflows.checks import ENDED
    from workflows.deadlines import LIVE
    from workflows.handling import MessageHandling, validated
    from workflows.policy import (
        ACK_DEADLINE,
        ACK_REMINDER_AFTER,
        NOTICE_EVENTS_BEFORE_CONTINUE_AS_NEW,
        RENEWAL_REMINDER_BEFORE,
        ReviewerAction,
        validity_end,
    )
    from workflows.steps import (
        DB_TIMEOUT,
        RETRY,
        check_reviewer,
        members_and_languages,
    )

REFERENCE_RESCREEN = "reference-data-rescreen"
"""Patch: a notice takes the re-screening signal (``reference_data_matched``)."""


@workflow.defn
class PublishedNoticeWorkflow(MessageHandling[PublishedNoticeState]):
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
        self._start_handling()
        self._handled_count = 0
        self._handled_limit = input.continue_as_new_after or NOTICE_EVENTS_BEFORE_CONTINUE_AS_NEW

    @workflow.run
    async def run(self, input: PublishedNoticeInput) -> PublishedNoticeState:
        self._publish_progress()
        while True:
            await self._act_on_due_timers()
            open_instructions = any(i.awaited for i in self.state.instructions)
            if self.state.status in ENDED and not open_instructions:
                break
            if self._handled_count >= self._handled_limit or workflow.info().is_continue_as_new_suggested():
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
            await self._wait_for_change(
                deadlines.next_notice_timer(self.state), deadlines.next_notice_timer_summary(self.state)
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    # --- what reaches the notice: an update for the clients, a signal twin for the Temporal UI ------

    @workflow.update
    async def block(self, input: NoticeAction) -> NoticeActionAccepted:
        return await self._answer("block", input.reviewer_id, lambda: self._block(input))

    @block.validator
    def _validate_block(self, input: NoticeAction) -> None:
        validated(input, lambda: checks.block(self.state, input, workflow.now()))

    @workflow.signal
    async def block_requested(self, input: AnyMessage) -> None:
        await self._apply_signal("block", input, NoticeAction, self._block)

    @workflow.update
    async def unblock(self, input: NoticeAction) -> NoticeActionAccepted:
        return await self._answer("unblock", input.reviewer_id, lambda: self._unblock(input))

    @unblock.validator
    def _validate_unblock(self, input: NoticeAction) -> None:
        validated(input, lambda: checks.unblock(self.state, input))

    @workflow.signal
    async def unblock_requested(self, input: AnyMessage) -> None:
        await self._apply_signal("unblock", input, NoticeAction, self._unblock)

    @workflow.update
    async def cancel(self, input: NoticeAction) -> NoticeActionAccepted:
        return await self._answer("cancel", input.reviewer_id, lambda: self._cancel(input))

    @cancel.validator
    def _validate_cancel(self, input: NoticeAction) -> None:
        validated(input, lambda: checks.cancel(self.state, input))

    @workflow.signal
    async def cancel_requested(self, input: AnyMessage) -> None:
        await self._apply_signal("cancel", input, NoticeAction, self._cancel)

    @workflow.update
    async def renew(self, input: RenewalRequested) -> NoticeActionAccepted:
        return await self._answer("renew", "ncb:" + input.ncb, lambda: self._renew(input))

    @renew.validator
    def _validate_renew(self, input: RenewalRequested) -> None:
        validated(input, lambda: checks.renew(self.state, input, workflow.now()))

    @workflow.update
    async def acknowledge(self, input: AcknowledgementSent) -> NoticeActionAccepted:
        return await self._answer("acknowledge", "ncb:" + input.ncb, lambda: self._acknowledge(input))

    @acknowledge.validator
    def _validate_acknowledge(self, input: AcknowledgementSent) -> None:
        validated(input, lambda: checks.acknowledge(self.state, input))

    @workflow.signal
    async def acknowledged(self, input: AnyMessage) -> None:
        await self._apply_signal("acknowledge", input, AcknowledgementSent, self._acknowledge)

    @workflow.signal
    async def reference_data_matched(self, input: ReferenceDataMatched) -> None:
        """Re-screening (``RescreenWorkflow``) found the subject on entries a reference load added or
        changed: recorded, and the NDTF told, which may block the notice (never done here)."""
        if not workflow.patched(REFERENCE_RESCREEN):
            return
        async with self._lock:
            await self._take_reference_matches(input)
        self._handled()

    @workflow.query
    def notice(self) -> PublishedNoticeState:
        return self.state

    @workflow.query
    def acks(self) -> AckReport:
        return AckReport(notice_id=self.state.notice_id, instructions=self.state.instructions)

    # --- handlers: check, then act ----------------------------------------------------------------

    async def _block(self, input: NoticeAction) -> str:
        checks.block(self.state, input, workflow.now())
        await check_reviewer(input.reviewer_id, ReviewerAction.BLOCK)
        self.state.blocked_until = input.until
        await self._change(NoticeStatus.BLOCKED, input.reviewer_id, input.reason)
        await self._instruct(InstructionKind.BLOCK, input.reason)
        until = f" until {input.until.isoformat()}" if input.until else ""
        return f"notice blocked{until}; all NCBs instructed to update their national databases"

    async def _unblock(self, input: NoticeAction) -> str:
        checks.unblock(self.state, input)
        await check_reviewer(input.reviewer_id, ReviewerAction.UNBLOCK)
        await self._lift_block(input.reviewer_id, input.reason)
        return "block lifted; the notice is visible again"

    async def _cancel(self, input: NoticeAction) -> str:
        checks.cancel(self.state, input)
        await check_reviewer(input.reviewer_id, ReviewerAction.CANCEL)
        self.state.blocked_until = None
        await self._change(NoticeStatus.CANCELLED, input.reviewer_id, input.reason)
        self._supersede("notice cancelled")
        await self._instruct(InstructionKind.CANCEL, input.reason)
        return "notice cancelled; all NCBs instructed to update their national databases"

    async def _renew(self, input: RenewalRequested) -> str:
        checks.renew(self.state, input, workflow.now())
        assert self.state.expires_at is not None
        self.state.expires_at = validity_end(self.state.expires_at)
        self.state.renewals += 1
        self.state.renewal_reminded = False
        await self._record_event("renewed", "ncb:" + input.ncb.upper(), input.reason)
        return f"validity extended to {self.state.expires_at.date().isoformat()}"

    async def _acknowledge(self, input: AcknowledgementSent) -> str:
        instruction = checks.acknowledge(self.state, input)
        ncb = input.ncb.upper()
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

    async def _answer(self, message: str, actor: str, apply: Callable[[], Awaitable[str]]) -> NoticeActionAccepted:
        detail = await self._apply(message, actor, apply)
        return NoticeActionAccepted(notice_id=self.state.notice_id, status=self.state.status, detail=detail)

    async def _take_reference_matches(self, input: ReferenceDataMatched) -> None:
        """Each entry once (by its key); a notice that has ended only keeps the record."""
        fresh = untaken(input.matched, [alert.alert_key for alert in self.state.reference_alerts])
        if not fresh:
            return
        now = workflow.now()
        self.state.reference_alerts.extend(
            ReferenceAlert(alert_key=m.alert_key, finding=m.finding, at=now, version=input.version) for m in fresh
        )
        rules = ", ".join(sorted({m.finding.rule_id for m in fresh}))
        if self.state.status in ENDED:
            self._note("system", "reference_data_match", f"{input.kind.value} v{input.version}: {rules} (notice ended)")
            return
        await self._record_event(
            "reference_data_match", "system", f"{input.kind.value} v{input.version}: {rules}; NDTF alerted"
        )
        await self._send(
            MessageKind.REFERENCE_DATA_ALERT,
            [NDTF_RECIPIENT],
            *texts.notice_reference_alert(self.state, [m.finding for m in fresh]),
        )

    def _handled(self) -> None:
        super()._handled()
        self._handled_count += 1

    # --- deadlines -----------------------------------------------------------------------------

    async def _act_on_due_timers(self) -> None:
        async with self._lock:
            now = workflow.now()
            state = self.state
            if state.status is NoticeStatus.BLOCKED and state.blocked_until and now >= state.blocked_until:
                await self._lift_block("system", "temporary block ended")
            if state.status in LIVE and state.expires_at and now >= state.expires_at:
                await self._change(NoticeStatus.EXPIRED, "system", "validity period ended without renewal")
                members, languages = await members_and_languages()
                await self._tell_in(MessageKind.EXPIRY_NOTICE, members, languages, partial(texts.expiry, state))
            elif (
                state.status in LIVE
                and state.expires_at
                and not state.renewal_reminded
                and now >= state.expires_at - RENEWAL_REMINDER_BEFORE
            ):
                state.renewal_reminded = True
                await self._tell(
                    MessageKind.RENEWAL_REMINDER, [state.requesting_ncb], partial(texts.renewal_reminder, state)
                )
                self._note("system", "renewal_reminder", "renewal reminder sent")
            for instruction in state.instructions:
                if not instruction.awaited:
                    continue
                if now >= instruction.due_at:
                    await self._escalate(instruction)
                elif not instruction.reminded and now >= instruction.issued_at + ACK_REMINDER_AFTER:
                    instruction.reminded = True
                    await self._tell(
                        MessageKind.ACK_REMINDER,
                        list(instruction.pending),
                        partial(texts.ack_reminder, state, instruction),
                    )
                    self._note("system", "ack_reminder", f"{len(instruction.pending)} NCBs reminded")
            self._publish_progress()

    # --- what the notice causes -------------------------------------------------------------------

    async def _escalate(self, instruction: Instruction) -> None:
        instruction.escalated = True
        silent = sorted(instruction.pending)
        await self._record_event(
            "ack_escalation", "system", f"{len(silent)} NCBs silent on {instruction.instruction_key}; NDTF alerted"
        )
        await self._send(
            MessageKind.ACK_ESCALATION, [NDTF_RECIPIENT], *texts.ack_escalation(self.state, instruction, silent)
        )

    async def _lift_block(self, actor: str, reason: str) -> None:
        self.state.blocked_until = None
        await self._change(NoticeStatus.PUBLISHED, actor, reason)
        self._supersede("block lifted")
        members, languages = await members_and_languages()
        await self._tell_in(
            MessageKind.UNBLOCK_NOTICE, members, languages, partial(texts.block_lifted, self.state, reason)
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
        members, languages = await members_and_languages()
        instruction = Instruction(
            instruction_key=self.state.next_id(f"instruction-{kind.value}"),
            kind=kind,
            issued_at=now,
            due_at=now + ACK_DEADLINE,
            pending=list(members),
        )
        self.state.instructions.append(instruction)
        await self._tell_in(
            MessageKind.BLOCK_INSTRUCTION if kind is InstructionKind.BLOCK else MessageKind.CANCEL_INSTRUCTION,
            members,
            languages,
            partial(texts.instruction, self.state, instruction, reason),
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

    def _publish_progress(self) -> None:
        deadline = deadlines.next_notice_timer(self.state)
        workflow.upsert_search_attributes(
            [
                sa.NOTICE_KIND.value_set(self.state.kind.value),
                sa.REQUESTING_NCB.value_set(self.state.requesting_ncb),
                sa.REVIEW_STAGE.value_set(self.state.status.value),
                sa.NEXT_DEADLINE.value_set(deadline) if deadline else sa.NEXT_DEADLINE.value_unset(),
            ]
        )
        workflow.set_current_details(texts.notice_details(self.state))
