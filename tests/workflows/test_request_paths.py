"""Paths of a request the stage-by-stage tests leave out: a reply from the wrong NCB, a withdrawn Red
Notice, a duplicate of a published notice, a case that continued as new, and the review service level.

Refusals are asserted by their type (``ActionRefused.kind``), and their effect by what a reviewer or an
NCB sees of the case: whether a refused update is also listed in ``rejected`` is not asserted here."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from models.activities import CaseEvent, EventRecorded
from models.case import (
    AnyMessage,
    CaseOutcome,
    DecisionOutcome,
    DecisionSubmitted,
    InfoRequestKind,
    InfoRequestStatus,
    NoticeRequestInput,
    ReviewStage,
    Verdict,
)
from models.findings import Severity
from models.ids import notice_id_for, workflow_id_for
from registry.store import Registry
from runtime.errors import ActionRefused
from screening.persons import DUPLICATE
from tests.workflows.conftest import Service, example
from tests.workflows.test_notice_request import DEFAMATION, FRAUD, INCOMPLETE, approve, at, settle, submit
from workflows.notice_request import NoticeRequestWorkflow
from workflows.policy import REVIEW_SERVICE_LEVEL


async def test_a_reply_from_an_ncb_that_was_not_asked_is_refused_and_changes_nothing(service: Service) -> None:
    request_id = await submit(service, INCOMPLETE)
    before = await settle(service, request_id, at(ReviewStage.AWAITING_CLARIFICATION))
    (asked,) = before.info_requests
    assert asked.to_ncb == "BR" and asked.kind is InfoRequestKind.CLARIFICATION

    amendments = {"subject": {"fingerprints_available": True, "photo_available": True}}
    for ncb, answer, amended, info_request_id in [
        ("AR", "Fingerprints attached.", amendments, None),
        ("AR", "Fingerprints attached.", amendments, asked.info_request_id),
        ("DE", "We know nothing of this person.", None, None),
    ]:
        with pytest.raises(ActionRefused) as refused:
            await service.ncb(ncb).reply(request_id, answer, amended, info_request_id)
        assert refused.value.kind == "NothingAwaited", (ncb, info_request_id)

    state = await service.reviewer("legal.ana").show(request_id)
    assert state.stage is ReviewStage.AWAITING_CLARIFICATION
    (info,) = state.info_requests
    assert info.status is InfoRequestStatus.OPEN and info.answer is None and info.amended_fields == []
    assert state.request == before.request, "the request is not amended"
    assert state.screening_rounds == 1 and not state.rescreen_needed
    assert not [e for e in state.timeline if e.event == "reply_received"]
    status = await service.ncb("BR").status(request_id)
    assert [(a.info_request_id, a.due_at) for a in status.awaited] == [(asked.info_request_id, asked.due_at)]


async def test_a_withdrawn_red_notice_closes_the_case_and_never_reaches_search(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    own = await service.search("FR", name="MARCHETTI")
    assert [(h.request_id, h.status) for h in own.hits] == [(request_id, "legal_assessment")]
    assert not (await service.search("DE", name="MARCHETTI")).hits

    await service.ncb("FR").withdraw(request_id, "Subject arrested in France.")
    handle = service.client.get_workflow_handle_for(NoticeRequestWorkflow.run, workflow_id_for(request_id))
    outcome = await handle.result()
    assert outcome == CaseOutcome(
        request_id=request_id, stage=ReviewStage.WITHDRAWN, reason="Subject arrested in France."
    )

    for ncb in ("FR", "DE", "IT"):
        assert not (await service.search(ncb, name="MARCHETTI")).hits, ncb
    state = await service.reviewer("legal.ana").show(request_id)
    assert state.stage is ReviewStage.WITHDRAWN and state.notice_id is None
    assert not [m for m in state.messages if m.kind == "withdrawal"], "a Red Notice was sent to no one before review"

    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("legal.ana").assess(request_id, Verdict.COMPLIANT, "RPD complied with")
    assert refused.value.kind == "CaseClosed"
    assert (await service.reviewer("legal.ana").show(request_id)).assessment is None
    status = await service.ncb("FR").status(request_id)
    assert (status.stage, status.outcome, status.awaited) == (ReviewStage.WITHDRAWN, "withdrawn", [])


async def test_a_request_for_the_person_of_a_published_notice_is_flagged_as_its_duplicate(service: Service) -> None:
    first_id = await submit(service, FRAUD)
    await settle(service, first_id, at(ReviewStage.LEGAL_ASSESSMENT))
    first = await approve(service, first_id)
    assert first.notice_id
    assert not [f for f in first.findings if f.rule_id == DUPLICATE.id]

    # Another NCB asks for the same person: names given the other way round and misspelt, same birth date,
    # no alias to match on.
    original = example(FRAUD)
    subject = original.subject.model_copy(update={"family_name": "Lucien", "forenames": "MARCHETI", "aliases": []})
    second_request = original.model_copy(
        update={"requesting_ncb": "IT", "ncb_reference": f"IT-{original.ncb_reference}", "subject": subject}
    )
    second_id = (await service.ncb("IT").submit(second_request)).request_id
    second = await settle(
        service, second_id, lambda s: s.screening_rounds == 1 and s.stage is not ReviewStage.INITIAL_SCREENING
    )

    duplicates = [f for f in second.findings if f.rule_id == DUPLICATE.id]
    assert duplicates, [f.rule_id for f in second.findings]
    assert {(f.evidence["request_id"], f.evidence["stage"], f.evidence["requesting_ncb"]) for f in duplicates} == {
        (first_id, "published", "FR")
    }
    assert notice_id_for(first_id) == first.notice_id
    assert all(f.severity is Severity.DOUBT and f.field == "subject" for f in duplicates)
    assert {f.rule_id for f in second.findings if f.severity is not Severity.INFO} == {DUPLICATE.id}
    assert second.stage is ReviewStage.DETAILED_REVIEW, "the duplicate alone sends the case to detailed review"


async def test_a_request_under_a_published_notices_alias_is_flagged_as_its_duplicate(service: Service) -> None:
    first_id = await submit(service, FRAUD)  # MARCHETTI Lucien Paul, alias MARKETTI Luciano
    await settle(service, first_id, at(ReviewStage.LEGAL_ASSESSMENT))
    first = await approve(service, first_id)
    assert first.notice_id

    # Another NCB asks for the person under the notice's alias only, same birth date and nationalities.
    original = example(FRAUD)
    subject = original.subject.model_copy(update={"family_name": "MARKETTI", "forenames": "Luciano", "aliases": []})
    request = original.model_copy(
        update={"requesting_ncb": "IT", "ncb_reference": f"IT-{original.ncb_reference}", "subject": subject}
    )
    second_id = (await service.ncb("IT").submit(request)).request_id
    second = await settle(
        service, second_id, lambda s: s.screening_rounds == 1 and s.stage is not ReviewStage.INITIAL_SCREENING
    )

    duplicates = [f for f in second.findings if f.rule_id == DUPLICATE.id]
    assert [(f.rule_id, f.evidence["request_id"]) for f in duplicates] == [(DUPLICATE.id, first_id)]
    (duplicate,) = duplicates
    assert (duplicate.evidence["notice_id"], duplicate.evidence["stage"]) == (first.notice_id, "published")
    assert (duplicate.field, duplicate.evidence["list_entry_field"]) == ("subject", "subject.aliases[0]")
    assert duplicate.evidence["list_entry"] == "MARKETTI Luciano"
    assert first.notice_id in duplicate.message
    assert second.stage is ReviewStage.DETAILED_REVIEW


async def test_a_case_that_continued_as_new_keeps_its_stage_findings_and_deadlines(service: Service) -> None:
    request_id = await submit(service, INCOMPLETE)
    await settle(service, request_id, at(ReviewStage.AWAITING_CLARIFICATION))
    await settle(service, request_id, lambda s: bool(s.messages))  # the clarification request has gone out
    carried = await service.reviewer("legal.ana").show(request_id)
    (asked,) = carried.info_requests
    assert asked.sent and not asked.reminded

    # What `run` hands to continue_as_new, under the same workflow id: the case so far. The first run
    # is ended first, as continue-as-new ends it, so that only the new run keeps the deadlines.
    workflow_id = workflow_id_for(request_id)
    first_run = service.client.get_workflow_handle_for(NoticeRequestWorkflow.run, workflow_id)
    first_run_id = (await first_run.describe()).run_id
    await first_run.terminate(reason="continue the case as new")
    await service.client.start_workflow(
        NoticeRequestWorkflow.run,
        NoticeRequestInput(request_id=request_id, request=carried.request, state=carried),
        id=workflow_id,
        task_queue=service.task_queue,
    )
    latest = service.client.get_workflow_handle_for(NoticeRequestWorkflow.run, workflow_id)
    assert (await latest.describe()).run_id != first_run_id

    state = await service.reviewer("legal.ana").show(request_id)
    assert state.stage is ReviewStage.AWAITING_CLARIFICATION
    assert state.findings == carried.findings and state.risk is carried.risk
    assert state.info_requests == carried.info_requests
    assert state.next_deadline() == asked.due_at
    assert state.screening_rounds == 1, "the new run does not register or screen the request again"
    assert state.timeline == carried.timeline and state.messages == carried.messages
    status = await service.ncb("BR").status(request_id)
    assert [(a.info_request_id, a.due_at) for a in status.awaited] == [(asked.info_request_id, asked.due_at)]

    # The deadlines set in the first run fall due in the new one: the reminder, then the deadline.
    now = await service.env.get_current_time()
    await service.env.sleep(asked.reminder_at - now + timedelta(hours=1))
    state = await settle(service, request_id, lambda s: s.info_requests[0].reminded)
    assert state.stage is ReviewStage.AWAITING_CLARIFICATION
    await service.env.sleep(asked.due_at - asked.reminder_at)
    state = await settle(service, request_id, at(ReviewStage.DETAILED_REVIEW))
    assert state.overdue and state.info_requests[0].status is InfoRequestStatus.OVERDUE
    assert [m.kind for m in state.messages] == ["clarification_request", "reminder", "deadline_missed"]
    assert len(await service.mailbox.await_count("Deadline passed", 1)) == 1
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("BR").reply(request_id, "late answer")
    assert refused.value.kind == "NothingAwaited"


async def test_a_case_left_with_reviewers_past_the_service_level_is_escalated_once(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    state = await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    (entered,) = [e for e in state.timeline if e.event == "stage:legal_assessment"]
    assert state.review_due_at == entered.at + REVIEW_SERVICE_LEVEL
    assert not state.escalated

    await service.env.sleep(REVIEW_SERVICE_LEVEL - timedelta(days=1))
    state = await service.reviewer("legal.ana").show(request_id)
    assert not state.escalated and "escalated" not in [e.event for e in state.timeline]

    await service.env.sleep(timedelta(days=2))
    state = await settle(service, request_id, lambda s: s.escalated)
    assert state.stage is ReviewStage.LEGAL_ASSESSMENT
    (escalation,) = [e for e in state.timeline if e.event == "escalated"]
    assert escalation.actor == "system" and "legal_assessment" in escalation.detail
    assert escalation.at >= entered.at + REVIEW_SERVICE_LEVEL

    await service.env.sleep(REVIEW_SERVICE_LEVEL * 3)
    await asyncio.sleep(1)  # time for a second escalation, had one been due, to be recorded
    state = await service.reviewer("legal.ana").show(request_id)
    assert state.escalated and state.stage is ReviewStage.LEGAL_ASSESSMENT
    assert [e.event for e in state.timeline].count("escalated") == 1, "escalated exactly once"


async def test_a_question_asked_while_another_message_is_handled_still_moves_the_case(service: Service) -> None:
    """A reviewer asks the NCB while a refused signal is still being recorded (the handler holds the
    case): the question waits its turn, and the case moves to the NCB before the question is sent."""
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    handle = service.client.get_workflow_handle_for(NoticeRequestWorkflow.run, workflow_id_for(request_id))
    await handle.signal(
        NoticeRequestWorkflow.decision_submitted,
        DecisionSubmitted(reviewer_id="sup.dana", outcome=DecisionOutcome.APPROVE, reason="too early"),
    )
    await settle(service, request_id, lambda s: len(s.rejected) == 1)
    accepted = await service.reviewer("police.ben").request_info(request_id, "Is the passport still current?")
    assert accepted.stage is ReviewStage.AWAITING_CLARIFICATION
    state = await settle(service, request_id, lambda s: any(m.kind == "clarification_request" for m in s.messages))
    assert state.stage is ReviewStage.AWAITING_CLARIFICATION
    assert [e.actor for e in state.timeline if e.event == "stage:awaiting_clarification"] == ["police.ben"]
    assert (await service.ncb("FR").status(request_id)).awaited[0].question == "Is the passport still current?"


@pytest.fixture
def slow_stage_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry records the move to awaiting_clarification slowly, as a busy database would: the
    window in which an NCB that already sees the question could answer it before it was sent."""
    original = Registry.record_case_event

    async def slow(self: Registry, event: CaseEvent) -> EventRecorded:
        if event.action == "stage:awaiting_clarification":
            await asyncio.sleep(1)
        return await original(self, event)

    monkeypatch.setattr(Registry, "record_case_event", slow)


