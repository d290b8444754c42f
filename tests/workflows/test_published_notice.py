"""A published notice's lifetime: blocks, cancellation, acknowledgements, expiry and renewal."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from models.activities import NoticeStatus
from models.case import ReviewStage
from models.notice import AcknowledgementSent, NoticeAction, PublishedNoticeInput, PublishedNoticeState
from models.request import NoticeKind
from runtime.errors import ActionRefused
from starter.client import notice_workflow_id
from tests.workflows.conftest import Service
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


async def searchable(service: Service) -> bool:
    return bool((await service.search("DE", name="MARCHETTI")).hits)


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


async def test_a_temporary_block_records_its_end_and_refuses_one_in_the_past(service: Service) -> None:
    notice_id = await published(service)
    now = await service.env.get_current_time()
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("legal.ana").block(notice_id, "Pending verification", until=now - timedelta(days=1))
    assert refused.value.kind == "InvalidUntil"
    await service.reviewer("legal.ana").block(notice_id, "Pending verification", until=now + timedelta(days=3))
    state = await service.reviewer("legal.ana").notice(notice_id)
    assert state.status is NoticeStatus.BLOCKED and state.blocked_until == now + timedelta(days=3)
    assert not await searchable(service)


async def test_cancellation_removes_the_notice_for_good(service: Service) -> None:
    notice_id = await published(service)
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("legal.ana").cancel(notice_id, "non-compliant")
    assert refused.value.kind == "RoleNotAllowed"
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
    assert state.expires_at - state.published_at == timedelta(days=5 * 365)
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("FR").renew(notice_id, "still sought")
    assert refused.value.kind == "TooEarly"
    with pytest.raises(ActionRefused) as refused:
        await service.ncb("DE").renew(notice_id, "not ours")
    assert refused.value.kind == "NotYourNotice"


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
