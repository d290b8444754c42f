"""Claiming a case: a reviewer holds it so others see who works it; the claim is refused while another
reviewer holds it, released by its holder, and lapses by itself (the time-skipping server lets the
hours pass). The workflow records each in its timeline and publishes the holder as ``Assignee``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from models.case import CaseState, ClaimRequested, ReleaseRequested, ReviewStage
from runtime import search_attributes as sa
from runtime.errors import ActionRefused
from tests.workflows.conftest import Service, example
from tests.workflows.test_notice_request import DEFAMATION, FRAUD, at, settle, submit
from workflows import checks


async def assignee(service: Service, request_id: str) -> str | None:
    description = await service.client.get_workflow_handle(f"notice-request-{request_id}").describe()
    return description.typed_search_attributes.get(sa.ASSIGNEE)


async def assignee_becomes(service: Service, request_id: str, expected: str | None) -> str | None:
    """The ``Assignee`` search attribute once it reads ``expected`` (it is set after the event is recorded)."""
    for _ in range(100):
        found = await assignee(service, request_id)
        if found == expected:
            return found
        await asyncio.sleep(0.1)
    return await assignee(service, request_id)


async def test_a_claimed_case_is_held_by_its_reviewer_and_refused_to_another(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))

    accepted = await service.reviewer("legal.ana").claim(request_id, 4)
    assert "you hold the case until" in accepted.detail
    state = await service.reviewer("legal.ana").show(request_id)
    assert state.assignee == "legal.ana" and state.claimed_until is not None
    assert [(e.event, e.actor) for e in state.timeline][-1] == ("claimed", "legal.ana")
    assert await assignee_becomes(service, request_id, "legal.ana") == "legal.ana"

    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("legal.eli").claim(request_id, 4)
    assert refused.value.kind == "ClaimedByOther" and "legal.ana" in str(refused.value)
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("legal.eli").release(request_id)
    assert refused.value.kind == "ClaimedByOther"
    assert (await service.reviewer("legal.ana").show(request_id)).assignee == "legal.ana"

    await service.reviewer("legal.ana").release(request_id)
    state = await service.reviewer("legal.ana").show(request_id)
    assert state.assignee is None and state.claimed_until is None
    assert state.timeline[-1].event == "released"
    assert await assignee_becomes(service, request_id, None) is None
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("legal.ana").release(request_id)
    assert refused.value.kind == "NotClaimed"

    await service.reviewer("legal.eli").claim(request_id, 4)
    assert (await service.reviewer("legal.ana").show(request_id)).assignee == "legal.eli"


async def test_a_claim_lapses_after_its_hours_and_the_case_is_free_again(service: Service) -> None:
    request_id = await submit(service, DEFAMATION)
    await settle(service, request_id, at(ReviewStage.DETAILED_REVIEW))
    await service.reviewer("police.ben").claim(request_id, 4)

    await service.env.sleep(timedelta(hours=3))
    state = await service.reviewer("legal.ana").show(request_id)
    assert state.assignee == "police.ben", "still held before its time"

    await service.env.sleep(timedelta(hours=2))
    state = await settle(service, request_id, lambda s: s.assignee is None)
    (lapse,) = [e for e in state.timeline if e.event == "claim_lapsed"]
    assert lapse.actor == "system" and "police.ben" in lapse.detail
    assert state.stage is ReviewStage.DETAILED_REVIEW and state.claimed_until is None
    assert await assignee_becomes(service, request_id, None) is None
    await service.reviewer("legal.ana").claim(request_id, 4)
    assert (await service.reviewer("legal.ana").show(request_id)).assignee == "legal.ana"


async def test_a_case_that_closes_is_held_by_nobody(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    await service.reviewer("legal.ana").claim(request_id, 4)
    await service.ncb("FR").withdraw(request_id, "The person was arrested.")
    state = await settle(service, request_id, at(ReviewStage.WITHDRAWN))
    assert state.assignee is None and state.claimed_until is None
    # (The test server cannot describe a closed workflow whose datetime attribute was unset; the state says it.)


async def test_a_reviewer_off_the_roster_cannot_claim(service: Service) -> None:
    request_id = await submit(service, FRAUD)
    await settle(service, request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    with pytest.raises(ActionRefused) as refused:
        await service.reviewer("ghost.reviewer").claim(request_id, 4)
    assert refused.value.kind == "NotInRoster"
    assert (await service.reviewer("legal.ana").show(request_id)).assignee is None


# --- the validator's checks, without a server -------------------------------------------------------

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def case_at(stage: ReviewStage, holder: str | None = None, until: datetime | None = None) -> CaseState:
    return CaseState(request_id="r-1", workflow_id="notice-request-r-1", request=example(FRAUD), stage=stage,
                     assignee=holder, claimed_until=until)


@pytest.mark.parametrize("stage", sorted(checks.CLAIMABLE))
def test_a_case_nobody_holds_can_be_claimed_in_a_reviewers_stage(stage: ReviewStage) -> None:
    checks.claim(case_at(stage), ClaimRequested(reviewer_id="legal.ana"), NOW)


@pytest.mark.parametrize(
    "stage", [ReviewStage.REGISTERED, ReviewStage.INITIAL_SCREENING, ReviewStage.PUBLISHED, ReviewStage.DENIED]
)
def test_a_case_outside_the_reviewers_stages_cannot_be_claimed(stage: ReviewStage) -> None:
    with pytest.raises(checks.Refused) as refused:
        checks.claim(case_at(stage), ClaimRequested(reviewer_id="legal.ana"), NOW)
    assert refused.value.kind in {"WrongStage", "CaseClosed"}


def test_a_claim_held_by_another_is_refused_in_words_until_it_lapses() -> None:
    held = case_at(ReviewStage.LEGAL_ASSESSMENT, "legal.eli", NOW + timedelta(minutes=1))
    with pytest.raises(checks.Refused) as refused:
        checks.claim(held, ClaimRequested(reviewer_id="legal.ana"), NOW)
    assert refused.value.kind == "ClaimedByOther"
    assert refused.value.reason.startswith("The case is held by legal.eli until 2026-03-01 12:01 UTC")
    checks.claim(held, ClaimRequested(reviewer_id="legal.eli"), NOW)  # the holder claims again
    checks.claim(held, ClaimRequested(reviewer_id="legal.ana"), NOW + timedelta(minutes=1))  # lapsed


def test_only_the_holder_releases_a_live_claim() -> None:
    held = case_at(ReviewStage.DETAILED_REVIEW, "legal.eli", NOW + timedelta(hours=1))
    checks.release(held, ReleaseRequested(reviewer_id="legal.eli"), NOW)
    with pytest.raises(checks.Refused) as refused:
        checks.release(held, ReleaseRequested(reviewer_id="legal.ana"), NOW)
    assert refused.value.kind == "ClaimedByOther"
    with pytest.raises(checks.Refused) as refused:
        checks.release(held, ReleaseRequested(reviewer_id="legal.eli"), NOW + timedelta(hours=2))
    assert refused.value.kind == "NotClaimed"


@pytest.mark.parametrize("hours", [0, -1, 24.5])
def test_a_claim_longer_than_a_day_or_not_positive_does_not_validate(hours: float) -> None:
    with pytest.raises(ValueError):
        ClaimRequested(reviewer_id="legal.ana", hours=hours)
