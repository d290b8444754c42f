"""Records the histories that tests/replay replays: canonical cases run end to end on the
time-skipping server with the real worker. Run after a deliberate, versioned workflow change
(rename today's ``X__name.json`` to a generation of their own first: recording overwrites them):

    .venv/bin/python -m tests.replay.record            # every group
    .venv/bin/python -m tests.replay.record paths      # one group: cases, more, paths
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment

from admin.client import ReviewerClient
from devstack.smtp_sink import SmtpSink
from models.activities import RegisterRequestInput, SearchNoticesInput
from models.case import (
    FINAL_STAGES,
    AnyMessage,
    AssessmentSubmitted,
    CaseState,
    ClarificationReply,
    DecisionOutcome,
    DecisionSubmitted,
    InfoRequested,
    InfoRequestStatus,
    NoticeRequestInput,
    ReviewConcluded,
    ReviewStage,
    Verdict,
    WithdrawalRequested,
)
from models.findings import Severity
from models.ids import delivery_workflow_id, notice_workflow_id, request_id_for, workflow_id_for
from models.notice import NoticeStatus, PublishedNoticeState
from models.reference import ReferenceKind
from models.request import NoticeRequest, parse_request
from registry.database import Database, migrate
from registry.references import ReferenceStore
from registry.store import Registry
from runtime import search_attributes as sa
from runtime.client import data_converter
from runtime.config import PROJECT_ROOT, Settings
from runtime.search_attributes import registration
from starter.client import NcbClient
from worker import build_worker
from workflows.notice_request import NoticeRequestWorkflow
from workflows.notice_search import NoticeSearchWorkflow

OUT = Path(__file__).parent / "histories"


async def _until(reviewer: ReviewerClient, request_id: str, stage: ReviewStage) -> CaseState:
    for _ in range(300):
        state = await reviewer.show(request_id)
        if state.stage is stage:
            return state
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{request_id} never reached {stage}")


async def _save(client: Client, workflow_type: str, workflow_id: str, name: str) -> None:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    path = OUT / f"{workflow_type}__{name}.json"
    path.write_text(json.dumps(json.loads(history.to_json()), indent=1))
    print(f"recorded {path.name}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _run_cases(env: WorkflowEnvironment, queue: str) -> None:
    examples = PROJECT_ROOT / "examples"
    fr = NcbClient(env.client, "FR", queue)
    br = NcbClient(env.client, "BR", queue)
    ana, dana, ben = (ReviewerClient(env.client, r, queue) for r in ("legal.ana", "sup.dana", "police.ben"))

    incomplete = parse_request(json.loads((examples / "red-notice-incomplete.json").read_text()))
    denied = (await br.submit(incomplete)).request_id
    await _until(ana, denied, ReviewStage.AWAITING_CLARIFICATION)
    await env.sleep(timedelta(days=31))
    await _until(ana, denied, ReviewStage.DETAILED_REVIEW)
    await ben.conclude_review(denied, "no answer")
    await ana.assess(denied, Verdict.NON_COMPLIANT, "mandatory data missing")
    await dana.decide(denied, DecisionOutcome.DENY, "Mandatory data missing")
    await _until(ana, denied, ReviewStage.DENIED)

    fraud = parse_request(json.loads((examples / "red-notice-fraud.json").read_text()))
    published = (await fr.submit(fraud)).request_id
    await _until(ana, published, ReviewStage.LEGAL_ASSESSMENT)
    await ana.assess(published, Verdict.COMPLIANT, "compliant")
    await dana.decide(published, DecisionOutcome.APPROVE, "compliant")
    state = await _until(ana, published, ReviewStage.PUBLISHED)
    notice_id = state.notice_id
    assert notice_id
    # a block with its acknowledgements, the reminder after a week, the escalation at the deadline,
    # then a temporary block that lifts itself, and the renewal near the end of the validity
    await dana.block(notice_id, "temporary check")
    await NcbClient(env.client, "DE", queue).acknowledge(notice_id)
    await env.sleep(timedelta(days=8))
    await _notice_until(dana, notice_id, lambda n: n.instructions[0].reminded)
    await env.sleep(timedelta(days=7))
    await _notice_until(dana, notice_id, lambda n: n.instructions[0].escalated)
    await dana.unblock(notice_id, "resolved")
    now = await env.get_current_time()
    await dana.block(notice_id, "verification", until=now + timedelta(days=3))
    await env.sleep(timedelta(days=4))
    await _notice_until(dana, notice_id, lambda n: n.status is NoticeStatus.PUBLISHED)
    await env.sleep(timedelta(days=5 * 365 - 100))
    await _notice_until(dana, notice_id, lambda n: n.renewal_reminded)
    await fr.renew(notice_id, "still sought")

    await _save(env.client, "NoticeRequestWorkflow", workflow_id_for(published), "approved")
    await _save(env.client, "NoticeRequestWorkflow", workflow_id_for(denied), "deadline_missed_denied")
    await _save(env.client, "PublishedNoticeWorkflow", notice_workflow_id(notice_id), "lifetime")


async def _notice_until(
    reviewer: ReviewerClient, notice_id: str, done: Callable[[PublishedNoticeState], bool]
) -> PublishedNoticeState:
    for _ in range(600):
        state = await reviewer.notice(notice_id)
        if done(state):
            return state
        await asyncio.sleep(0.1)
    raise RuntimeError(f"notice {notice_id} never reached the expected state")


# --- further cases: signals, amendments, diffusions, continue-as-new, delivery and search -------------


def _example(name: str, reference_suffix: str = "") -> NoticeRequest:
    """An example request, under a reference of its own when it must not meet the example itself."""
    data: dict[str, Any] = json.loads((PROJECT_ROOT / "examples" / name).read_text())
    if reference_suffix:
        data["ncb_reference"] = f"{data['ncb_reference']}-{reference_suffix}"
    return parse_request(data)


async def _case_until(
    reviewer: ReviewerClient, request_id: str, done: Callable[[CaseState], bool], what: str
) -> CaseState:
    for _ in range(300):
        state = await reviewer.show(request_id)
        if done(state):
            return state
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{request_id} never reached {what}")


async def _closed(client: Client, workflow_id: str) -> None:
    """Saved only once the workflow has completed: its history is whole. (Read from the history: the
    test server's description carries search attributes the SDK cannot decode.)"""
    handle = client.get_workflow_handle(workflow_id)
    for _ in range(300):
        history = await handle.fetch_history()
        last = history.events[-1].event_type
        if last == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            return
        if last in (
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
            EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
        ):
            raise RuntimeError(f"{workflow_id} ended with {EventType.Name(last)}")
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{workflow_id} never completed")


async def _screened(reviewer: ReviewerClient, request_id: str) -> CaseState:
    return await _case_until(
        reviewer,
        request_id,
        lambda s: s.screening_rounds > 0 and s.stage is not ReviewStage.INITIAL_SCREENING,
        "the end of screening",
    )


async def _to_legal_assessment(reviewer: ReviewerClient, ben: ReviewerClient, request_id: str) -> None:
    """A case out of screening, past the detailed review if screening sent it there."""
    state = await _case_until(
        reviewer,
        request_id,
        lambda s: s.stage in (ReviewStage.DETAILED_REVIEW, ReviewStage.LEGAL_ASSESSMENT),
        "a reviewer's stage",
    )
    if state.stage is ReviewStage.DETAILED_REVIEW:
        await ben.conclude_review(request_id, "Facts, charges and identifiers checked.")
    await _until(reviewer, request_id, ReviewStage.LEGAL_ASSESSMENT)


async def _run_more_cases(env: WorkflowEnvironment, db: Database, config: Settings, queue: str) -> None:
    client = env.client
    ana, dana, ben, chen = (
        ReviewerClient(client, r, queue) for r in ("legal.ana", "sup.dana", "police.ben", "ops.chen")
    )
    br, es, fr, pe, no = (NcbClient(client, ncb, queue) for ncb in ("BR", "ES", "FR", "PE", "NO"))

    # signals: every reviewer action and the NCB's reply as a signal, three of them refused
    signals = (await fr.submit(_example("red-notice-fraud.json", "signals"))).request_id
    await _until(ana, signals, ReviewStage.LEGAL_ASSESSMENT)
    handle = client.get_workflow_handle_for(NoticeRequestWorkflow.run, workflow_id_for(signals))
    await handle.signal(  # refused: no decision before the assessment
        NoticeRequestWorkflow.decision_submitted,
        DecisionSubmitted(reviewer_id="sup.dana", outcome=DecisionOutcome.APPROVE, reason="compliant"),
    )
    await _case_until(ana, signals, lambda s: len(s.rejected) == 1, "the refused decision")
    await handle.signal(
        NoticeRequestWorkflow.info_requested,
        InfoRequested(
            reviewer_id="police.ben", question="Is the subject's passport number still current?", due_days=14
        ),
    )
    await _case_until(
        ana,
        signals,
        lambda s: s.stage is ReviewStage.AWAITING_CLARIFICATION and all(i.sent for i in s.info_requests),
        "the question sent to the NCB",
    )
    await handle.signal(  # refused: not the requesting NCB
        NoticeRequestWorkflow.withdrawal_requested, WithdrawalRequested(ncb="DE", reason="not ours")
    )
    await _case_until(ana, signals, lambda s: len(s.rejected) == 2, "the refused withdrawal")
    await handle.signal(
        NoticeRequestWorkflow.clarification_replied,
        ClarificationReply(ncb="FR", answer="Yes, the passport was checked last month."),
    )
    await _until(ana, signals, ReviewStage.DETAILED_REVIEW)
    await handle.signal(
        NoticeRequestWorkflow.review_concluded,
        ReviewConcluded(reviewer_id="police.ben", summary="Identity confirmed by the NCB."),
    )
    await _until(ana, signals, ReviewStage.LEGAL_ASSESSMENT)
    await handle.signal(  # refused: as the Temporal UI could send it, with a blank basis and no such verdict
        NoticeRequestWorkflow.assessment_submitted,
        AnyMessage(reviewer_id="legal.ana", verdict="fine", basis="   "),  # type: ignore[call-arg]
    )
    await _case_until(ana, signals, lambda s: len(s.rejected) == 3, "the refused assessment")
    await handle.signal(
        NoticeRequestWorkflow.assessment_submitted,
        AssessmentSubmitted(
            reviewer_id="legal.ana", verdict=Verdict.COMPLIANT, basis="RPD complied with", articles=["2(1)", "3"]
        ),
    )
    await _until(ana, signals, ReviewStage.AWAITING_DECISION)
    await handle.signal(
        NoticeRequestWorkflow.decision_submitted,
        DecisionSubmitted(reviewer_id="sup.dana", outcome=DecisionOutcome.APPROVE, reason="compliant"),
    )
    await _until(ana, signals, ReviewStage.PUBLISHED)

    # amended: the incomplete request, amended by the NCB's reply, screened again, then approved
    amended = (await br.submit(_example("red-notice-incomplete.json", "amended"))).request_id
    state = await _until(ana, amended, ReviewStage.AWAITING_CLARIFICATION)
    print(f"  {amended}: missing {state.info_requests[0].missing_items}")
    await br.reply(
        amended, "Facts, judgment and sentence details supplied; photo and fingerprints available.", AMENDMENTS
    )
    state = await _case_until(
        ana,
        amended,
        lambda s: s.screening_rounds == 2 and s.stage is not ReviewStage.INITIAL_SCREENING,
        "the second screening",
    )
    blocking = [f.rule_id for f in state.findings if f.severity is Severity.BLOCKING]
    if blocking or state.stage is ReviewStage.AWAITING_CLARIFICATION:
        raise RuntimeError(f"the amendments left {state.stage}, blocking {blocking}")
    await _to_legal_assessment(ana, ben, amended)
    await ana.assess(amended, Verdict.COMPLIANT, "RPD and Arts. 2(1), 3 complied with once amended")
    await dana.decide(amended, DecisionOutcome.APPROVE, "compliant")
    await _until(ana, amended, ReviewStage.PUBLISHED)

    # withdrawn_diffusion: transmitted to its recipients at once, then withdrawn, and they are told
    withdrawn = (await es.submit(_example("wpd-drug-trafficking.json"))).request_id
    await _screened(ana, withdrawn)
    await es.withdraw(withdrawn, "Subject arrested in Spain.")
    state = await _case_until(
        ana, withdrawn, lambda s: any(m.kind == "withdrawal" for m in s.messages), "the withdrawal message"
    )
    transmission = next(m for m in state.messages if m.kind == "diffusion_transmission")

    # diffusion_approved: a second diffusion, authorised, and its recipients told so
    diffusion = (await es.submit(_example("wpd-drug-trafficking.json", "B"))).request_id
    await _screened(ana, diffusion)
    await _to_legal_assessment(ana, ben, diffusion)
    await ana.assess(diffusion, Verdict.COMPLIANT, "RPD and Arts. 2(1), 3 complied with")
    await dana.decide(diffusion, DecisionOutcome.APPROVE, "compliant")
    await _case_until(
        ana, diffusion, lambda s: any(m.kind == "diffusion_follow_up" for m in s.messages), "the follow-up"
    )

    # continued: a case in detailed review, with a consultation out, carried into a new run as
    # continue-as-new carries it (registration and screening are not done again)
    source = (await pe.submit(_example("red-notice-defamation.json", "source"))).request_id
    await _until(ana, source, ReviewStage.DETAILED_REVIEW)
    await chen.request_info(source, "Is the subject known to you as a journalist?", to_ncb="NO", due_days=10)
    carried = await _case_until(ana, source, lambda s: all(i.sent for i in s.info_requests), "the consultation sent")
    request = carried.request.model_copy(update={"ncb_reference": f"{carried.request.ncb_reference}-continued"})
    continued = request_id_for(request.requesting_ncb, request.ncb_reference)
    carried = carried.model_copy(
        update={"request_id": continued, "workflow_id": workflow_id_for(continued), "request": request}
    )
    assert carried.registered_at is not None
    # the first run registered its request: so does this, the registry's side of the earlier run
    await Registry(db, config).register_request(
        RegisterRequestInput(
            request_id=continued,
            workflow_id=carried.workflow_id,
            request=request,
            registered_at=carried.registered_at,
        )
    )
    await client.start_workflow(
        NoticeRequestWorkflow.run,
        NoticeRequestInput(request_id=continued, request=request, state=carried),
        id=carried.workflow_id,
        task_queue=queue,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(sa.NOTICE_KIND, request.kind.value),
                SearchAttributePair(sa.REQUESTING_NCB, request.requesting_ncb),
                SearchAttributePair(sa.REVIEW_STAGE, carried.stage.value),
            ]
        ),
        static_summary=f"{request.kind.value} from NCB {request.requesting_ncb}",
    )
    await no.reply(continued, "Yes, a reporter for a national daily.")
    await _case_until(
        ana,
        continued,
        lambda s: all(i.status is InfoRequestStatus.ANSWERED for i in s.info_requests),
        "the consultation answered",
    )
    await ben.conclude_review(continued, "Article 3 concerns documented.")
    await ana.assess(continued, Verdict.NON_COMPLIANT, "Art. 3: predominantly political character")
    await dana.decide(continued, DecisionOutcome.DENY, "Predominantly political character.")
    await _until(ana, continued, ReviewStage.DENIED)

    # search: one NCB's name search, as `ncb search` starts it (under an id of its own here: the
    # test server cannot list workflows to find the one NcbClient.search names at random)
    search_id = "notice-search-DE-recorded"
    with env.auto_time_skipping_disabled():
        search = await client.start_workflow(
            NoticeSearchWorkflow.run,
            SearchNoticesInput(viewer_ncb="DE", name="SOUZA"),
            id=search_id,
            task_queue=queue,
            static_summary="search by NCB DE",
        )
        results = await search.result()
    if not results.hits:
        raise RuntimeError("the search found nothing")

    delivery_id = delivery_workflow_id(transmission.message_key)
    for request_id in (signals, amended, withdrawn, diffusion, continued):
        state = await ana.show(request_id)
        if state.stage not in FINAL_STAGES:
            raise RuntimeError(f"{request_id} is {state.stage}")
        await _closed(client, workflow_id_for(request_id))
    await _closed(client, delivery_id)
    await _closed(client, search_id)

    await _save(client, "NoticeRequestWorkflow", workflow_id_for(signals), "signals")
    await _save(client, "NoticeRequestWorkflow", workflow_id_for(amended), "amended")
    await _save(client, "NoticeRequestWorkflow", workflow_id_for(withdrawn), "withdrawn_diffusion")
    await _save(client, "NoticeRequestWorkflow", workflow_id_for(diffusion), "diffusion_approved")
    await _save(client, "NoticeRequestWorkflow", workflow_id_for(continued), "continued")
    await _save(client, "MessageDeliveryWorkflow", delivery_id, "delivered")
    await _save(client, "NoticeSearchWorkflow", search_id, "search")


