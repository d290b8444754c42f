"""The request workflow, stage by stage, driven through the same client calls the commands make."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowUpdateFailedError

from models.case import (
    AnyMessage,
    AssessmentSubmitted,
    CaseState,
    ClarificationReply,
    DecisionOutcome,
    DecisionSubmitted,
    InfoRequestKind,
    InfoRequestStatus,
    ReviewStage,
    Verdict,
)
from models.findings import RiskLevel, Severity
from models.ids import workflow_id_for
from registry.tables import OutboxDeliveryRow
from runtime.errors import ActionRefused, refusal_from
from tests.workflows.conftest import Service, example
from workflows.notice_request import NoticeRequestWorkflow
from workflows.texts import PENDING_REVIEW_WARNING

FRAUD = "red-notice-fraud.json"
INCOMPLETE = "red-notice-incomplete.json"
DEFAMATION = "red-notice-defamation.json"
DIFFUSION = "wpd-drug-trafficking.json"


async def settle(
    service: Service, request_id: str, done: Callable[[CaseState], bool], seconds: float = 30
) -> CaseState:
    """Poll the case as a reviewer would until it reaches the expected state."""
    reviewer = service.reviewer("legal.ana")
    state = await reviewer.show(request_id)
    for _ in range(int(seconds * 10)):
        if done(state):
            return state
        await asyncio.sleep(0.1)
        state = await reviewer.show(request_id)
    raise AssertionError(f"case did not settle: stage {state.stage}, timeline {[e.event for e in state.timeline]}")


def at(stage: ReviewStage) -> Callable[[CaseState], bool]:
    return lambda state: state.stage is stage


async def submit(service: Service, name: str) -> str:
    request = example(name)
    submission = await service.ncb(request.requesting_ncb).submit(request)
    return submission.request_id


async def approve(service: Service, request_id: str) -> CaseState:
    await service.reviewer("legal.ana").assess(request_id, Verdict.COMPLIANT, "RPD and Arts. 2(1), 3 complied with")
    await service.reviewer("sup.dana").decide(request_id, DecisionOutcome.APPROVE, "compliant")
    return await settle(service, request_id, at(ReviewStage.PUBLISHED))


async def test_complete_request_waits_for_legal_assessment_without_blocking_findings(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    state = await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    assert not [f for f in state.findings if f.severity is not Severity.INFO]
    assert state.risk is RiskLevel.LOW
    assert [e.event for e in state.timeline][:2] == ["registered", "stage:initial_screening"]


async def test_incomplete_request_asks_the_ncb_for_exactly_the_missing_items(service: Service) -> None:
    request_id = await submit(service, INCOMPLETE)
    state = await settle(service, request_id, at(ReviewStage.AWAITING_CLARIFICATION))
    (info,) = state.info_requests
    assert info.to_ncb == "BR" and info.asked_by == "system"
    assert info.missing_items == [f.missing_item for f in state.findings if f.missing_item]
    assert len(info.missing_items) >= 3
    status = await service.ncb("BR").status(request_id)
    assert status.awaited[0].missing_items == info.missing_items
    assert status.awaited[0].due_at == info.due_at
    assert info.due_at - info.asked_at == timedelta(days=30)
    await settle(service, request_id, lambda s: bool(s.messages))
    assert any(
        m.kind == "clarification_request" and m.to == ["BR"]
        for m in (await service.reviewer("x").show(request_id)).messages
    )


async def test_reply_in_time_with_amendments_is_screened_again(service: Service) -> None:
    request_id = await submit(service, INCOMPLETE)
    await settle(service, request_id, at(ReviewStage.AWAITING_CLARIFICATION))
    amendments = {
        "subject": {"fingerprints_available": True, "photo_available": True},
        "judicial": {
            "facts_summary": "On 3 March 2019 in Recife, BR, the subject robbed a bank branch at gunpoint with two "
            "accomplices and took BRL 180,000.",
            "offence_date": "2019-03-03",
            "offence_place": "Recife, BR",
            "court_decision": {
                "reference": "TJPE-0001234-55.2019",
                "issued_on": "2021-06-14",
                "issuing_authority": "3a Vara Criminal de Recife",
            },
            "sentence": {"imposed_months": 96, "remaining_months": 80},
        },
    }
    accepted = await service.ncb("BR").reply(request_id, "Warrant and sentence details attached.", amendments)
    assert "amended" in accepted.detail
    state = await settle(
        service, request_id, lambda s: s.screening_rounds == 2 and s.stage is not ReviewStage.INITIAL_SCREENING
    )
    assert state.stage in (ReviewStage.LEGAL_ASSESSMENT, ReviewStage.DETAILED_REVIEW)
    assert not [f for f in state.findings if f.severity is Severity.BLOCKING]
    assert state.info_requests[0].status is InfoRequestStatus.ANSWERED
    assert state.request.judicial.sentence and state.request.judicial.sentence.remaining_months == 80


async def test_reply_that_does_not_validate_is_refused_and_changes_nothing(service: Service) -> None:
    request_id = await submit(service, INCOMPLETE)
    await settle(service, request_id, at(ReviewStage.AWAITING_CLARIFICATION))
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("BR").reply(request_id, "here", {"judicial": {"offence_date": "2099-01-01"}})
    assert refused.value.kind == "InvalidAmendment" and "judicial.offence_date" in refused.value.message
    state = await service.reviewer("x").show(request_id)
    assert state.stage is ReviewStage.AWAITING_CLARIFICATION
    assert state.info_requests[0].status is InfoRequestStatus.OPEN
    assert state.screening_rounds == 1 and state.request.judicial.offence_date != "2099-01-01"
    assert state.rejected == [], "refused by the update's validator: nothing of it reached the case"


async def test_missed_deadline_reminds_then_returns_case_to_reviewers_overdue(service: Service) -> None:
    request_id = await submit(service, INCOMPLETE)
    await settle(service, request_id, at(ReviewStage.AWAITING_CLARIFICATION))
    await service.env.sleep(timedelta(days=24))
    state = await settle(service, request_id, lambda s: s.info_requests[0].reminded)
    assert state.stage is ReviewStage.AWAITING_CLARIFICATION
    await service.env.sleep(timedelta(days=7))
    state = await settle(service, request_id, at(ReviewStage.DETAILED_REVIEW))
    assert state.overdue
    assert state.info_requests[0].status is InfoRequestStatus.OVERDUE
    kinds = [m.kind for m in state.messages]
    assert kinds == ["clarification_request", "reminder", "deadline_missed"]
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("BR").reply(request_id, "late answer")
    assert refused.value.kind == "NothingAwaited"


async def test_approval_publishes_the_notice_and_search_finds_it_only_then(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    assert not (await service.search("DE", name="MARCHETTI")).hits
    own = await service.search("FR", name="MARCHETTI")
    assert [h.status for h in own.hits] == ["legal_assessment"]
    state = await approve(service, request_id)
    assert state.notice_id and state.decision and state.decision.decided_by == "sup.dana"
    hits = (await service.search("DE", name="Marchetti")).hits
    assert [(h.notice_id, h.status) for h in hits] == [(state.notice_id, "published")]
    for tolerant in ("Marchety", "lucien MARCHETTI", "Марчетти"):
        assert [h.notice_id for h in (await service.search("DE", name=tolerant)).hits] == [state.notice_id]
    assert not (await service.search("DE", name="Marchetti", nationality="DE")).hits
    publication = [m for m in state.messages if m.kind == "publication"]
    assert len(publication) == 1 and "DE" in publication[0].to and len(publication[0].to) > 190
    assert (await service.ncb("FR").status(request_id)).outcome == "approved"


async def test_denial_gives_the_ncb_its_reasons(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    await service.reviewer("legal.ana").assess(request_id, Verdict.NON_COMPLIANT, "facts do not support charges")
    await service.reviewer("legal.eli").decide(request_id, DecisionOutcome.DENY, "The facts do not establish fraud.")
    await settle(service, request_id, at(ReviewStage.DENIED))
    status = await service.ncb("FR").status(request_id)
    assert status.outcome == "denied"
    assert status.reasons == ["The facts do not establish fraud."]
    assert not (await service.search("DE", name="MARCHETTI")).hits
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("sup.dana").decide(request_id, DecisionOutcome.APPROVE, "second thoughts")
    assert refused.value.kind == "CaseClosed" and "denied" in refused.value.message
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("FR").reply(request_id, "more evidence attached")
    assert refused.value.kind == "CaseClosed"


async def test_reviewer_actions_refused_at_once_and_recorded(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    cases = [
        (service.reviewer("sup.dana").decide(request_id, DecisionOutcome.APPROVE, "ok"), "WrongStage"),
        (service.reviewer("police.ben").assess(request_id, Verdict.COMPLIANT, "ok"), "RoleNotAllowed"),
        (service.reviewer("nobody").assess(request_id, Verdict.COMPLIANT, "ok"), "NotInRoster"),
    ]
    for action, kind in cases:
        with pytest.raises(ActionRefused) as refused:
            await action
        assert refused.value.kind == kind
    await service.reviewer("legal.ana").assess(request_id, Verdict.COMPLIANT, "ok")
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("legal.ana").decide(request_id, DecisionOutcome.APPROVE, "ok")
    assert refused.value.kind == "FourEyes"
    state = await service.reviewer("x").show(request_id)
    assert state.stage is ReviewStage.AWAITING_DECISION and state.decision is None
    assert state.assessment and state.assessment.assessor == "legal.ana"


async def test_a_signal_out_of_stage_changes_nothing_and_is_recorded_as_rejected(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    handle = service.client.get_workflow_handle_for(NoticeRequestWorkflow.run, workflow_id_for(request_id))
    await handle.signal(
        NoticeRequestWorkflow.decision_submitted,
        DecisionSubmitted(reviewer_id="sup.dana", outcome=DecisionOutcome.APPROVE, reason="ok"),
    )
    state = await settle(service, request_id, lambda s: bool(s.rejected))
    assert state.stage is ReviewStage.LEGAL_ASSESSMENT and state.decision is None
    assert state.rejected[0].message == "decide" and "legal_assessment" in state.rejected[0].reason


async def test_duplicate_submission_returns_the_existing_request(service: Service) -> None:
    request = example(FRAUD)
    first = await service.ncb("FR").submit(request)
    second = await service.ncb("FR").submit(request)
    assert first.created and not second.created
    assert (first.request_id, first.workflow_id) == (second.request_id, second.workflow_id)


async def test_diffusion_is_transmitted_to_its_recipients_with_the_pending_review_warning(service: Service) -> None:
    request_id = await submit(service, DIFFUSION)
    state = await settle(
        service, request_id, lambda s: s.stage is not ReviewStage.INITIAL_SCREENING and s.screening_rounds > 0
    )
    (transmission,) = [m for m in state.messages if m.kind == "diffusion_transmission"]
    assert sorted(transmission.to) == ["FR", "MA", "PT"]
    assert state.messages[0].kind == "diffusion_transmission"  # sent before any review step
    for _ in range(100):
        if len(service.mailbox.messages) >= 3:
            break
        await asyncio.sleep(0.1)
    for code in ("pt", "ma", "fr"):
        (mail,) = service.mailbox.to(f"ncb.{code}@")
        assert PENDING_REVIEW_WARNING.split(".")[0] in mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert not (await service.search("PT", name="ORTEGA VILLALBA")).hits


async def test_a_refused_delivery_is_retried_and_each_recipient_gets_the_message_once(service: Service) -> None:
    service.mailbox.refuse_next = 2
    request_id = await submit(service, DIFFUSION)
    await settle(service, request_id, lambda s: any(m.kind == "diffusion_transmission" for m in s.messages))
    for _ in range(100):
        if service.mailbox.refused == 2 and service.mailbox.messages:
            break
        await asyncio.sleep(0.1)
    assert service.mailbox.refused == 2 and len(service.mailbox.messages) == 1, "first attempt: two refused"
    await service.env.sleep(timedelta(seconds=30))  # past the delivery workflow's retry back-off
    transmissions = await service.mailbox.await_count("[REVIEW PENDING]", 3, seconds=30)
    assert sorted(str(m["X-Envelope-To"]).split("@")[0] for m in transmissions) == ["ncb.fr", "ncb.ma", "ncb.pt"]
    # Past the next retries' back-off (5 s, then 10 s, 20 s, ...): a delivery attempted again would have
    # reached the mailbox by now.
    await service.env.sleep(timedelta(minutes=5))
    again = await service.mailbox.await_count("[REVIEW PENDING]", 4, seconds=5)
    assert len(again) == 3, "nobody receives it twice"
    async with service.db.transaction() as session:
        rows = (await session.scalars(select(OutboxDeliveryRow))).all()
    assert all(row.status == "delivered" for row in rows)
    assert sorted(row.attempts for row in rows) == [1, 2, 2], "two refused at first, delivered on the retry"


async def test_defamation_case_is_never_taken_past_detailed_review_automatically(service: Service) -> None:
    request_id = await submit(service, DEFAMATION)
    state = await settle(service, request_id, at(ReviewStage.DETAILED_REVIEW))
    assert state.risk is RiskLevel.HIGH
    assert any(f.article.startswith("Constitution Art. 3") for f in state.findings)
    assert state.decision is None and state.assessment is None


async def test_consultation_of_another_ncb_keeps_the_case_in_detailed_review(service: Service) -> None:
    request_id = await submit(service, DEFAMATION)
    await settle(service, request_id, at(ReviewStage.DETAILED_REVIEW))
    accepted = await service.reviewer("ops.chen").request_info(
        request_id, "Is the subject known to you as a journalist?", to_ncb="NO", due_days=10
    )
    state = await service.reviewer("x").show(request_id)
    (info,) = state.info_requests
    assert info.kind is InfoRequestKind.CONSULTATION and info.to_ncb == "NO"
    assert accepted.info_request_id == info.info_request_id
    assert state.stage is ReviewStage.DETAILED_REVIEW
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("NO").reply(request_id, "yes", {"subject": {"occupation": "none"}})
    assert refused.value.kind == "NotYourRequest"
    await service.ncb("NO").reply(request_id, "Yes, a reporter for a national daily.")
    state = await settle(service, request_id, lambda s: s.info_requests[0].status is InfoRequestStatus.ANSWERED)
    assert state.stage is ReviewStage.DETAILED_REVIEW
    await service.reviewer("police.ben").conclude_review(request_id, "Article 3 concerns documented.")
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))


async def test_an_ncb_sees_only_its_own_request(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("DE").status(request_id)
    assert refused.value.kind == "NotYourRequest"


async def test_withdrawal_closes_the_case(service: Service) -> None:
    request_id = await submit(service, DIFFUSION)
    await settle(service, request_id, lambda s: s.screening_rounds > 0)
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("PT").withdraw(request_id, "not ours")
    assert refused.value.kind == "NotYourRequest"
    await service.ncb("ES").withdraw(request_id, "Subject arrested in Spain.")
    state = await settle(service, request_id, at(ReviewStage.WITHDRAWN))
    withdrawal = [m for m in state.messages if m.kind == "withdrawal"]
    assert withdrawal and sorted(withdrawal[0].to) == ["FR", "MA", "PT"]


async def test_blocking_findings_need_a_supervisors_justified_override(service: Service) -> None:
    request_id = await submit(service, INCOMPLETE)
    await settle(service, request_id, at(ReviewStage.AWAITING_CLARIFICATION))
    await service.env.sleep(timedelta(days=31))
    await settle(service, request_id, at(ReviewStage.DETAILED_REVIEW))
    await service.reviewer("police.ben").conclude_review(request_id, "NCB did not answer.")
    await service.reviewer("legal.eli").assess(request_id, Verdict.COMPLIANT, "serious robbery")
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("legal.ana").decide(request_id, DecisionOutcome.APPROVE, "ok")
    assert refused.value.kind == "BlockingFindings"
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("legal.ana").decide(request_id, DecisionOutcome.APPROVE, "ok", "urgent")
    assert refused.value.kind == "RoleNotAllowed"
    await service.reviewer("sup.dana").decide(
        request_id, DecisionOutcome.APPROVE, "ok", "Case of particular importance"
    )
    state = await settle(service, request_id, at(ReviewStage.PUBLISHED))
    assert state.decision and state.decision.override_justification == "Case of particular importance"


async def test_reply_signal_from_the_temporal_ui_path_is_applied(service: Service) -> None:
    request_id = await submit(service, INCOMPLETE)
    await settle(service, request_id, at(ReviewStage.AWAITING_CLARIFICATION))
    handle = service.client.get_workflow_handle_for(NoticeRequestWorkflow.run, workflow_id_for(request_id))
    await handle.signal(
        NoticeRequestWorkflow.clarification_replied, ClarificationReply(ncb="BR", answer="No more data.")
    )
    state = await settle(service, request_id, at(ReviewStage.DETAILED_REVIEW))
    assert state.info_requests[0].answer == "No more data."


async def test_a_decision_without_a_reason_or_an_override_without_justification_is_refused(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    await service.reviewer("legal.ana").assess(request_id, Verdict.COMPLIANT, "RPD complied with")
    handle = service.client.get_workflow_handle_for(NoticeRequestWorkflow.run, workflow_id_for(request_id))
    blank = [
        # as the Temporal UI or another client could send it: past the client-side model checks
        DecisionSubmitted.model_construct(reviewer_id="sup.dana", outcome=DecisionOutcome.APPROVE, reason="   "),
        DecisionSubmitted.model_construct(
            reviewer_id="sup.dana", outcome=DecisionOutcome.APPROVE, reason="ok", override_justification=" "
        ),
    ]
    for message in blank:
        with pytest.raises(WorkflowUpdateFailedError) as failed:
            await handle.execute_update(NoticeRequestWorkflow.decide_case, message)
        refusal = refusal_from(failed.value)
        assert isinstance(refusal, ActionRefused) and refusal.kind == "InvalidInput"
        assert "\nreason\n" in refusal.message or "\noverride_justification\n" in refusal.message
    state = await service.reviewer("legal.ana").show(request_id)
    assert state.stage is ReviewStage.AWAITING_DECISION and state.decision is None


async def _diffusion_at_legal_assessment(service: Service) -> str:
    request_id = await submit(service, DIFFUSION)
    state = await settle(
        service, request_id, lambda s: s.stage in (ReviewStage.DETAILED_REVIEW, ReviewStage.LEGAL_ASSESSMENT)
    )
    if state.stage is ReviewStage.DETAILED_REVIEW:
        await service.reviewer("police.ben").conclude_review(request_id, "Facts and charges checked.")
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    return request_id


async def test_a_denied_diffusion_tells_its_recipients_to_update_their_databases_and_the_ncb_why(
    service: Service,
) -> None:
    request_id = await _diffusion_at_legal_assessment(service)
    await service.reviewer("legal.ana").assess(request_id, Verdict.NON_COMPLIANT, "Art. 3: predominantly political")
    await service.reviewer("sup.dana").decide(request_id, DecisionOutcome.DENY, "Predominantly political character.")
    await settle(service, request_id, at(ReviewStage.DENIED))
    follow_ups = await service.mailbox.await_count("[NOT AUTHORISED - UPDATE YOUR NATIONAL DATABASE]", 3)
    assert sorted(str(m["X-Envelope-To"]).split("@")[0] for m in follow_ups) == ["ncb.fr", "ncb.ma", "ncb.pt"]
    for mail in follow_ups:
        text = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
        assert "Predominantly political character." in text and "national databases" in text
    (denial,) = await service.mailbox.await_count(": denied", 1)
    assert "ncb.es@" in str(denial["X-Envelope-To"])
    assert "Predominantly political character." in denial.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert not service.mailbox.about("[AUTHORISED]")


async def test_an_authorised_diffusion_is_confirmed_to_its_recipients(service: Service) -> None:
    request_id = await _diffusion_at_legal_assessment(service)
    await service.reviewer("legal.ana").assess(request_id, Verdict.COMPLIANT, "RPD and Arts. 2(1), 3 complied with")
    await service.reviewer("sup.dana").decide(request_id, DecisionOutcome.APPROVE, "compliant")
    await settle(service, request_id, at(ReviewStage.PUBLISHED))
    confirmed = await service.mailbox.await_count("[AUTHORISED]", 3)
    assert sorted(str(m["X-Envelope-To"]).split("@")[0] for m in confirmed) == ["ncb.fr", "ncb.ma", "ncb.pt"]
    assert not service.mailbox.about("[NOT AUTHORISED")


async def test_a_malformed_signal_is_recorded_as_refused_naming_the_field(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    handle = service.client.get_workflow_handle_for(NoticeRequestWorkflow.run, workflow_id_for(request_id))
    # as the Temporal UI sends it: a JSON object, here with a blank basis and a verdict that does not exist
    await handle.signal(
        NoticeRequestWorkflow.assessment_submitted,
        AnyMessage(reviewer_id="legal.ana", verdict="fine", basis="   "),  # type: ignore[call-arg]
    )
    state = await settle(service, request_id, lambda s: bool(s.rejected))
    (refusal,) = state.rejected
    assert refusal.actor == "legal.ana" and refusal.message == "assess"
    assert "verdict" in refusal.reason and "basis" in refusal.reason
    assert state.stage is ReviewStage.LEGAL_ASSESSMENT and state.assessment is None
    await handle.signal(
        NoticeRequestWorkflow.assessment_submitted,
        AssessmentSubmitted(reviewer_id="legal.ana", verdict=Verdict.COMPLIANT, basis="RPD complied with"),
    )
    await settle(service, request_id, at(ReviewStage.AWAITING_DECISION))
