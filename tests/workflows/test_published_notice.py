"""A published notice's lifetime: blocks, cancellation, acknowledgements, expiry and renewal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from email.message import Message

import pytest

from models.case import ReviewStage
from models.ids import notice_workflow_id
from models.notice import AcknowledgementSent, NoticeAction, NoticeStatus, PublishedNoticeInput, PublishedNoticeState
from models.reference import ReferenceKind
from models.request import NoticeKind
from registry.references import parse_reference_csv
from runtime.errors import ActionRefused
from tests.workflows.conftest import REFERENCE, Service
from tests.workflows.test_notice_request import FRAUD, approve, at, settle, submit
from workflows.published_notice import PublishedNoticeWorkflow


async def published(service: Service) -> str:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    state = await approve(service, request_id)
    assert state.notice_id
    return state.notice_id


async def notice_until(
    service: Service, notice_id: str, done: Callable[[PublishedNoticeState], bool], seconds: float = 30
) -> PublishedNoticeState:
    reviewer = service.reviewer("sup.dana")
    state = await reviewer.notice(notice_id)
    for _ in range(int(seconds * 10)):
        if done(state):
            return state
        await asyncio.sleep(0.1)
        state = await reviewer.notice(notice_id)
    raise AssertionError(f"notice did not settle: {state.status}, {[e.event for e in state.timeline]}")


MEMBERS = len(parse_reference_csv(ReferenceKind.MEMBERS, (REFERENCE / "members.csv").read_text(encoding="utf-8")))
"""Broadcasts go to the members the service fixture loaded from data/reference/members.csv."""


def body(mail: Message) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


async def searchable(service: Service) -> bool:
    return bool((await service.search("DE", name="MARCHETTI")).hits)


async def seen_by(service: Service, *ncbs: str) -> dict[str, list[str]]:
    """What each NCB's search for the person returns: the status of each hit."""
    return {ncb: [h.status for h in (await service.search(ncb, name="Marchetti")).hits] for ncb in ncbs}


