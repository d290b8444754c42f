"""A forged message changes nothing: a client that reaches Temporal without the payload key (or with
another key) can send a signal or an update to a case, but the worker, whose codec opens only what
its key sealed, drops the signal and rejects the update. The case records nothing of either, its
workflow task does not fail, and the next message from a holder of the key goes through.

On the dev server (the real path), with a worker whose client carries the key, as in `make run`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from admin.client import ReviewerClient
from models.case import CaseState, DecisionOutcome, ReviewStage, Verdict
from models.ids import workflow_id_for
from registry.database import Database
from runtime.codec import ENCODING, EncryptionCodec, new_key
from runtime.config import Settings
from starter.client import NcbClient
from tests.workflows.conftest import Mailbox, example, mailbox, registry_db  # noqa: F401 - fixtures
from worker import build_worker

FRAUD = "red-notice-fraud.json"


def keyed(key: str) -> DataConverter:
    return dataclasses.replace(pydantic_data_converter, payload_codec=EncryptionCodec.from_base64(key))


@dataclass
class Protected:
    env: WorkflowEnvironment
    client: Client
    """The service's own client: it holds the payload key the worker holds."""
    task_queue: str

    def reviewer(self, reviewer_id: str) -> ReviewerClient:
        return ReviewerClient(self.client, reviewer_id, self.task_queue)

    def client_with(self, converter: DataConverter) -> Client:
        return Client(self.env.client.service_client, namespace=self.env.client.namespace, data_converter=converter)


@pytest.fixture
async def protected(
    dev_env: WorkflowEnvironment, registry_db: Database, mailbox: Mailbox  # noqa: F811 - the fixtures imported above
) -> AsyncIterator[Protected]:
    task_queue = f"protected-{uuid.uuid4().hex[:10]}"
    client = Client(dev_env.client.service_client, namespace=dev_env.client.namespace, data_converter=keyed(new_key()))
    config = Settings(task_queue=task_queue, database_url="unused", smtp_host="127.0.0.1", smtp_port=mailbox.port)
    async with build_worker(client, registry_db, config, task_queue):
        yield Protected(dev_env, client, task_queue)


async def _settle(service: Protected, request_id: str, stage: ReviewStage) -> CaseState:
    reviewer = service.reviewer("legal.ana")
    for _ in range(300):
        state = await reviewer.show(request_id)
        if state.stage is stage:
            return state
        await asyncio.sleep(0.1)
    raise AssertionError(f"the case did not reach {stage}: {state.stage}")


async def _handled(handle: WorkflowHandle[Any, Any], signal_name: str) -> None:
    """Wait until the worker completed a workflow task after the signal reached the history."""
    for _ in range(300):
        events = [event async for event in handle.fetch_history_events()]
        signalled = [
            e.event_id for e in events
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
            and e.workflow_execution_signaled_event_attributes.signal_name == signal_name
        ]
        completed = [e.event_id for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED]
        if signalled and completed and completed[-1] > signalled[-1]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the worker never handled the {signal_name} signal")


async def _no_task_failed(handle: WorkflowHandle[Any, Any]) -> None:
    events = [event async for event in handle.fetch_history_events()]
    failed = [e for e in events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED]
    assert not failed, "a forged payload must not fail the workflow task (the case would be stuck)"


def _what_a_forger_sees(state: CaseState) -> tuple[Any, ...]:
    return (state.stage, state.assessment, state.decision, len(state.timeline), len(state.rejected))


async def _forge(service: Protected, converter: DataConverter, request_id: str, stage: ReviewStage) -> None:
    """Send, with ``converter``, the signal and the update that would move the case on from ``stage``
    if they came from the key's holders (the reviewers are in the roster, with the roles it takes)."""
    before = await service.reviewer("legal.ana").show(request_id)
    forger = service.client_with(converter)
    handle = forger.get_workflow_handle(workflow_id_for(request_id))
    if stage is ReviewStage.LEGAL_ASSESSMENT:
        message = {"reviewer_id": "legal.eli", "verdict": "compliant", "basis": "forged: looks fine", "articles": []}
        signal, update = "assessment_submitted", "assess_case"
    else:
        message = {"reviewer_id": "sup.hiro", "outcome": "approve", "reason": "forged: approve it"}
        signal, update = "decision_submitted", "decide_case"

    await handle.signal(signal, message)
    await _handled(handle, signal)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(update, message)
    assert "Failed decoding arguments" in str(refused.value.cause), "the worker could not read it, so it refused it"

    after = await service.reviewer("legal.ana").show(request_id)
    assert _what_a_forger_sees(after) == _what_a_forger_sees(before), "the case records nothing of them"
    assert after.timeline == before.timeline
    await _no_task_failed(handle)


async def test_a_message_without_the_key_or_with_another_changes_nothing(protected: Protected) -> None:
    request = example(FRAUD)
    submission = await NcbClient(protected.client, request.requesting_ncb, protected.task_queue).submit(request)
    request_id = submission.request_id
    await _settle(protected, request_id, ReviewStage.LEGAL_ASSESSMENT)

    history = await protected.client.get_workflow_handle(workflow_id_for(request_id)).fetch_history()
    [started] = history.events[0].workflow_execution_started_event_attributes.input.payloads
    assert started.metadata["encoding"] == ENCODING, "the service's own payloads are sealed"

    # No key at all: plain JSON, as `temporal workflow signal` or the UI would send without the codec server.
    await _forge(protected, pydantic_data_converter, request_id, ReviewStage.LEGAL_ASSESSMENT)
    # The worker keeps serving: the key holder's assessment goes through.
    await protected.reviewer("legal.ana").assess(request_id, Verdict.COMPLIANT, "RPD and Arts. 2(1), 3 complied with")
    state = await _settle(protected, request_id, ReviewStage.AWAITING_DECISION)
    assert state.assessment is not None and state.assessment.assessor == "legal.ana"

    # Another key: sealed, but not by this service.
    await _forge(protected, keyed(new_key()), request_id, ReviewStage.AWAITING_DECISION)
    await protected.reviewer("sup.dana").decide(request_id, DecisionOutcome.APPROVE, "compliant")
    state = await _settle(protected, request_id, ReviewStage.PUBLISHED)
    assert state.decision is not None and state.decision.decided_by == "sup.dana"
    assert not any("forged" in event.detail for event in state.timeline)
