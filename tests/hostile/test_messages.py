"""Hostile messages sent straight to the workflows with a Temporal client, bypassing the API (as the
Temporal UI or ``temporal workflow update/signal`` could): every update is rejected or refused, every
signal is refused (recorded, naming the field) or dropped, nothing else of the case or notice changes,
and no workflow task fails: the validators and handlers refuse, they do not raise."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from models.case import ReviewStage
from models.ids import notice_workflow_id, workflow_id_for
from tests.hostile.conftest import hostile, task_failures
from tests.hostile.test_submissions import BLANK, CONTROL, SOME_TEXT, over, within_text
from tests.workflows.conftest import Service, example

T = TypeVar("T")

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
"""Any JSON value."""

REQUEST_MESSAGES: dict[str, tuple[str, dict[str, Any]]] = {
    # update name: (its signal twin, a valid payload for the case in legal assessment)
    "request_info": ("info_requested", {"reviewer_id": "legal.ana", "question": "Still wanted?", "due_days": 14}),
    "reply": ("clarification_replied", {"ncb": "FR", "answer": "Yes."}),
    "note_source": ("source_noted", {"reviewer_id": "legal.ana", "source": "https://x.org/a", "summary": "A report."}),
    "conclude_review": ("review_concluded", {"reviewer_id": "police.ben", "summary": "Checked."}),
    "assess_case": ("assessment_submitted", {"reviewer_id": "legal.ana", "verdict": "compliant", "basis": "RPD"}),
    "decide_case": ("decision_submitted", {"reviewer_id": "sup.dana", "outcome": "approve", "reason": "compliant"}),
    "withdraw": ("withdrawal_requested", {"ncb": "FR", "reason": "Arrested."}),
}
NOTICE_MESSAGES: dict[str, tuple[str | None, dict[str, Any]]] = {
    "block": ("block_requested", {"reviewer_id": "sup.dana", "reason": "verification"}),
    "unblock": ("unblock_requested", {"reviewer_id": "sup.dana", "reason": "verified"}),
    "cancel": ("cancel_requested", {"reviewer_id": "sup.dana", "reason": "no longer sought"}),
    "renew": (None, {"ncb": "FR", "reason": "still sought"}),
    "acknowledge": ("acknowledged", {"ncb": "DE"}),
}
ACTION_FIELDS = {"reviewer_id", "ncb", "question", "answer", "summary", "basis", "reason", "verdict", "outcome",
                 "source", "due_days", "to_ncb", "articles", "amendments", "until", "override_justification",
                 "info_request_id", "instruction_key"}

TEXTS = {"reviewer_id", "question", "answer", "summary", "basis", "reason", "source", "verdict", "outcome"}
"""Texts that cannot be blank (``ncb`` can: it then names no NCB awaited, and is refused as such)."""
REQUIRED = TEXTS | {"ncb"}
WRONG_TYPE = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(),
                       st.lists(JSON, max_size=3), st.dictionaries(st.text(max_size=5), JSON, max_size=3))
"""Not text (nor null): wrong wherever the message wants text."""


def spoiled(valid: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A payload that cannot be taken: a field missing, of the wrong type, blank; a value out of its
    choices or range; or no object at all."""
    keys = sorted(valid)
    choices = [
        st.sampled_from([k for k in keys if k in REQUIRED]).map(lambda k: {f: v for f, v in valid.items() if f != k}),
        st.builds(lambda k, v: {**valid, k: v}, st.sampled_from(keys), WRONG_TYPE),
        JSON.filter(lambda v: not isinstance(v, dict)),
        st.builds(lambda extra: {**extra, **{k: None for k in keys}},
                  st.dictionaries(st.text(max_size=8), JSON, max_size=3)),
    ]
    texts = [k for k in keys if k in TEXTS]
    if texts:
        choices.append(st.builds(lambda k, v: {**valid, k: v}, st.sampled_from(texts), BLANK))
    for choice in ("verdict", "outcome"):
        if choice in valid:
            choices.append(st.builds(lambda v, c=choice: {**valid, c: v}, SOME_TEXT))
    if "due_days" in valid:
        choices.append(st.builds(lambda v: {**valid, "due_days": v},
                                 st.one_of(st.integers(max_value=0), st.integers(min_value=181))))
    if set(valid) == {"reviewer_id", "reason"}:  # block, unblock, cancel: the end of a temporary block
        choices.append(st.builds(lambda v: {**valid, "until": v}, st.sampled_from(["never", "2030-02-30T00:00:00Z"])))
    return st.one_of(*choices)