async def test_visibility_from_every_side_through_the_notices_life(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    ndtf = service.reviewer("legal.ana")
    # before authorisation: the requesting NCB sees its own request under review, nobody else anything
    assert await seen_by(service, "FR", "DE", "BR") == {"FR": ["legal_assessment"], "DE": [], "BR": []}
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("DE").status(request_id)
    assert refused.value.kind == "NotYourRequest"
    assert (await ndtf.show(request_id)).request.subject.family_name == "MARCHETTI"

    notice_id = (await approve(service, request_id)).notice_id
    assert notice_id
    assert await seen_by(service, "FR", "DE", "BR") == {"FR": ["published"], "DE": ["published"], "BR": ["published"]}

    await ndtf.block(notice_id, "Article 3 doubts raised after publication")
    assert await seen_by(service, "FR", "DE", "BR") == {"FR": [], "DE": [], "BR": []}
    assert (await ndtf.notice(notice_id)).status is NoticeStatus.BLOCKED
    assert (await service.ncb("FR").status(request_id)).outcome == "approved"

    await service.reviewer("sup.dana").unblock(notice_id, "Doubts resolved")
    assert await seen_by(service, "FR", "DE") == {"FR": ["published"], "DE": ["published"]}

    await service.reviewer("sup.dana").cancel(notice_id, "Person no longer sought")
    assert await seen_by(service, "FR", "DE", "BR") == {"FR": [], "DE": [], "BR": []}
    assert (await ndtf.notice(notice_id)).status is NoticeStatus.CANCELLED


async def test_block_hides_the_notice_instructs_every_ncb_and_tracks_acknowledgements(service: Service) -> None:
    notice_id = await published(service)
    assert await searchable(service)
    accepted = await service.reviewer("legal.ana").block(notice_id, "Doubts raised on Article 3 grounds")
    assert accepted.status is NoticeStatus.BLOCKED
    assert not await searchable(service)
    report = await service.reviewer("legal.ana").acks(notice_id)
    (instruction,) = report.instructions
    assert "DE" in instruction.pending and len(instruction.pending) > 190
    await service.ncb("DE").acknowledge(notice_id)
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("DE").acknowledge(notice_id)
    assert refused.value.kind == "NothingAwaited"
    report = await service.reviewer("legal.ana").acks(notice_id)
    assert "DE" in report.instructions[0].acknowledged and "DE" not in report.instructions[0].pending

    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("legal.ana").unblock(notice_id, "resolved")
    assert refused.value.kind == "RoleNotAllowed"
    await service.reviewer("sup.dana").unblock(notice_id, "Doubts resolved")
    assert await searchable(service)


async def test_a_temporary_block_lifts_itself_at_its_end_and_refuses_one_in_the_past(service: Service) -> None:
    notice_id = await published(service)
    now = await service.env.get_current_time()
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("legal.ana").block(notice_id, "Pending verification", until=now - timedelta(days=1))
    assert refused.value.kind == "InvalidUntil"
    assert await searchable(service), "a refused block leaves the notice in search"
    await service.reviewer("legal.ana").block(notice_id, "Pending verification", until=now + timedelta(days=3))
    state = await service.reviewer("legal.ana").notice(notice_id)
    assert state.status is NoticeStatus.BLOCKED and state.blocked_until == now + timedelta(days=3)
    assert not await searchable(service)

    await service.env.sleep(timedelta(days=2))
    assert (await service.reviewer("legal.ana").notice(notice_id)).status is NoticeStatus.BLOCKED
    await service.env.sleep(timedelta(days=2))
    state = await notice_until(service, notice_id, lambda s: s.status is NoticeStatus.PUBLISHED)
    assert state.blocked_until is None
    assert state.timeline[-1].actor == "system" and state.timeline[-1].detail == "temporary block ended"
    assert await searchable(service)
    visible_again = await service.mailbox.await_count(f"Notice {notice_id} is visible again", MEMBERS)
    assert len(visible_again) == MEMBERS


async def test_silent_ncbs_are_reminded_after_a_week_and_escalated_to_the_ndtf_at_the_deadline(
    service: Service,
) -> None:
    notice_id = await published(service)
    await service.reviewer("legal.ana").block(notice_id, "Doubts raised on Article 3 grounds")
    for ncb in ("DE", "IT"):
        await service.ncb(ncb).acknowledge(notice_id)

    await service.env.sleep(timedelta(days=6))
    state = await service.reviewer("legal.ana").notice(notice_id)
    assert not state.instructions[0].reminded
    assert not service.mailbox.about("Reminder: confirm")

    await service.env.sleep(timedelta(days=2))
    state = await notice_until(service, notice_id, lambda s: s.instructions[0].reminded)
    silent = set(state.instructions[0].pending)
    assert len(silent) == MEMBERS - 2
    reminders = await service.mailbox.await_count("Reminder: confirm", len(silent))
    reminded = {str(m["X-Envelope-To"]).removeprefix("ncb.").split("@")[0].upper() for m in reminders}
    assert reminded == silent, "every silent NCB is reminded, and no NCB that confirmed"
    assert not state.instructions[0].escalated

    await service.ncb("ES").acknowledge(notice_id)
    await service.env.sleep(timedelta(days=7))
    state = await notice_until(service, notice_id, lambda s: s.instructions[0].escalated)
    (escalation,) = await service.mailbox.await_count("[ESCALATION]", 1)
    assert "ndtf.escalations@" in str(escalation["X-Envelope-To"])
    named = set(body(escalation).split("reflect it: ")[1].split(".")[0].split(", "))
    assert named == silent - {"ES"}
    assert "ack_escalation" in [e.event for e in state.timeline]

    await service.ncb("BR").acknowledge(notice_id)
    report = await service.reviewer("legal.ana").acks(notice_id)
    assert {"DE", "IT", "ES", "BR"} <= set(report.instructions[0].acknowledged)
    assert "BR" not in report.instructions[0].pending
    assert len(service.mailbox.about("Reminder: confirm")) == len(silent), "reminded once only"


async def test_cancellation_removes_the_notice_for_good(service: Service) -> None:
    notice_id = await published(service)
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("legal.ana").cancel(notice_id, "non-compliant")
    assert refused.value.kind == "RoleNotAllowed"
    assert await searchable(service)
    await service.reviewer("sup.dana").cancel(notice_id, "Non-compliance identified after publication")
    assert not await searchable(service)
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("sup.dana").block(notice_id, "again")
    assert refused.value.kind == "NoticeEnded"
    report = await service.reviewer("sup.dana").acks(notice_id)
    assert [i.kind.value for i in report.instructions] == ["cancel"]


async def test_red_notice_is_valid_five_years_and_renewal_is_the_requesting_ncbs_near_the_end(service: Service) -> None:
    notice_id = await published(service)
    state = await service.reviewer("sup.dana").notice(notice_id)
    assert state.expires_at is not None
    first_expiry = state.expires_at
    assert first_expiry == state.published_at.replace(year=state.published_at.year + 5)
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("FR").renew(notice_id, "still sought")
    assert refused.value.kind == "TooEarly"

    await service.env.sleep(first_expiry - state.published_at - timedelta(days=89))
    state = await notice_until(service, notice_id, lambda s: s.renewal_reminded)
    assert state.status is NoticeStatus.PUBLISHED
    (reminder,) = await service.mailbox.await_count(f"Notice {notice_id} expires soon", 1)
    assert "ncb.fr@" in str(reminder["X-Envelope-To"])
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("DE").renew(notice_id, "not ours")
    assert refused.value.kind == "NotYourNotice"
    await service.ncb("FR").renew(notice_id, "still sought; extradition request pending")
    state = await service.reviewer("sup.dana").notice(notice_id)
    assert state.expires_at == first_expiry.replace(year=first_expiry.year + 5) and state.renewals == 1

    await service.env.sleep(timedelta(days=120))
    state = await service.reviewer("sup.dana").notice(notice_id)
    assert state.status is NoticeStatus.PUBLISHED, "a renewed notice outlives its first term"
    assert await searchable(service)


async def test_a_notice_not_renewed_expires_and_leaves_search(service: Service) -> None:
    notice_id = await published(service)
    assert await searchable(service)
    await service.env.sleep(timedelta(days=5 * 366))
    state = await notice_until(service, notice_id, lambda s: s.status is NoticeStatus.EXPIRED)
    assert state.renewal_reminded, "the requesting NCB was reminded before it lapsed"
    assert not await searchable(service)
    expired = await service.mailbox.await_count(f"Notice {notice_id} expired", MEMBERS)
    assert len(expired) == MEMBERS
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("FR").renew(notice_id, "too late")
    assert refused.value.kind == "NoticeEnded"


async def test_notice_lifetime_continues_as_new_carrying_its_state(service: Service) -> None:
    notice_id = await published(service)
    base = await service.reviewer("sup.dana").notice(notice_id)
    workflow_id = f"{notice_workflow_id(notice_id)}-can"
    handle = await service.client.start_workflow(
        PublishedNoticeWorkflow.run,
        PublishedNoticeInput(
            notice_id=notice_id,
            request_id=base.request_id,
            kind=NoticeKind.RED_NOTICE,
            requesting_ncb="FR",
            published_at=base.published_at,
            continue_as_new_after=3,
        ),
        id=workflow_id,
        task_queue=service.task_queue,
    )
    first_run = (await handle.describe()).run_id
    latest = service.client.get_workflow_handle_for(PublishedNoticeWorkflow.run, workflow_id)
    await latest.execute_update(PublishedNoticeWorkflow.block, NoticeAction(reviewer_id="legal.ana", reason="check"))
    for ncb in ("DE", "IT", "ES", "PT"):
        await latest.execute_update(PublishedNoticeWorkflow.acknowledge, AcknowledgementSent(ncb=ncb))
    for _ in range(100):
        description = await latest.describe()
        if description.run_id != first_run:
            break
        await asyncio.sleep(0.1)
    assert description.run_id != first_run
    state = await latest.query(PublishedNoticeWorkflow.notice)
    assert state.generation >= 1
    assert state.status is NoticeStatus.BLOCKED
    assert {"DE", "IT", "ES", "PT"} <= set(state.instructions[0].acknowledged)
    await latest.execute_update(PublishedNoticeWorkflow.acknowledge, AcknowledgementSent(ncb="BE"))
    state = await latest.query(PublishedNoticeWorkflow.notice)
    assert "BE" in state.instructions[0].acknowledged
    # the deadlines carried across: the new run reminds the NCBs still silent a week after the block
    await service.env.sleep(timedelta(days=8))
    for _ in range(300):
        state = await latest.query(PublishedNoticeWorkflow.notice)
        if state.instructions[0].reminded:
            break
        await asyncio.sleep(0.1)
    assert state.instructions[0].reminded
    assert "BE" not in state.instructions[0].pending and "FR" in state.instructions[0].pending


async def test_lifting_a_block_or_cancelling_stops_chasing_the_instructions_it_made_moot(service: Service) -> None:
    notice_id = await published(service)
    ndtf = service.reviewer("sup.dana")
    await ndtf.block(notice_id, "Doubts raised on Article 3 grounds")
    await service.env.sleep(timedelta(days=2))
    await ndtf.unblock(notice_id, "Doubts resolved")
    state = await ndtf.notice(notice_id)
    assert state.instructions[0].superseded_by == "block lifted"
    await service.env.sleep(timedelta(days=16))
    state = await ndtf.notice(notice_id)
    assert not state.instructions[0].reminded and not state.instructions[0].escalated
    assert not service.mailbox.about("Reminder: confirm") and not service.mailbox.about("[ESCALATION]")

    await ndtf.block(notice_id, "New information")
    await ndtf.cancel(notice_id, "Person no longer sought")
    report = await ndtf.acks(notice_id)
    assert [(i.kind.value, i.superseded_by) for i in report.instructions] == [
        ("block", "block lifted"),
        ("block", "notice cancelled"),
        ("cancel", None),
    ]
    await service.env.sleep(timedelta(days=8))
    state = await notice_until(service, notice_id, lambda s: s.instructions[-1].reminded)
    assert not state.instructions[1].reminded, "only the cancellation is chased"