async def _answer_at_once(service: Service, ncb: str, request_id: str) -> None:
    for _ in range(300):
        if (await service.ncb(ncb).status(request_id)).awaited:
            break
        await asyncio.sleep(0.05)
    await service.ncb(ncb).reply(request_id, "Nothing more to add.")


async def test_an_answer_to_screenings_question_reaches_it_only_once_it_was_sent(
    service: Service, slow_stage_records: None
) -> None:
    request_id = await submit(service, INCOMPLETE)
    await _answer_at_once(service, "BR", request_id)
    state = await settle(service, request_id, at(ReviewStage.DETAILED_REVIEW))
    assert [m.kind for m in state.messages].count("clarification_request") == 1
    assert state.info_requests[0].sent and state.info_requests[0].status is InfoRequestStatus.ANSWERED


async def test_an_answer_to_a_reviewers_question_reaches_it_only_once_it_was_sent(
    service: Service, slow_stage_records: None
) -> None:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    await service.reviewer("police.ben").request_info(request_id, "Is the passport still current?")
    await _answer_at_once(service, "FR", request_id)
    state = await settle(service, request_id, at(ReviewStage.DETAILED_REVIEW))
    (question,) = state.info_requests
    assert question.sent and question.status is InfoRequestStatus.ANSWERED
    assert [m.kind for m in state.messages].count("clarification_request") == 1