# --- every path of the process, each to its end: tests/replay/test_replay.py's PATHS -------------------


async def _published(reviewer: ReviewerClient, request_id: str) -> str:
    state = await _until(reviewer, request_id, ReviewStage.PUBLISHED)
    assert state.notice_id
    return state.notice_id


async def _run_paths(env: WorkflowEnvironment, queue: str) -> None:
    """The paths the first groups leave out: held by screening then published, denied on its assessment,
    a reviewer's question answered, a red notice withdrawn while the NCB is asked, and a notice's ends
    (blocked, unblocked, cancelled; expired)."""
    client = env.client
    ana, dana, ben, eli = (
        ReviewerClient(client, r, queue) for r in ("legal.ana", "sup.dana", "police.ben", "legal.eli")
    )
    fr, pe, br, de = (NcbClient(client, ncb, queue) for ncb in ("FR", "PE", "BR", "DE"))

    # held_published: screening's doubts hold it for detailed review, a source is noted, the review is
    # concluded, the assessment finds it compliant and a supervisor approves (overriding what blocks)
    held = (await pe.submit(_example("red-notice-defamation.json", "held"))).request_id
    await _until(ana, held, ReviewStage.DETAILED_REVIEW)
    await ben.note_source(held, "https://www.example.org/press/2024/subject", "The press reports the conviction.")
    await ben.conclude_review(held, "Identity, charges and context checked.")
    state = await _until(ana, held, ReviewStage.LEGAL_ASSESSMENT)
    await ana.assess(held, Verdict.COMPLIANT, "RPD and Arts. 2(1), 3 complied with after review", ["2(1)", "3"])
    blocking = any(f.severity is Severity.BLOCKING for f in state.findings)
    override = "Reviewed in detail: the findings do not apply." if blocking else None
    await dana.decide(held, DecisionOutcome.APPROVE, "compliant", override)
    held_notice = await _published(ana, held)

    # blocked_unblocked_cancelled: the notice is blocked, confirmed by an NCB, unblocked, blocked again and
    # cancelled; the cancellation's instruction is chased to its deadline, then the lifetime ends
    await dana.block(held_notice, "verification of the judgment")
    await de.acknowledge(held_notice)
    await dana.unblock(held_notice, "judgment verified")
    await dana.block(held_notice, "the judgment was quashed on appeal")
    await dana.cancel(held_notice, "Person no longer sought: the judgment was quashed")
    await env.sleep(timedelta(days=15))
    await _closed(client, notice_workflow_id(held_notice))

    # denied: a clean request the legal assessment finds non-compliant, denied by another lawyer; before
    # that, a question sent as a signal to an addressee that is no country code is refused (addressee-checked)
    denied = (await fr.submit(_example("red-notice-fraud.json", "denied"))).request_id
    await _until(ana, denied, ReviewStage.LEGAL_ASSESSMENT)
    await client.get_workflow_handle_for(NoticeRequestWorkflow.run, workflow_id_for(denied)).signal(
        NoticeRequestWorkflow.info_requested,
        InfoRequested(reviewer_id="legal.ana", question="Still wanted?", to_ncb="fr\r\nbcc: spy@evil.example"),
    )
    await _case_until(ana, denied, lambda s: len(s.rejected) == 1, "the refused addressee")
    await ana.assess(denied, Verdict.NON_COMPLIANT, "Art. 83: the minimum penalty threshold is not met")
    await eli.decide(denied, DecisionOutcome.DENY, "The penalty threshold of Art. 83 is not met.")
    await _until(ana, denied, ReviewStage.DENIED)

    # clarification_answered: in legal assessment a lawyer asks the NCB (an update), the NCB answers
    # (an update), the review is concluded, and the notice published
    asked = (await fr.submit(_example("red-notice-fraud.json", "asked"))).request_id
    await _until(ana, asked, ReviewStage.LEGAL_ASSESSMENT)
    await ana.request_info(asked, "Is the arrest warrant still in force?", due_days=14)
    await _case_until(
        ana,
        asked,
        lambda s: s.stage is ReviewStage.AWAITING_CLARIFICATION and all(i.sent for i in s.info_requests),
        "the question sent to the NCB",
    )
    await fr.reply(asked, "Yes: the warrant was confirmed by the court last week.")
    await _until(ana, asked, ReviewStage.DETAILED_REVIEW)
    await ben.conclude_review(asked, "The NCB confirmed the warrant.")
    await _until(ana, asked, ReviewStage.LEGAL_ASSESSMENT)
    await ana.assess(asked, Verdict.COMPLIANT, "RPD complied with")
    await dana.decide(asked, DecisionOutcome.APPROVE, "compliant")
    asked_notice = await _published(ana, asked)

    # withdrawn_awaiting_clarification: an incomplete red notice, withdrawn while its NCB is asked
    withdrawn = (await br.submit(_example("red-notice-incomplete.json", "withdrawn"))).request_id
    await _until(ana, withdrawn, ReviewStage.AWAITING_CLARIFICATION)
    await br.withdraw(withdrawn, "The subject was arrested in Brazil.")
    await _until(ana, withdrawn, ReviewStage.WITHDRAWN)

    for request_id in (held, denied, asked, withdrawn):
        await _closed(client, workflow_id_for(request_id))

    # expired: the last notice is never renewed; reminded near its end, it expires and tells every NCB
    await env.sleep(timedelta(days=5 * 365 + 30))
    await _closed(client, notice_workflow_id(asked_notice))

    await _save(client, "NoticeRequestWorkflow", workflow_id_for(held), "held_published")
    await _save(client, "NoticeRequestWorkflow", workflow_id_for(denied), "denied")
    await _save(client, "NoticeRequestWorkflow", workflow_id_for(asked), "clarification_answered")
    await _save(client, "NoticeRequestWorkflow", workflow_id_for(withdrawn), "withdrawn_awaiting_clarification")
    await _save(client, "PublishedNoticeWorkflow", notice_workflow_id(held_notice), "blocked_unblocked_cancelled")
    await _save(client, "PublishedNoticeWorkflow", notice_workflow_id(asked_notice), "expired")


