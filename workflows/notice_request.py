"""One workflow per Notice or Diffusion request, from registration to publication or denial.

``run`` lists the stages of the process in the seed's order, and each stage method owns the moves out
of its stage. Handlers check and record what reached the case (a question to ask, a review concluded,
an assessment, a decision, a withdrawal); the stage methods act on it. Every wait for a person is
``_wait_for_change`` under the case's next deadline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    # `import a.b as b`, not `from a import b`: the sandbox passes a submodule of the workflows'
    # own package through only when it is named in full.
    import runtime.metrics as metrics
    import runtime.search_attributes as sa
    import workflows.checks as checks
    import workflows.deadlines as deadlines
    import workflows.pending as pending
    import workflows.texts as texts
    from activities.dispatch import DispatchActivities
    from activities.registry import RegistryActivities
    from activities.screening import ScreeningActivities
    from models.activities import (
        NDTF_RECIPIENT,
        CaseEvent,
        MessageKind,
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
        CaseOutcome,
        CaseState,
        CaseView,
        CaseViewer,
        ClaimRequested,
        ClarificationReply,
        Decision,
        DecisionOutcome,
        DecisionSubmitted,
        InfoRequest,
        InfoRequested,
        InfoRequestKind,
        InfoRequestStatus,
        MessageSummary,
        NoticeRequestInput,
        ReleaseRequested,
        ReviewConcluded,
        ReviewStage,
        SourceConsulted,
        SourceNote,
        WithdrawalRequested,
    )
    from models.findings import Severity, risk_of
    from models.ids import notice_id_for
    from models.notice import PublishedNoticeInput
    from models.queue import QueueSnapshot
    from models.request import NoticeKind
    from models.rescreen import ReferenceDataMatched, new_findings, untaken
    from workflows.handling import MessageHandling, validated
    from workflows.policy import (
        CLARIFICATION_DEADLINE,
        REVIEW_SERVICE_LEVEL,
        ReviewerAction,
    )
    from workflows.steps import (
        DB_TIMEOUT,
        RETRY,
        check_reviewer,
        members_and_languages,
    )


SCREENING_TIMEOUT = timedelta(minutes=5)
REQUEST_LIMITS = "request-limits"
"""Patch: an NCB's amendments are held to the request contract's limits (models.request.LIMITS)."""
STAGES_OWN_MOVES = "stage-methods-own-moves"
"""Patch: the stage methods, not the handlers, move the case on. Histories recorded before it (no
marker) replay with the handlers moving it, as they ran."""
REFERENCE_RESCREEN = "reference-data-rescreen"
"""Patch: a case takes the re-screening signal (``reference_data_matched``)."""
CLAIMS = "case-claims"
"""Patch: reviewers claim and release cases (``assignee``, the ``Assignee`` search attribute, the claim's
lapse as a timer). Histories from before it have no claim and publish no ``Assignee``."""
ADDRESSEE_CHECKED = "addressee-checked"
"""Patch: a request for information sent as a signal is refused unless addressed to an NCB's code.
Asked only when the addressee is not one, so no history but such a case carries the marker."""


@workflow.defn
class NoticeRequestWorkflow(MessageHandling[CaseState]):
    @workflow.init
    def __init__(self, input: NoticeRequestInput) -> None:
        self.state = input.state or CaseState(
            request_id=input.request_id,
            workflow_id=workflow.info().workflow_id,
            request=input.request,
        )
        self._start_handling()
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
            if pending.withdrawal(self.state):
                await self.close_as_withdrawn()
            elif self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    NoticeRequestInput(request_id=self.state.request_id, request=self.state.request, state=self.state)
                )
            elif self.state.stage in (ReviewStage.DETAILED_REVIEW, ReviewStage.AWAITING_CLARIFICATION):
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
        """Steps 1-2: the request is registered and logged, then forwarded to the NDTF."""
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
        await self._tell(
            MessageKind.DIFFUSION_TRANSMISSION,
            self.state.request.diffusion_recipients,
            lambda language: texts.diffusion_transmission(self.state, language),
        )
        self.state.diffusion_transmitted = True

    async def screen(self) -> None:
        """Step 3: automated screening. Missing mandatory data is asked of the NCB at once; any doubt
        sends the case to detailed review; a clean case goes to legal assessment. A withdrawal that
        arrives meanwhile is taken once the screening under way has finished."""
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
        if pending.interrupted(self.state):
            return
        self.state.findings = result.findings
        self.state.risk = result.risk
        counts = {s: sum(1 for f in result.findings if f.severity is s) for s in Severity}
        detail = ", ".join(f"{n} {s.value}" for s, n in counts.items()) + f"; risk {result.risk.value}"
        await self._record_event("screened", "system", detail, findings=True)
        if pending.interrupted(self.state):
            return
        missing = result.missing_items
        if missing:
            self._open_info_request(
                asked_by="system",
                kind=InfoRequestKind.CLARIFICATION,
                to_ncb=self.state.request.requesting_ncb,
                question=texts.MISSING_DATA_QUESTIONS[texts.ENGLISH],
                due=CLARIFICATION_DEADLINE,
                missing_items=missing,
            )
            await self._move_and_ask(
                ReviewStage.AWAITING_CLARIFICATION, "system", f"{len(missing)} mandatory items missing"
            )
        elif result.doubts:
            await self._enter(ReviewStage.DETAILED_REVIEW, "system", f"{len(result.doubts)} findings need review")
        else:
            await self._enter(ReviewStage.LEGAL_ASSESSMENT, "system", "no doubts from screening")

    async def review_in_detail(self) -> None:
        """Step 4: reviewers ask the NCB or other NCBs for more, under deadlines, until they conclude."""
        stage = self.state.stage
        while self.state.stage is stage and not pending.withdrawal(self.state):
            asked = pending.new_clarification(self.state)
            if stage is ReviewStage.DETAILED_REVIEW and asked is not None:
                await self._move_and_ask(
                    ReviewStage.AWAITING_CLARIFICATION, asked.asked_by, f"{asked.info_request_id} to {asked.to_ncb}"
                )
                return
            await self._send_pending_questions()
            if self.state.rescreen_needed:
                await self._enter(ReviewStage.INITIAL_SCREENING, "system", "amended request screened again")
                await self.screen()
                return
            if pending.open_clarification(self.state) is None and stage is ReviewStage.AWAITING_CLARIFICATION:
                await self._enter(ReviewStage.DETAILED_REVIEW, "system", "no clarification awaited")
                return
            if stage is ReviewStage.DETAILED_REVIEW and self.state.review_concluded_by:
                await self._enter(
                    ReviewStage.LEGAL_ASSESSMENT, self.state.review_concluded_by, "detailed review concluded"
                )
                return
            if not await self._wait_for_change(*self._next_wait()):
                await self._fire_due_timers()

    async def assess(self) -> None:
        """Step 5: the legal and human-rights assessment; asking for more sends the case back to
        detailed review (or to the NCB)."""
        while self.state.stage is ReviewStage.LEGAL_ASSESSMENT and not pending.withdrawal(self.state):
            asked = pending.unsent_questions(self.state)
            if asked:
                clarification = pending.new_clarification(self.state)
                if clarification is not None:
                    await self._move_and_ask(
                        ReviewStage.AWAITING_CLARIFICATION,
                        clarification.asked_by,
                        f"{clarification.info_request_id} to {clarification.to_ncb}",
                    )
                else:
                    await self._move_and_ask(
                        ReviewStage.DETAILED_REVIEW, asked[0].asked_by, f"consulting NCB {asked[0].to_ncb}"
                    )
                return
            assessment = self.state.assessment
            if assessment is not None:
                await self._enter(
                    ReviewStage.AWAITING_DECISION, assessment.assessor, f"assessed {assessment.verdict.value}"
                )
                return
            await self._send_pending_questions()
            if not await self._wait_for_change(*self._next_wait()):
                await self._fire_due_timers()

    async def decide(self) -> None:
        """Step 6: the decision; on approval the notice is published, on denial the NCB is told why."""
        while (
            self.state.stage is ReviewStage.AWAITING_DECISION
            and self.state.decision is None
            and not pending.withdrawal(self.state)
        ):
            if not await self._wait_for_change(*self._next_wait()):
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
        members, languages = await members_and_languages()
        await self._tell_in(
            MessageKind.PUBLICATION,
            members,
            languages,
            lambda language: texts.publication(self.state, notice_id, now, language),
        )
        if self.state.diffusion_transmitted:
            await self._tell(
                MessageKind.DIFFUSION_FOLLOW_UP,
                self.state.request.diffusion_recipients,
                lambda language: texts.diffusion_follow_up(self.state, True, "", language),
            )
        # The stage changes last: "published" means visible and every NCB's notification queued.
        await self._enter(ReviewStage.PUBLISHED, self._decided_by(), f"published as {notice_id}")

    async def deny(self, reason: str) -> None:
        self.state.reasons_to_ncb.append(reason)
        await self._tell(
            MessageKind.DENIAL,
            [self.state.request.requesting_ncb],
            lambda language: texts.denial(self.state, reason, language),
        )
        if self.state.diffusion_transmitted:
            await self._tell(
                MessageKind.DIFFUSION_FOLLOW_UP,
                self.state.request.diffusion_recipients,
                lambda language: texts.diffusion_follow_up(self.state, False, reason, language),
            )
        await self._enter(ReviewStage.DENIED, self._decided_by(), "denied")

    async def close_as_withdrawn(self) -> None:
        """The NCB withdrew its request: the case closes, its questions are moot, and the recipients of
        a diffusion are told."""
        for info in self.state.open_info_requests():
            info.status = InfoRequestStatus.ANSWERED
            info.answer = "(request withdrawn)"
        told_first = self._stages_own_moves()  # "withdrawn" then means the recipients were told
        if not told_first:
            await self._enter(ReviewStage.WITHDRAWN, "ncb:" + self.state.request.requesting_ncb, "withdrawn by the NCB")
        if self.state.diffusion_transmitted:
            reason = self.state.withdrawal_reason or ""
            await self._tell(
                MessageKind.WITHDRAWAL,
                self.state.request.diffusion_recipients,
                lambda language: texts.withdrawal(self.state, reason, language),
            )
        if told_first:
            await self._enter(ReviewStage.WITHDRAWN, "ncb:" + self.state.request.requesting_ncb, "withdrawn by the NCB")

    # --- what reaches the case: an update for the clients, a signal twin for the Temporal UI -------

    @workflow.update
    async def request_info(self, input: InfoRequested) -> ActionAccepted:
        return await self._answer("request_info", input.reviewer_id, lambda: self._request_info(input))

    @request_info.validator
    def _validate_request_info(self, input: InfoRequested) -> None:
        validated(input, lambda: checks.request_info(self.state, input, new=True))

    @workflow.signal
    async def info_requested(self, input: AnyMessage) -> None:
        await self._apply_signal("request_info", input, InfoRequested, self._request_info)

    @workflow.update
    async def reply(self, input: ClarificationReply) -> ActionAccepted:
        return await self._answer("reply", "ncb:" + input.ncb, lambda: self._reply(input))

    @reply.validator
    def _validate_reply(self, input: ClarificationReply) -> None:
        validated(input, lambda: checks.reply(self.state, input, workflow.now().date(), plain_text=True))

    @workflow.signal
    async def clarification_replied(self, input: AnyMessage) -> None:
        await self._apply_signal("reply", input, ClarificationReply, self._reply)

    @workflow.update
    async def note_source(self, input: SourceConsulted) -> ActionAccepted:
        return await self._answer("note_source", input.reviewer_id, lambda: self._note_source(input))

    @note_source.validator
    def _validate_note_source(self, input: SourceConsulted) -> None:
        validated(input, lambda: checks.note_source(self.state, input))

    @workflow.signal
    async def source_noted(self, input: AnyMessage) -> None:
        await self._apply_signal("note_source", input, SourceConsulted, self._note_source)

    @workflow.update
    async def conclude_review(self, input: ReviewConcluded) -> ActionAccepted:
        return await self._answer("conclude_review", input.reviewer_id, lambda: self._conclude_review(input))

    @conclude_review.validator
    def _validate_conclude_review(self, input: ReviewConcluded) -> None:
        validated(input, lambda: checks.conclude_review(self.state))

    @workflow.signal
    async def review_concluded(self, input: AnyMessage) -> None:
        await self._apply_signal("conclude_review", input, ReviewConcluded, self._conclude_review)

    @workflow.update
    async def assess_case(self, input: AssessmentSubmitted) -> ActionAccepted:
        return await self._answer("assess", input.reviewer_id, lambda: self._assess(input))

    @assess_case.validator
    def _validate_assess(self, input: AssessmentSubmitted) -> None:
        validated(input, lambda: checks.assess(self.state, input))

    @workflow.signal
    async def assessment_submitted(self, input: AnyMessage) -> None:
        await self._apply_signal("assess", input, AssessmentSubmitted, self._assess)

    @workflow.update
    async def decide_case(self, input: DecisionSubmitted) -> ActionAccepted:
        return await self._answer("decide", input.reviewer_id, lambda: self._decide(input))

    @decide_case.validator
    def _validate_decide(self, input: DecisionSubmitted) -> None:
        validated(input, lambda: checks.decision(self.state, input))

    @workflow.signal
    async def decision_submitted(self, input: AnyMessage) -> None:
        await self._apply_signal("decide", input, DecisionSubmitted, self._decide)

    @workflow.update
    async def withdraw(self, input: WithdrawalRequested) -> ActionAccepted:
        return await self._answer("withdraw", "ncb:" + input.ncb, lambda: self._withdraw(input))

    @withdraw.validator
    def _validate_withdraw(self, input: WithdrawalRequested) -> None:
        validated(input, lambda: checks.withdraw(self.state, input))

    @workflow.signal
    async def withdrawal_requested(self, input: AnyMessage) -> None:
        await self._apply_signal("withdraw", input, WithdrawalRequested, self._withdraw)

    @workflow.signal
    async def reference_data_matched(self, input: ReferenceDataMatched) -> None:
        """Re-screening (``RescreenWorkflow``) found the subject on entries a reference load added or
        changed. Taken once a screening under way has finished, so its findings do not replace these."""
        if not workflow.patched(REFERENCE_RESCREEN):
            return
        await self._ready()
        await workflow.wait_condition(
            lambda: self.state.stage not in (ReviewStage.REGISTERED, ReviewStage.INITIAL_SCREENING)
        )
        async with self._lock:
            await self._take_reference_matches(input)
        self._handled()

    @workflow.update
    async def claim(self, input: ClaimRequested) -> ActionAccepted:
        return await self._answer("claim", input.reviewer_id, lambda: self._claim(input))

    @claim.validator
    def _validate_claim(self, input: ClaimRequested) -> None:
        validated(input, lambda: checks.claim(self.state, input, workflow.now()))

    @workflow.signal
    async def claim_requested(self, input: AnyMessage) -> None:
        await self._apply_signal("claim", input, ClaimRequested, self._claim)

    @workflow.update
    async def release(self, input: ReleaseRequested) -> ActionAccepted:
        return await self._answer("release", input.reviewer_id, lambda: self._release(input))

    @release.validator
    def _validate_release(self, input: ReleaseRequested) -> None:
        validated(input, lambda: checks.release(self.state, input, workflow.now()))

    @workflow.signal
    async def release_requested(self, input: AnyMessage) -> None:
        await self._apply_signal("release", input, ReleaseRequested, self._release)

    @workflow.query
    def case(self, viewer: CaseViewer) -> CaseView:
        """The whole case for the NDTF; an NCB sees only its own request, without reviewer internals."""
        if viewer.ncb is None:
            return CaseView(viewer="ndtf", case=self.state)
        if viewer.ncb.upper() != self.state.request.requesting_ncb:
            raise checks.Refused("NotYourRequest", "This request belongs to another NCB.").as_error()
        return CaseView(viewer="ncb", ncb_view=self.state.ncb_view())

    # --- handlers: check, then record; the stage methods act ------------------------------------

    async def _request_info(self, input: InfoRequested) -> str:
        bad_addressee = not checks.addressed_to_an_ncb(input)
        checks.request_info(self.state, input, new=bad_addressee and workflow.patched(ADDRESSEE_CHECKED))
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
        if not self._stages_own_moves():
            if kind is InfoRequestKind.CLARIFICATION:
                await self._enter(
                    ReviewStage.AWAITING_CLARIFICATION, input.reviewer_id, f"{info.info_request_id} to {to_ncb}"
                )
            elif self.state.stage is ReviewStage.LEGAL_ASSESSMENT:
                await self._enter(ReviewStage.DETAILED_REVIEW, input.reviewer_id, f"consulting NCB {to_ncb}")
        if kind is InfoRequestKind.CONSULTATION:
            await self._record_event("consultation_requested", input.reviewer_id, f"{info.info_request_id} to {to_ncb}")
        return f"{kind.value} {info.info_request_id} sent to NCB {to_ncb}, due {info.due_at.date().isoformat()}"

    async def _reply(self, input: ClarificationReply) -> str:
        # Histories from before the request limits replay an amendment they accepted then.
        limits = workflow.patched(REQUEST_LIMITS)
        info, amended_request = checks.reply(self.state, input, workflow.now().date(), limits=limits)
        ncb = input.ncb.upper()
        amended: list[str] = []
        if amended_request is not None:
            self.state.request = amended_request
            amended = sorted(input.amendments)
            self.state.rescreen_needed = True
        info.status = InfoRequestStatus.ANSWERED
        info.answer = input.answer
        info.amended_fields = amended
        info.answered_at = workflow.now()
        detail = f"{info.info_request_id} answered" + (f", amended {', '.join(amended)}" if amended else "")
        await self._record_event("reply_received", "ncb:" + ncb, detail, amended=bool(amended))
        return detail

    async def _note_source(self, input: SourceConsulted) -> str:
        checks.note_source(self.state, input)
        await check_reviewer(input.reviewer_id, ReviewerAction.NOTE_SOURCE)
        self.state.sources.append(
            SourceNote(source=input.source, summary=input.summary, noted_by=input.reviewer_id, at=workflow.now())
        )
        await self._record_event("source_noted", input.reviewer_id, input.source)
        return f"source recorded: {input.source}"

    async def _conclude_review(self, input: ReviewConcluded) -> str:
        checks.conclude_review(self.state)
        await check_reviewer(input.reviewer_id, ReviewerAction.CONCLUDE_REVIEW)
        self.state.review_summary = input.summary
        self.state.review_concluded_by = input.reviewer_id
        if not self._stages_own_moves():
            await self._enter(ReviewStage.LEGAL_ASSESSMENT, input.reviewer_id, "detailed review concluded")
        return "detailed review concluded; the case awaits legal assessment"

    async def _assess(self, input: AssessmentSubmitted) -> str:
        checks.assess(self.state, input)
        await check_reviewer(input.reviewer_id, ReviewerAction.ASSESS)
        self.state.assessment = Assessment(
            assessor=input.reviewer_id,
            verdict=input.verdict,
            basis=input.basis,
            articles=input.articles,
            at=workflow.now(),
        )
        if not self._stages_own_moves():
            await self._enter(ReviewStage.AWAITING_DECISION, input.reviewer_id, f"assessed {input.verdict.value}")
        return f"assessment recorded: {input.verdict.value}"

    async def _decide(self, input: DecisionSubmitted) -> str:
        checks.decide(self.state, input)
        await check_reviewer(input.reviewer_id, ReviewerAction.DECIDE)
        if checks.approval(self.state, input):
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
        await self._record_event("decided", input.reviewer_id, decided, decision=decided)
        return f"decision recorded: {decided}"

    async def _claim(self, input: ClaimRequested) -> str:
        workflow.patched(CLAIMS)
        now = workflow.now()
        checks.claim(self.state, input, now)
        # Every role works cases: the roster check is that the reviewer is on it.
        await check_reviewer(input.reviewer_id, ReviewerAction.REQUEST_INFO)
        again = self.state.holder(now) == input.reviewer_id
        self.state.assignee = input.reviewer_id
        self.state.claimed_until = now + timedelta(hours=input.hours)
        until = f"until {self.state.claimed_until:%Y-%m-%d %H:%M} UTC"
        await self._record_event("claimed", input.reviewer_id, ("claimed again " if again else "claimed ") + until)
        return f"you hold the case {until}"

    async def _release(self, input: ReleaseRequested) -> str:
        workflow.patched(CLAIMS)
        checks.release(self.state, input, workflow.now())
        self.state.assignee = None
        self.state.claimed_until = None
        await self._record_event("released", input.reviewer_id, "claim released")
        return "claim released; the case is unassigned"

    async def _lapse_claim(self) -> None:
        """A claim past its time holds nobody: recorded, so the queue and the timeline say so."""
        until = self.state.claimed_until
        if self.state.assignee is None or until is None or workflow.now() < until:
            return
        lapsed = self.state.assignee
        self.state.assignee = None
        self.state.claimed_until = None
        await self._record_event("claim_lapsed", "system", f"{lapsed}'s claim lapsed at {until:%Y-%m-%d %H:%M} UTC")

    async def _withdraw(self, input: WithdrawalRequested) -> str:
        checks.withdraw(self.state, input)
        self.state.withdrawal_reason = input.reason
        if not self._stages_own_moves():
            await self.close_as_withdrawn()
        return "request withdrawn"

    async def _take_reference_matches(self, input: ReferenceDataMatched) -> None:
        """A new finding as a blocking one from screening would be: the risk and the queue's counts
        updated, a case in legal assessment back to detailed review (its assessment made without it), the
        NDTF alerted. A decided case is not reopened; each entry is taken once (by its key)."""
        fresh = untaken(input.matched, self.state.reference_alerts)
        if not fresh:
            return
        self.state.reference_alerts.extend(m.alert_key for m in fresh)
        if self.state.stage in FINAL_STAGES or self.state.decision is not None:
            self._note("system", "reference_data_match", f"{len(fresh)} match(es) after the decision: not reopened")
            return
        findings = new_findings(fresh, self.state.findings)
        if not findings:
            self._note("system", "reference_data_match", f"{len(fresh)} match(es) screening had already found")
            return
        self.state.findings.extend(findings)
        self.state.risk = risk_of(self.state.findings)
        rules = ", ".join(sorted({f.rule_id for f in findings}))
        await self._record_event(
            "reference_data_match", "system", f"{input.kind.value} v{input.version}: {rules}", findings=True
        )
        moved = ""
        if self.state.stage is ReviewStage.LEGAL_ASSESSMENT and any(f.severity is not Severity.INFO for f in findings):
            self.state.assessment = None
            await self._enter(ReviewStage.DETAILED_REVIEW, "system", "new reference-data finding to review")
            moved = "The case was in legal assessment: it is back in detailed review."
        await self._tell_in(
            MessageKind.REFERENCE_DATA_ALERT,
            [NDTF_RECIPIENT],
            None,
            lambda _language: texts.case_reference_alert(self.state, findings, moved),
        )

    async def _answer(self, message: str, actor: str, apply: Callable[[], Awaitable[str]]) -> ActionAccepted:
        """An update's answer, once the stage methods have acted on it: the stage it reports is the one
        the case is in because of it."""
        detail = await self._apply(message, actor, apply)
        if self._stages_own_moves():
            await workflow.wait_condition(lambda: not pending.move(self.state))
        info_id = self.state.info_requests[-1].info_request_id if message == "request_info" else None
        return ActionAccepted(
            request_id=self.state.request_id, stage=self.state.stage, detail=detail, info_request_id=info_id
        )

    async def _ready(self) -> None:
        await workflow.wait_condition(lambda: self._registered)

    # --- what the stage methods act on ----------------------------------------------------------

    def _stages_own_moves(self) -> bool:
        return workflow.patched(STAGES_OWN_MOVES)

    def _work_pending(self) -> bool:
        return pending.work(self.state)

    def _should_continue_as_new(self) -> bool:
        return (
            workflow.info().is_continue_as_new_suggested()
            and not self.state.rescreen_needed
            and not pending.move(self.state)
        )

    def _next_wait(self) -> tuple[datetime | None, str]:
        """The next deadline of the case, or the lapse of a claim when that comes first (only a case
        claimed under the ``CLAIMS`` patch has one, so older histories wait as they did), with what it is
        for as the Temporal UI shows it (ids and reviewer ids only)."""
        timer = deadlines.next_case_timer(self.state)
        lapse = self.state.claimed_until if self.state.assignee else None
        if lapse is not None and (timer is None or lapse <= timer):
            return lapse, f"claim by {self.state.assignee} lapses at {lapse.isoformat(timespec='minutes')}"
        return timer, deadlines.next_case_timer_summary(self.state)

    def _decided_by(self) -> str:
        return self.state.decision.decided_by if self.state.decision else "system"

    # --- deadlines -----------------------------------------------------------------------------

    async def _fire_due_timers(self) -> None:
        async with self._lock:
            await self._lapse_claim()
            now = workflow.now()
            for info in self.state.open_info_requests():
                if now >= info.due_at:
                    info.status = InfoRequestStatus.OVERDUE
                    self.state.overdue = True
                    await self._tell(
                        MessageKind.DEADLINE_MISSED,
                        [info.to_ncb],
                        partial(texts.deadline_missed, self.state, info),
                    )
                    await self._record_event("deadline_missed", "system", f"{info.info_request_id} ({info.to_ncb})")
                elif now >= info.reminder_at and not info.reminded:
                    info.reminded = True
                    await self._tell(
                        MessageKind.REMINDER,
                        [info.to_ncb],
                        partial(texts.reminder, self.state, info),
                    )
                    await self._record_event("reminder_sent", "system", info.info_request_id)
            if (
                self.state.stage in REVIEWER_STAGES
                and self.state.review_due_at
                and not self.state.escalated
                and now >= self.state.review_due_at
            ):
                self.state.escalated = True
                await self._record_event(
                    "escalated", "system", f"waiting in {self.state.stage.value} past the service level"
                )
            if (
                self.state.stage is ReviewStage.AWAITING_CLARIFICATION
                and pending.open_clarification(self.state) is None
            ):
                await self._enter(ReviewStage.DETAILED_REVIEW, "system", "clarification deadline passed")

    def _open_info_request(self, **request: Any) -> InfoRequest:
        info = deadlines.info_request(self.state, workflow.now(), **request)
        self.state.info_requests.append(info)
        return info

    # --- what the case causes: messages, stage changes, records -----------------------------------

    async def _send_pending_questions(self) -> None:
        """Send the questions asked and not sent yet; not while a move is pending (a handler may have
        asked one while this waited for the lock): the stage method moves the case first."""
        async with self._lock:
            if not pending.move(self.state):
                await self._send_unsent_questions()

    async def _move_and_ask(self, stage: ReviewStage, actor: str, detail: str) -> None:
        """Move the case on for a question and send it, as one step no message comes between: an
        answer can only reach a question that was sent. Histories from before the stage methods owned
        the moves sent it on the next round, and replay so."""
        if not self._stages_own_moves():
            await self._enter(stage, actor, detail)
            return
        async with self._lock:
            await self._enter(stage, actor, detail)
            await self._send_unsent_questions()

    async def _send_unsent_questions(self) -> None:
        for info in self.state.info_requests:
            if info.sent or info.status is not InfoRequestStatus.OPEN:
                continue
            if info.kind is InfoRequestKind.CLARIFICATION:
                kind, compose = MessageKind.CLARIFICATION_REQUEST, texts.clarification_request
            else:
                kind, compose = MessageKind.CONSULTATION_REQUEST, texts.consultation_request
            await self._tell(kind, [info.to_ncb], partial(compose, self.state, info))
            info.sent = True

    async def _tell_in(
        self,
        kind: MessageKind,
        to: list[str],
        languages: dict[str, str] | None,
        compose: Callable[[str], tuple[str, str]],
    ) -> list[tuple[str, str]]:
        """The case records a message once, to all its recipients, under the key and subject of the first
        language group's."""
        sent = await super()._tell_in(kind, to, languages, compose)
        key, subject = sent[0]
        self.state.messages.append(
            MessageSummary(message_key=key, kind=kind.value, to=to, subject=subject, at=workflow.now())
        )
        return sent

    async def _enter(self, stage: ReviewStage, actor: str, detail: str) -> None:
        """Move the case on; never out of a final stage."""
        previous = self.state.stage
        if previous in FINAL_STAGES:
            return
        if previous is not stage:
            self._time_in_stage(previous)
        self.state.stage = stage
        if stage in REVIEWER_STAGES and previous is not stage:
            self.state.review_due_at = workflow.now() + REVIEW_SERVICE_LEVEL
            self.state.escalated = False
        if stage is ReviewStage.DETAILED_REVIEW:
            self.state.review_concluded_by = None
        if stage in FINAL_STAGES:  # a closed case is nobody's to work on (no claim before the CLAIMS patch)
            self.state.assignee = None
            self.state.claimed_until = None
        await self._record_event(f"stage:{stage.value}", actor, detail)
        self._changed = True

    def _time_in_stage(self, stage: ReviewStage) -> None:
        """How long the case stayed in the stage it leaves, for the operators' histogram. The SDK records
        nothing while a workflow replays, so a replay never counts a move twice."""
        entered = texts.stage_entered_at(self.state)
        if entered is None:
            return
        histogram = workflow.metric_meter().create_histogram_float(
            metrics.STAGE_DURATION, "How long a case stayed in a review stage", "s"
        )
        seconds = max(0.0, (workflow.now() - entered).total_seconds())
        histogram.record(seconds, {"stage": stage.value, "kind": self.state.request.kind.value})

    async def _record_event(
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
        self._note(actor, action, detail)
        # The UI's details at once (no command, so replay-safe); the search attributes once recorded.
        workflow.set_current_details(texts.case_details(self.state))
        event_key = self.state.next_id("event")
        await workflow.execute_activity_method(
            RegistryActivities.record_case_event,
            CaseEvent(
                event_key=event_key,
                request_id=self.state.request_id,
                actor=actor,
                action=action,
                stage=self.state.stage,
                at=workflow.now(),
                detail=detail,
                risk=self.state.risk,
                decision=decision,
                findings=self.state.findings if findings else None,
                screening_round=self.state.screening_rounds if findings else None,
                request=self.state.request if amended else None,
                queue=self._queue_snapshot(),
            ),
            summary=f"record {action}",
            start_to_close_timeout=DB_TIMEOUT,
            retry_policy=RETRY,
        )
        self._publish_progress()

    def _queue_snapshot(self) -> QueueSnapshot:
        """What the reviewers' queue shows of the case (``registry.queue``), taken after ``next_id``: its
        version is the event's. An activity's input is not compared on replay, so running cases send it
        from their next event on, with no patch (a patch would stay off for the rest of a replayed run)."""
        state = self.state
        return QueueSnapshot(
            version=state.seq,
            kind=state.request.kind.value,
            requesting_ncb=state.request.requesting_ncb,
            risk=state.risk.value,
            next_deadline=state.next_deadline(),
            overdue=state.overdue,
            escalated=state.escalated,
            blocking=state.count(Severity.BLOCKING),
            doubts=state.count(Severity.DOUBT),
            assignee=state.assignee,
            claimed_until=state.claimed_until,
        )

    def _publish_progress(self) -> None:
        """What operators filter and the queue lists: no personal data."""
        state = self.state
        deadline = state.next_deadline()
        claims = (
            [sa.ASSIGNEE.value_set(state.assignee) if state.assignee else sa.ASSIGNEE.value_unset()]
            if workflow.patched(CLAIMS)
            else []
        )
        workflow.upsert_search_attributes(
            [
                sa.NOTICE_KIND.value_set(state.request.kind.value),
                sa.REQUESTING_NCB.value_set(state.request.requesting_ncb),
                sa.REVIEW_STAGE.value_set(state.stage.value),
                sa.RISK_LEVEL.value_set(state.risk.value),
                sa.NEXT_DEADLINE.value_set(deadline) if deadline else sa.NEXT_DEADLINE.value_unset(),
                sa.BLOCKING_FINDINGS.value_set(state.count(Severity.BLOCKING)),
                sa.DOUBTS.value_set(state.count(Severity.DOUBT)),
                sa.OVERDUE.value_set(state.overdue),
                sa.ESCALATED.value_set(state.escalated),
                *claims,
            ]
        )
        workflow.set_current_details(texts.case_details(state))