def addressed_wrong(valid: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A request for information to an addressee that is not an NCB's two-letter code: a line break, a
    control character, an address, a long name."""
    return st.builds(lambda v: {**valid, "to_ncb": v}, st.one_of(
        within_text(st.sampled_from(["\r\n", "\n", "\r"])), within_text(CONTROL),
        st.sampled_from(["FRA", "ncb.fr@x.org", "x" * 300, "1", "F R", "../fr", "F1"]),
    ))


async def _case_in_assessment(service: Service) -> tuple[str, str]:
    request = example("red-notice-fraud.json")
    submission = await service.ncb("FR").submit(request)
    reviewer = service.reviewer("legal.ana")
    for _ in range(600):
        if (await reviewer.show(submission.request_id)).stage is ReviewStage.LEGAL_ASSESSMENT:
            break
    else:
        pytest.fail("the case never reached legal assessment")
    return submission.request_id, workflow_id_for(submission.request_id)


@pytest.fixture
async def case_in_assessment(service: Service) -> tuple[str, str]:
    return await _case_in_assessment(service)


ANSWER_WITHIN = 60.0
"""Seconds a query or an update may take: a workflow task that fails leaves them unanswered for good."""


async def answered(client: Client, workflow_id: str, call: Awaitable[T]) -> T:
    try:
        async with asyncio.timeout(ANSWER_WITHIN):
            return await call
    except TimeoutError:
        pytest.fail(f"{workflow_id} did not answer; its task failures: {await task_failures(client, workflow_id)}")


async def state_of(client: Client, workflow_id: str, query: str, *args: Any) -> dict[str, Any]:
    handle = client.get_workflow_handle(workflow_id)
    found = await answered(client, workflow_id, handle.query(query, *args, result_type=dict))
    assert isinstance(found, dict)
    return found


def without_refusals(state: dict[str, Any]) -> dict[str, Any]:
    """A case or notice less what a refused message adds: the refusal and its timeline entry."""
    case = state.get("case", state)
    return {k: v for k, v in case.items() if k not in {"rejected", "timeline", "seq"}}


def refusals(state: dict[str, Any]) -> list[dict[str, Any]]:
    rejected: list[dict[str, Any]] = state.get("case", state)["rejected"]
    return rejected


async def send_update(client: Client, workflow_id: str, name: str, payload: Any) -> None:
    """An update that must not be taken: rejected by its validator or refused by its handler."""
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):
        await answered(client, workflow_id, client.get_workflow_handle(workflow_id).execute_update(name, payload))


@hostile
@given(data=st.data())
async def test_a_hostile_update_or_signal_to_a_case_is_refused_without_a_task_failure(
    service: Service, case_in_assessment: tuple[str, str], data: st.DataObject
) -> None:
    _, workflow_id = case_in_assessment
    update = data.draw(st.sampled_from(sorted(REQUEST_MESSAGES)), "update")
    signal, valid = REQUEST_MESSAGES[update]
    payload = data.draw(
        addressed_wrong(valid) if update == "request_info" and data.draw(st.booleans()) else spoiled(valid), "payload"
    )
    before = await state_of(service.client, workflow_id, "case", {})
    await send_update(service.client, workflow_id, update, payload)
    after_update = await state_of(service.client, workflow_id, "case", {})
    assert without_refusals(after_update) == without_refusals(before)

    await service.client.get_workflow_handle(workflow_id).signal(signal, payload)
    # a signal is taken in order: a query answered after it sees what it did
    after_signal = await state_of(service.client, workflow_id, "case", {})
    assert without_refusals(after_signal) == without_refusals(before)
    new = refusals(after_signal)[len(refusals(after_update)):]
    assert len(new) <= 1, new
    assert await task_failures(service.client, workflow_id) == []


STATEMENTS = {"question", "answer", "summary", "basis", "reason"}


@hostile
@given(data=st.data())
async def test_an_update_with_a_text_over_its_limit_sent_straight_to_temporal_is_rejected(
    service: Service, case_in_assessment: tuple[str, str], data: st.DataObject
) -> None:
    """The limits the API holds texts to hold for an update that bypasses it: at most 4,000 characters,
    no control character but line breaks and tabs."""
    _, workflow_id = case_in_assessment
    update = data.draw(st.sampled_from(sorted(REQUEST_MESSAGES)), "update")
    _, valid = REQUEST_MESSAGES[update]
    field = next(k for k in sorted(valid) if k in STATEMENTS)
    payload = {**valid, field: data.draw(st.one_of(over(4000), within_text(CONTROL)), "text")}
    before = await state_of(service.client, workflow_id, "case", {})
    await send_update(service.client, workflow_id, update, payload)
    assert await state_of(service.client, workflow_id, "case", {}) == before
    assert await task_failures(service.client, workflow_id) == []


@hostile
@given(name=st.text(min_size=1, max_size=30), payload=JSON, signal=st.booleans())
async def test_an_unknown_message_to_a_case_changes_nothing_and_fails_no_task(
    service: Service, case_in_assessment: tuple[str, str], name: str, payload: Any, signal: bool
) -> None:
    _, workflow_id = case_in_assessment
    known = {*REQUEST_MESSAGES, *(s for s, _ in REQUEST_MESSAGES.values())}
    if name in known:
        return
    before = await state_of(service.client, workflow_id, "case", {})
    handle = service.client.get_workflow_handle(workflow_id)
    if signal:
        await handle.signal(name, payload)
    else:
        await send_update(service.client, workflow_id, name, payload)
    assert await state_of(service.client, workflow_id, "case", {}) == before
    assert await task_failures(service.client, workflow_id) == []


@pytest.fixture
async def published_notice(service: Service, case_in_assessment: tuple[str, str]) -> str:
    request_id, _ = case_in_assessment
    await service.reviewer("legal.ana").assess(request_id, "compliant", "RPD")  # type: ignore[arg-type]
    await service.reviewer("sup.dana").decide(request_id, "approve", "compliant")  # type: ignore[arg-type]
    for _ in range(600):
        state = await service.reviewer("legal.ana").show(request_id)
        if state.stage is ReviewStage.PUBLISHED and state.notice_id:
            return notice_workflow_id(state.notice_id)
    pytest.fail("never published")


@hostile
@given(data=st.data())
async def test_a_hostile_update_or_signal_to_a_notice_is_refused_without_a_task_failure(
    service: Service, published_notice: str, data: st.DataObject
) -> None:
    update = data.draw(st.sampled_from(sorted(NOTICE_MESSAGES)), "update")
    signal, valid = NOTICE_MESSAGES[update]
    payload = data.draw(spoiled(valid), "payload")
    before = await state_of(service.client, published_notice, "notice")
    await send_update(service.client, published_notice, update, payload)
    after_update = await state_of(service.client, published_notice, "notice")
    assert without_refusals(after_update) == without_refusals(before)
    if signal is not None:
        await service.client.get_workflow_handle(published_notice).signal(signal, payload)
        after_signal = await state_of(service.client, published_notice, "notice")
        assert without_refusals(after_signal) == without_refusals(before)
    assert await task_failures(service.client, published_notice) == []


EMPTY = "The message is empty: send a JSON object with the message's fields."


async def _send_empty_messages(service: Service, workflow_id: str, messages: dict[str, Any], query: str,
                               *args: Any) -> None:
    before = await state_of(service.client, workflow_id, query, *args)
    for update, (signal, _) in sorted(messages.items()):
        await send_update(service.client, workflow_id, update, None)
        if signal is not None:
            await service.client.get_workflow_handle(workflow_id).signal(signal, None)
    signals = sum(1 for signal, _ in messages.values() if signal is not None)
    for _ in range(300):  # each refusal is recorded in turn (an activity each): wait for all of them
        after = await state_of(service.client, workflow_id, query, *args)
        if len(refusals(after)) - len(refusals(before)) >= signals:
            break
        await asyncio.sleep(0.1)
    assert without_refusals(after) == without_refusals(before)
    assert len(refusals(after)) - len(refusals(before)) == signals
    assert {r["reason"] for r in refusals(after)} == {EMPTY}
    assert await task_failures(service.client, workflow_id) == []


async def test_an_empty_message_to_every_update_and_signal_of_a_case_is_refused_without_a_task_failure(
    service: Service, case_in_assessment: tuple[str, str]
) -> None:
    """``null`` as the payload (Temporal decodes it to None whatever the handler's type): each update is
    rejected, each signal recorded as refused, and the case goes on."""
    await _send_empty_messages(service, case_in_assessment[1], REQUEST_MESSAGES, "case", {})


async def test_an_empty_message_to_every_update_and_signal_of_a_notice_is_refused_without_a_task_failure(
    service: Service, published_notice: str
) -> None:
    await _send_empty_messages(service, published_notice, NOTICE_MESSAGES, "notice")