AMENDMENTS: dict[str, Any] = {
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
"""What screening finds missing from the incomplete example, in the request's own shape."""


@asynccontextmanager
async def _service() -> AsyncIterator[tuple[WorkflowEnvironment, Database, Settings, str]]:
    """A time-skipping server of its own, with a migrated registry and a worker wired as in production."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(Path(sys.executable).parent / "temporal-test-server"),
        data_converter=data_converter(),
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(namespace=env.client.namespace, search_attributes=registration())
    )
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/registry.db"
        await migrate(url)
        db = Database.from_url(url)
        store = ReferenceStore(db)
        for kind in ReferenceKind:
            await store.load_csv(kind, PROJECT_ROOT / "data" / "reference" / f"{kind.value}.csv")
        queue = f"record-{uuid.uuid4().hex[:8]}"
        sink = SmtpSink(Path(tmp) / "mail", port=_free_port())
        config = Settings(task_queue=queue, smtp_port=sink.port)
        with sink:
            async with build_worker(env.client, db, config, queue):
                yield env, db, config, queue
        await db.dispose()
    await env.shutdown()


GROUPS = ("cases", "more", "paths")
"""Each group runs on a time-skipping server of its own, from today's date: a group leaves the clock
years ahead, and nothing it leaves running (a notice's lifetime) reaches into another's histories."""


async def record(groups: Sequence[str] = GROUPS) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if "cases" in groups:
        async with _service() as (env, _, _, queue):
            await _run_cases(env, queue)
    if "more" in groups:
        async with _service() as (env, db, config, queue):
            await _run_more_cases(env, db, config, queue)
    if "paths" in groups:
        async with _service() as (env, _, _, queue):
            await _run_paths(env, queue)


def main() -> None:
    groups = sys.argv[1:] or GROUPS
    unknown = set(groups) - set(GROUPS)
    if unknown:
        print(f"unknown group(s) {sorted(unknown)}: choose among {', '.join(GROUPS)}", file=sys.stderr)
        sys.stdout.flush()
        os._exit(2)
    asyncio.run(record(groups))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
