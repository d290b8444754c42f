"""One workflow per Notice or Diffusion request, from registration to publication or denial.

``run`` lists the stages of the process in their order. Handlers check and record what reached the
case; the stages act (screen, message NCBs, publish). Every wait for a person is ``_wait_for`` under
a deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.dispatch import DispatchActivities
    from activities.registry import RegistryActivities
    from activities.screening import ScreeningActivities
    from models import search_attributes as sa
    from models.activities import (
        CaseEvent,
        MessageKind,
        OutboxMessage,
        PublishNoticeInput,
        RegisterRequestInput,
        ScreenRequestInput,
    )
    from models.case import (
        FINAL_STAGES,
        REVIEWER_STAGES,
        ActionAccepted,
        AnyMessage,
        Assessment,
        AssessmentSubmitted,
        AwaitedFromNcb,
        CaseOutcome,
        CaseState,
        CaseView,
        CaseViewer,
        ClarificationReply,
        Decision,
        DecisionOutcome,
        DecisionSubmitted,
        InfoRequest,
        InfoRequested,
        InfoRequestKind,
        InfoRequestStatus,
        MessageSummary,
        NcbCaseView,
        NoticeRequestInput,
        RejectedMessage,
        ReviewConcluded,
        ReviewStage,
        TimelineEvent,
        Verdict,
        WithdrawalRequested,
    )
    from models.findings import Severity
    from models.ids import notice_id_for
    from models.notice import PublishedNoticeInput
    from models.request import InvalidRequest, NoticeKind, merge_amendments
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
        CLARIFICATION_DEADLINE,
        REMINDER_BEFORE_DEADLINE,
        REVIEW_SERVICE_LEVEL,
        ReviewerAction,
    )


SCREENING_TIMEOUT = timedelta(minutes=5)


@workflow.defn
class NoticeRequestWorkflow:
    @workflow.init
    def __init__(self, input: NoticeRequestInput) -> None:
        self.state = input.state or CaseState(
            request_id=input.request_id,
            workflow_id=workflow.info().workflow_id,
            request=input.request,
        )
        self._lock = asyncio.Lock()
        self._changed = False
        self._registered = input.state is not None

    # --- the process ---------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: NoticeRequestInput) -> CaseOutcome:
        if input.state is None:
            await self.register()
            if self.state.request.kind is NoticeKind.WANTED_PERSON_DIFFUSION:
                await self.transmit_diffusion()
            await self.screen()
        while self.state.stage not in FINAL_STAGES:
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    NoticeRequestInput(
                        request_id=self.state.request_id,
                        request=self.state.request,
                        state=self.state,
                    )
                )
            if self.state.stage in (ReviewStage.DETAILED_REVIEW, ReviewStage.AWAITING_CLARIFICATION):
                await self.review_in_detail()
            elif self.state.stage is ReviewStage.LEGAL_ASSESSMENT:
                await self.assess()
            elif self.state.stage is ReviewStage.AWAITING_DECISION:
                await self.decide()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return CaseOutcome(
            request_id=self.state.request_id,
            stage=self.state.stage,
            notice_id=self.state.notice_id,
            reason=self.state.decision.reason if self.state.decision else self.state.withdrawal_reason,
        )

    async def register(self) -> None:
        """Step 1-2: the request is registered and logged, then forwarded to the NDTF."""
        now = workflow.now()
        self.state.registered_at = now
        await workflow.execute_activity_method(
            RegistryActivities.register_request,
            RegisterRequestInput(
                request_id=self.state.request_id,
                workflow_id=self.state.workflow_id,
                request=self.state.request,
                registered_at=now,
            ),
            summary="register the request",
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=RETRY,
        )
        self._registered = True
        self._note("ncb:" + self.state.request.requesting_ncb, "registered", "request registered and logged")
        await self._enter(ReviewStage.INITIAL_SCREENING, "system", "forwarded to the NDTF for screening")

    async def transmit_diffusion(self) -> None:
        """A diffusion reaches its recipients at once, with the explicit warning that review is pending."""
        subject, body = texts.diffusion_transmission(self.state)
        await self._send(MessageKind.DIFFUSION_TRANSMISSION, self.state.request.diffusion_recipients, subject, body)
        self.state.diffusion_transmitted = True

    async def screen(self) -> None:
        """Step 3: automated screening. Missing mandatory data is asked of the NCB at once; any doubt
        sends the case to detailed review; a clean case goes to legal assessment."""
        self.state.screening_rounds += 1
        self.state.rescreen_needed = False
        result = await workflow.execute_activity_method(
            ScreeningActivities.screen_request,
            ScreenRequestInput(
                request_id=self.state.request_id,
                request=self.state.request,
                as_of=workflow.now().date(),
                screening_round=self.state.screening_rounds,
            ),
            summary=f"screening round {self.state.screening_rounds}",
            start_to_close_timeout=SCREENING_TIMEOUT,
            retry_policy=RETRY,
        )
        if self.state.stage in FINAL_STAGES:
            return  # withdrawn while screening ran
        self.state.findings = result.findings
        self.state.risk = result.risk
        counts = {s: sum(1 for f in result.findings if f.severity is s) for s in Severity}
        detail = ", ".join(f"{n} {s.value}" for s, n in counts.items()) + f"; risk {result.risk.value}"
        await self._record("screened", "system", detail, findings=True)
        if self.state.stage in FINAL_STAGES:
            return  # withdrawn while the findings were recorded
        missing = result.missing_items
        if missing:
            question = (
                "Your request lacks data that the Rules on the Processing of Data make mandatory. "
                "Please supply the items listed below, amending the request."
            )
            self._open_info_request(
                asked_by="system",
                kind=InfoRequestKind.CLARIFICATION,
                to_ncb=self.state.request.requesting_ncb,
                question=question,
                due=CLARIFICATION_DEADLINE,
                missing_items=missing,
            )
            await self._enter(ReviewStage.AWAITING_CLARIFICATION, "system", f"{len(missing)} mandatory items missing")
        elif result.doubts:
            await self._enter(ReviewStage.DETAILED_REVIEW, "system", f"{len(result.doubts)} findings need review")
        else:
            await self._enter(ReviewStage.LEGAL_ASSESSMENT, "system", "no doubts from screening")

    async def review_in_detail(self) -> None:
        """Step 4: reviewers ask the NCB or other NCBs for more, under deadlines, until they conclude."""
        stage = self.state.stage
        while self.state.stage is stage:
            await self._send_pending_questions()
            if self.state.rescreen_needed:
                await self._enter(ReviewStage.INITIAL_SCREENING, "system", "amended request screened again")
                await self.screen()
                return
            if self._open_clarification() is None and self.state.stage is ReviewStage.AWAITING_CLARIFICATION:
                await self._enter(ReviewStage.DETAILED_REVIEW, "system", "no clarification awaited")
                return
            if await self._wait_for(lambda: self._changed, self._next_timer()):
                continue
            await self._fire_due_timers()

    async def assess(self) -> None:
        """Step 5: the legal and human-rights assessment, recorded by a reviewer's update or signal."""
        while self.state.stage is ReviewStage.LEGAL_ASSESSMENT:
            await self._send_pending_questions()
            if not await self._wait_for(lambda: self._changed, self._next_timer()):
                await self._fire_due_timers()

    async def decide(self) -> None:
        """Step 6: the decision; on approval the notice is published, on denial the NCB is told why."""
        while self.state.stage is ReviewStage.AWAITING_DECISION and self.state.decision is None:
            if not await self._wait_for(lambda: self._changed, self._next_timer()):
                await self._fire_due_timers()
        decision = self.state.decision
        if decision is None:
            return
        if decision.outcome is DecisionOutcome.APPROVE:
            await self.publish()
        else:
            await self.deny(decision.reason)

    async def publish(self) -> None:
        """Approved: the notice becomes visible and searchable, and every NCB is notified."""
        now = workflow.now()
        notice_id = notice_id_for(self.state.request_id)
        self.state.notice_id = notice_id
        await workflow.execute_activity_method(
            RegistryActivities.publish_notice,
            PublishNoticeInput(
                notice_id=notice_id, request_id=self.state.request_id, request=self.state.request, published_at=now
            ),
            summary="make the notice visible",
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=RETRY,
        )
        await workflow.execute_activity_method(
            DispatchActivities.start_notice_lifetime,
            PublishedNoticeInput(
                notice_id=notice_id,
                request_id=self.state.request_id,
                kind=self.state.request.kind,
                requesting_ncb=self.state.request.requesting_ncb,
                published_at=now,
            ),
            summary="start the notice's lifetime",
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=RETRY,
        )
        subject, body = texts.publication(self.state, notice_id, now)
        await self._send(MessageKind.PUBLICATION, texts.member_ncbs(), subject, body)
        if self.state.diffusion_transmitted:
            subject, body = texts.diffusion_follow_up(self.state, True, "")
            await self._send(MessageKind.DIFFUSION_FOLLOW_UP, self.state.request.diffusion_recipients, subject, body)
        # The stage changes last: "published" means visible and every NCB's notification queued.
        await self._enter(
            ReviewStage.PUBLISHED,
            self.state.decision.decided_by if self.state.decision else "system",
            f"published as {notice_id}",
        )

    async def deny(self, reason: str) -> None:
        self.state.reasons_to_ncb.append(reason)
        subject, body = texts.denial(self.state, reason)
        await self._send(MessageKind.DENIAL, [self.state.request.requesting_ncb], subject, body)
        if self.state.diffusion_transmitted:
            subject, body = texts.diffusion_follow_up(self.state, False, reason)
            await self._send(MessageKind.DIFFUSION_FOLLOW_UP, self.state.request.diffusion_recipients, subject, body)
        await self._enter(
            ReviewStage.DENIED, self.state.decision.decided_by if self.state.decision else "system", "denied"
        )

    # --- what reaches the case: updates for the clients, signals for everyone else -----------------

    @workflow.update
    async def request_info(self, input: InfoRequested) -> ActionAccepted:
        return await self._as_update("request_info", input.reviewer_id, lambda: self._request_info(input))

    @request_info.validator
    def _validate_request_info(self, input: InfoRequested) -> None:
        self._validate_open()

    @workflow.signal
    async def info_requested(self, input: AnyMessage) -> None:
        await self._signal("request_info", input, InfoRequested, self._request_info)

    @workflow.update
    async def reply(self, input: ClarificationReply) -> ActionAccepted:
        return await self._as_update("reply", "ncb:" + input.ncb, lambda: self._reply(input))

    @reply.validator
    def _validate_reply(self, input: ClarificationReply) -> None:
        self._validate_open()

    @workflow.signal
    async def clarification_replied(self, input: AnyMessage) -> None:
        await self._signal("reply", input, ClarificationReply, self._reply)

    @workflow.update
    async def conclude_review(self, input: ReviewConcluded) -> ActionAccepted:
        return await self._as_update("conclude_review", input.reviewer_id, lambda: self._conclude_review(input))

    @conclude_review.validator
    def _validate_conclude_review(self, input: ReviewConcluded) -> None:
        self._validate_open()

    @workflow.signal
    async def review_concluded(self, input: AnyMessage) -> None:
        await self._signal("conclude_review", input, ReviewConcluded, self._conclude_review)

    @workflow.update
    async def assess_case(self, input: AssessmentSubmitted) -> ActionAccepted:
        return await self._as_update("assess", input.reviewer_id, lambda: self._assess(input))

    @assess_case.validator
    def _validate_assess(self, input: AssessmentSubmitted) -> None:
        self._validate_open()

    @workflow.signal
    async def assessment_submitted(self, input: AnyMessage) -> None:
        await self._signal("assess", input, AssessmentSubmitted, self._assess)

    @workflow.update
    async def decide_case(self, input: DecisionSubmitted) -> ActionAccepted:
        return await self._as_update("decide", input.reviewer_id, lambda: self._decide(input))

    @decide_case.validator
    def _validate_decide(self, input: DecisionSubmitted) -> None:
        self._validate_open()

    @workflow.signal
    async def decision_submitted(self, input: AnyMessage) -> None:
        await self._signal("decide", input, DecisionSubmitted, self._decide)

    @workflow.update
    async def withdraw(self, input: WithdrawalRequested) -> ActionAccepted:
        return await self._as_update("withdraw", "ncb:" + input.ncb, lambda: self._withdraw(input))

    @withdraw.validator
    def _validate_withdraw(self, input: WithdrawalRequested) -> None:
        self._validate_open()

    @workflow.signal
    async def withdrawal_requested(self, input: AnyMessage) -> None:
        await self._signal("withdraw", input, WithdrawalRequested, self._withdraw)

    @workflow.query
    def case(self, viewer: CaseViewer) -> CaseView:
        """The whole case for the NDTF; an NCB sees only its own request, without reviewer internals."""
        if viewer.ncb is None:
            return CaseView(viewer="ndtf", case=self.state)
        if viewer.ncb.upper() != self.state.request.requesting_ncb:
            raise ApplicationError("This request belongs to another NCB.", type="NotYourRequest")
        return CaseView(viewer="ncb", ncb_view=self._ncb_view())

    # --- handler logic: check, then record ---------------------------------------------------------

    def _validate_open(self) -> None:
        if self.state.stage in FINAL_STAGES:
            raise ApplicationError(
                f"The case is closed ({self.state.stage.value}); nothing more can be done on it.", type="CaseClosed"
            )

    async def _as_update(self, message: str, actor: str, apply: Callable[[], Awaitable[str]]) -> ActionAccepted:
        await workflow.wait_condition(lambda: self._registered)
        async with self._lock:
            try:
                detail = await apply()
            except Refused as refusal:
                await self._reject(message, actor, refusal.reason)
                raise ApplicationError(refusal.reason, type=refusal.kind, non_retryable=True) from None
        self._changed = True
        info_id = self.state.info_requests[-1].info_request_id if message == "request_info" else None
        return ActionAccepted(
            request_id=self.state.request_id, stage=self.state.stage, detail=str(detail), info_request_id=info_id
        )

    async def _signal(
        self, message: str, raw: AnyMessage, model: type[M], apply: Callable[[M], Awaitable[str]]
    ) -> None:
        """A signal: validated here so that a malformed one is recorded as refused too."""
        await self._as_signal(message, signal_actor(raw), lambda: apply(parse_signal(raw, model)))

    async def _as_signal(self, message: str, actor: str, apply: Callable[[], Awaitable[str]]) -> None:
        await workflow.wait_condition(lambda: self._registered)
        async with self._lock:
            try:
                await apply()
            except Refused as refusal:
                await self._reject(message, actor, refusal.reason)
        self._changed = True

    def _require_stage(self, allowed: set[ReviewStage], action: str) -> None:
        if self.state.stage not in allowed:
            wanted = " or ".join(sorted(s.value for s in allowed))
            raise Refused(
                "WrongStage", f"Cannot {action} while the case is {self.state.stage.value}; it must be {wanted}."
            )

    async def _request_info(self, input: InfoRequested) -> str:
        self._require_stage(
            {ReviewStage.DETAILED_REVIEW, ReviewStage.AWAITING_CLARIFICATION, ReviewStage.LEGAL_ASSESSMENT},
            "ask for information",
        )
        await check_reviewer(input.reviewer_id, ReviewerAction.REQUEST_INFO)
        requesting = self.state.request.requesting_ncb
        to_ncb = (input.to_ncb or requesting).upper()
        kind = InfoRequestKind.CLARIFICATION if to_ncb == requesting else InfoRequestKind.CONSULTATION
        info = self._open_info_request(
            asked_by=input.reviewer_id,
            kind=kind,
            to_ncb=to_ncb,
            question=input.question,
            due=timedelta(days=input.due_days),
        )
        if kind is InfoRequestKind.CLARIFICATION:
            await self._enter(
                ReviewStage.AWAITING_CLARIFICATION, input.reviewer_id, f"{info.info_request_id} to {to_ncb}"
            )
        else:
            if self.state.stage is ReviewStage.LEGAL_ASSESSMENT:
                await self._enter(ReviewStage.DETAILED_REVIEW, input.reviewer_id, f"consulting NCB {to_ncb}")
            await self._record("consultation_requested", input.reviewer_id, f"{info.info_request_id} to {to_ncb}")
        return f"{kind.value} {info.info_request_id} sent to NCB {to_ncb}, due {info.due_at.date().isoformat()}"

    async def _reply(self, input: ClarificationReply) -> str:
        ncb = input.ncb.upper()
        open_requests = self.state.open_info_requests(ncb)
        if input.info_request_id:
            open_requests = [r for r in open_requests if r.info_request_id == input.info_request_id]
        if not open_requests:
            raise Refused("NothingAwaited", f"No request for information to NCB {ncb} is open on this case.")
        info = open_requests[0]
        amended: list[str] = []
        if input.amendments:
            if info.kind is not InfoRequestKind.CLARIFICATION:
                raise Refused("NotYourRequest", "Only the requesting NCB can amend the request.")
            try:
                self.state.request = merge_amendments(self.state.request, input.amendments, workflow.now().date())
            except InvalidRequest as error:
                raise Refused("InvalidAmendment", f"The amendments do not validate: {error}") from None
            amended = sorted(input.amendments)
            self.state.rescreen_needed = True
        info.status = InfoRequestStatus.ANSWERED
        info.answer = input.answer
        info.amended_fields = amended
        info.answered_at = workflow.now()
        detail = f"{info.info_request_id} answered" + (f", amended {', '.join(amended)}" if amended else "")
        await self._record("reply_received", "ncb:" + ncb, detail, amended=bool(amended))
        return detail

    async def _conclude_review(self, input: ReviewConcluded) -> str:
        self._require_stage({ReviewStage.DETAILED_REVIEW}, "conclude the detailed review")
        if self.state.open_info_requests():
            raise Refused(
                "InformationAwaited", "Requests for information are still open; wait for them or their deadline."
            )
        if self.state.rescreen_needed:
            raise Refused("ScreeningPending", "The amended request is being screened again.")
        await check_reviewer(input.reviewer_id, ReviewerAction.CONCLUDE_REVIEW)
        self.state.review_summary = input.summary
        await self._enter(ReviewStage.LEGAL_ASSESSMENT, input.reviewer_id, "detailed review concluded")
        return "detailed review concluded; the case awaits legal assessment"

    async def _assess(self, input: AssessmentSubmitted) -> str:
        self._require_stage({ReviewStage.LEGAL_ASSESSMENT}, "record an assessment")
        await check_reviewer(input.reviewer_id, ReviewerAction.ASSESS)
        self.state.assessment = Assessment(
            assessor=input.reviewer_id,
            verdict=input.verdict,
            basis=input.basis,
            articles=input.articles,
            at=workflow.now(),
        )
        await self._enter(ReviewStage.AWAITING_DECISION, input.reviewer_id, f"assessed {input.verdict.value}")
        return f"assessment recorded: {input.verdict.value}"

    async def _decide(self, input: DecisionSubmitted) -> str:
        self._require_stage({ReviewStage.AWAITING_DECISION}, "decide")
        assessment = self.state.assessment
        if assessment is None:
            raise Refused("AssessmentMissing", "A decision needs a completed legal assessment.")
        if input.reviewer_id == assessment.assessor:
            raise Refused("FourEyes", "The decision must be made by a reviewer other than the assessor.")
        await check_reviewer(input.reviewer_id, ReviewerAction.DECIDE)
        if input.outcome is DecisionOutcome.APPROVE:
            if assessment.verdict is not Verdict.COMPLIANT:
                raise Refused("AssessedNonCompliant", "The legal assessment found the request non-compliant.")
            blocking = [f for f in self.state.findings if f.severity is Severity.BLOCKING]
            if blocking:
                if not input.override_justification:
                    raise Refused(
                        "BlockingFindings",
                        f"{len(blocking)} blocking findings are unresolved ("
                        + ", ".join(sorted({f.rule_id for f in blocking}))
                        + "); approving needs a supervisor's override with its justification.",
                    )
                await check_reviewer(input.reviewer_id, ReviewerAction.OVERRIDE_BLOCKING)
        self.state.decision = Decision(
            decided_by=input.reviewer_id,
            outcome=input.outcome,
            reason=input.reason,
            override_justification=input.override_justification,
            at=workflow.now(),
        )
        decided = "approved" if input.outcome is DecisionOutcome.APPROVE else "denied"
        workflow.upsert_search_attributes([sa.DECISION.value_set(decided)])
        await self._record("decided", input.reviewer_id, decided, decision=decided)
        return f"decision recorded: {decided}"

    async def _withdraw(self, input: WithdrawalRequested) -> str:
        if input.ncb.upper() != self.state.request.requesting_ncb:
            raise Refused("NotYourRequest", "Only the requesting NCB can withdraw its request.")
        if self.state.decision is not None:
            raise Refused("AlreadyDecided", "The request has been decided and can no longer be withdrawn.")
        self.state.withdrawal_reason = input.reason
        for info in self.state.open_info_requests():
            info.status = InfoRequestStatus.ANSWERED
            info.answer = "(request withdrawn)"
        await self._enter(ReviewStage.WITHDRAWN, "ncb:" + input.ncb.upper(), "withdrawn by the NCB")
        if self.state.diffusion_transmitted:
            subject, body = texts.withdrawal(self.state, input.reason)
            await self._send(MessageKind.WITHDRAWAL, self.state.request.diffusion_recipients, subject, body)
        return "request withdrawn"

    # --- waiting, deadlines and records -------------------------------------------------------------

    async def _wait_for(self, condition: Callable[[], bool], deadline: datetime | None) -> bool:
        """Wait for something to reach the case, or for the deadline; False when the deadline passed."""
        self._changed = False
        if deadline is None:
            await workflow.wait_condition(condition)
            return True
        remaining = deadline - workflow.now()
        if remaining <= timedelta(0):
            return False
        try:
            await workflow.wait_condition(condition, timeout=remaining, timeout_summary="next deadline")
            return True
        except TimeoutError:
            return False

    def _next_timer(self) -> datetime | None:
        times: list[datetime] = []
        for info in self.state.open_info_requests():
            times.append(info.due_at)
            if not info.reminded:
                times.append(info.reminder_at)
        if self.state.review_due_at and not self.state.escalated and self.state.stage in REVIEWER_STAGES:
            times.append(self.state.review_due_at)
        return min(times) if times else None

    async def _fire_due_timers(self) -> None:
        async with self._lock:
            now = workflow.now()
            for info in self.state.open_info_requests():
                if now >= info.due_at:
                    info.status = InfoRequestStatus.OVERDUE
                    self.state.overdue = True
                    subject, body = texts.deadline_missed(self.state, info)
                    await self._send(MessageKind.DEADLINE_MISSED, [info.to_ncb], subject, body)
                    await self._record("deadline_missed", "system", f"{info.info_request_id} ({info.to_ncb})")
                elif now >= info.reminder_at and not info.reminded:
                    info.reminded = True
                    subject, body = texts.reminder(self.state, info)
                    await self._send(MessageKind.REMINDER, [info.to_ncb], subject, body)
                    await self._record("reminder_sent", "system", info.info_request_id)
            if (
                self.state.stage in REVIEWER_STAGES
                and self.state.review_due_at
                and not self.state.escalated
                and now >= self.state.review_due_at
            ):
                self.state.escalated = True
                await self._record("escalated", "system", f"waiting in {self.state.stage.value} past the service level")
            if self.state.stage is ReviewStage.AWAITING_CLARIFICATION and self._open_clarification() is None:
                await self._enter(ReviewStage.DETAILED_REVIEW, "system", "clarification deadline passed")

    def _open_clarification(self) -> InfoRequest | None:
        requesting = self.state.request.requesting_ncb
        return next(iter(self.state.open_info_requests(requesting)), None)

    def _open_info_request(
        self,
        *,
        asked_by: str,
        kind: InfoRequestKind,
        to_ncb: str,
        question: str,
        due: timedelta,
        missing_items: list[str] | None = None,
    ) -> InfoRequest:
        now = workflow.now()
        number = sum(1 for _ in self.state.info_requests) + 1
        info = InfoRequest(
            info_request_id=f"IR-{number}",
            kind=kind,
            to_ncb=to_ncb,
            question=question,
            asked_by=asked_by,
            asked_at=now,
            due_at=now + due,
            reminder_at=now + max(due - REMINDER_BEFORE_DEADLINE, due / 2),
            missing_items=missing_items or [],
        )
        self.state.info_requests.append(info)
        return info

    async def _send_pending_questions(self) -> None:
        async with self._lock:
            for info in self.state.info_requests:
                if info.sent or info.status is not InfoRequestStatus.OPEN:
                    continue
                if info.kind is InfoRequestKind.CLARIFICATION:
                    subject, body = texts.clarification_request(self.state, info)
                    kind = MessageKind.CLARIFICATION_REQUEST
                else:
                    subject, body = texts.consultation_request(self.state, info)
                    kind = MessageKind.CONSULTATION_REQUEST
                await self._send(kind, [info.to_ncb], subject, body)
                info.sent = True

    async def _send(self, kind: MessageKind, to: list[str], subject: str, body: str) -> None:
        key = self.state.next_id("msg")
        await send_message(
            OutboxMessage(
                message_key=key,
                kind=kind,
                to_ncbs=to,
                subject=subject,
                body=body,
                created_at=workflow.now(),
                request_id=self.state.request_id,
                notice_id=self.state.notice_id,
            )
        )
        self.state.messages.append(
            MessageSummary(message_key=key, kind=kind.value, to=to, subject=subject, at=workflow.now())
        )

    async def _enter(self, stage: ReviewStage, actor: str, detail: str) -> None:
        """Move the case on; never out of a final stage, which a handler may have reached while the
        main routine awaited an activity."""
        previous = self.state.stage
        if previous in FINAL_STAGES:
            return
        self.state.stage = stage
        if stage in REVIEWER_STAGES and previous is not stage:
            self.state.review_due_at = workflow.now() + REVIEW_SERVICE_LEVEL
            self.state.escalated = False
        await self._record(f"stage:{stage.value}", actor, detail)
        self._changed = True

    async def _record(
        self,
        action: str,
        actor: str,
        detail: str,
        *,
        findings: bool = False,
        amended: bool = False,
        decision: str | None = None,
    ) -> None:
        """Timeline, search attributes, the UI's details, and the registry's audit trail, together."""
        now = workflow.now()
        self._note(actor, action, detail)
        await workflow.execute_activity_method(
            RegistryActivities.record_case_event,
            CaseEvent(
                event_key=self.state.next_id("event"),
                request_id=self.state.request_id,
                actor=actor,
                action=action,
                stage=self.state.stage,
                at=now,
                detail=detail,
                risk=self.state.risk,
                decision=decision,
                findings=self.state.findings if findings else None,
                screening_round=self.state.screening_rounds if findings else None,
                request=self.state.request if amended else None,
            ),
            summary=action,
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=RETRY,
        )
        self._publish_progress()

    async def _reject(self, message: str, actor: str, reason: str) -> None:
        self.state.rejected.append(RejectedMessage(at=workflow.now(), actor=actor, message=message, reason=reason))
        await self._record(f"refused:{message}", actor, reason)

    def _note(self, actor: str, event: str, detail: str) -> None:
        self.state.timeline.append(TimelineEvent(at=workflow.now(), actor=actor, event=event, detail=detail))

    def _publish_progress(self) -> None:
        """What operators filter and read in the Temporal UI: no personal data."""
        request = self.state.request
        deadline = self.state.next_deadline()
        workflow.upsert_search_attributes(
            [
                sa.NOTICE_KIND.value_set(request.kind.value),
                sa.REQUESTING_NCB.value_set(request.requesting_ncb),
                sa.REVIEW_STAGE.value_set(self.state.stage.value),
                sa.RISK_LEVEL.value_set(self.state.risk.value),
                sa.NEXT_DEADLINE.value_set(deadline) if deadline else sa.NEXT_DEADLINE.value_unset(),
            ]
        )
        blocking = sum(1 for f in self.state.findings if f.severity is Severity.BLOCKING)
        doubts = sum(1 for f in self.state.findings if f.severity is Severity.DOUBT)
        lines = [
            f"**Stage:** {self.state.stage.value}",
            f"**Risk:** {self.state.risk.value} ({blocking} blocking, {doubts} doubts)",
        ]
        for info in self.state.open_info_requests():
            lines.append(
                f"**Awaiting** {info.kind.value} {info.info_request_id} from {info.to_ncb}, "
                f"due {info.due_at.isoformat()}"
            )
        if self.state.overdue:
            lines.append("**Overdue:** an NCB missed a deadline")
        if self.state.escalated:
            lines.append("**Escalated:** past the review service level")
        if self.state.decision:
            lines.append(f"**Decision:** {self.state.decision.outcome.value} by {self.state.decision.decided_by}")
        workflow.set_current_details("\n\n".join(lines))

    def _should_continue_as_new(self) -> bool:
        return workflow.info().is_continue_as_new_suggested() and not self.state.rescreen_needed

    def _ncb_view(self) -> NcbCaseView:
        state = self.state
        outcome = None
        if state.stage is ReviewStage.PUBLISHED:
            outcome = "approved"
        elif state.stage is ReviewStage.DENIED:
            outcome = "denied"
        elif state.stage is ReviewStage.WITHDRAWN:
            outcome = "withdrawn"
        requesting = state.request.requesting_ncb
        return NcbCaseView(
            request_id=state.request_id,
            ncb_reference=state.request.ncb_reference,
            kind=state.request.kind.value,
            stage=state.stage,
            outcome=outcome,
            notice_id=state.notice_id,
            awaited=[
                AwaitedFromNcb(
                    info_request_id=i.info_request_id,
                    question=i.question,
                    missing_items=i.missing_items,
                    due_at=i.due_at,
                )
                for i in state.open_info_requests(requesting)
            ],
            reasons=list(state.reasons_to_ncb),
            findings_to_address=[f for f in state.findings if f.missing_item],
            messages=[m for m in state.messages if requesting in m.to],
        )