async def test_a_reviewer_records_an_external_source_as_evidence_on_the_case(service: Service) -> None:
    request_id = await submit(service, DEFAMATION)
    await settle(service, request_id, at(ReviewStage.DETAILED_REVIEW))
    url = "https://www.example.org/reports/2026/opposition-figures"
    ben = service.reviewer("police.ben")
    accepted = await ben.note_source(request_id, url, "Names the subject as an opposition MP.")
    assert accepted.stage is ReviewStage.DETAILED_REVIEW
    state = await service.reviewer("legal.ana").show(request_id)
    (note,) = state.sources
    assert (note.source, note.noted_by) == (url, "police.ben") and "opposition MP" in note.summary
    assert [(e.actor, e.detail) for e in state.timeline if e.event == "source_noted"] == [("police.ben", url)]
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("nobody").note_source(request_id, url, "Anything.")
    assert refused.value.kind == "NotInRoster"
    handle = service.client.get_workflow_handle_for(NoticeRequestWorkflow.run, workflow_id_for(request_id))
    await handle.signal(
        NoticeRequestWorkflow.source_noted, AnyMessage(reviewer_id="police.ben", source="not a url", summary="x")
    )
    state = await settle(service, request_id, lambda s: any(r.message == "note_source" and "source" in r.reason
                                                            for r in s.rejected))
    assert len(state.sources) == 1, "a source that is not an address is refused, naming the field"


async def test_a_source_on_a_closed_case_is_refused(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    await service.ncb("FR").withdraw(request_id, "Arrested.")
    await settle(service, request_id, at(ReviewStage.WITHDRAWN))
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("police.ben").note_source(request_id, "https://example.org/x", "Late.")
    assert refused.value.kind == "CaseClosed"
