"""Re-screening when reference data changes, on the time-skipping server: a refugees list loaded after
an open case was screened and after a notice was published gives each a finding and the NDTF an alert;
the notice is not blocked until a reviewer blocks it; the same entries signalled again add nothing."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from email.message import Message

from sqlalchemy import func, select
from temporalio.client import WorkflowHistory
from temporalio.common import WorkflowIDReusePolicy
from temporalio.worker import Replayer

from models.activities import MessageKind
from models.case import CaseState, ReviewStage
from models.findings import Severity
from models.ids import notice_workflow_id, workflow_id_for
from models.notice import NoticeStatus
from models.reference import ReferenceKind
from models.rescreen import RescreenInput, RescreenOutcome, rescreen_workflow_id
from registry.references import ReferenceStore
from registry.tables import OutboxRow
from runtime.client import data_converter
from tests.workflows.conftest import REFERENCE, Service, example
from tests.workflows.test_notice_request import FRAUD, approve, at, settle
from tests.workflows.test_published_notice import notice_until
from worker import WORKFLOWS
from workflows.notice_request import REFERENCE_RESCREEN
from workflows.rescreen import RescreenWorkflow

NOTICE_SUBJECT = "MARCHETTI,Lucien Paul,1979-04-12,FR;IT,ES,FR,confirmed,2024-05-02,2023-11-20,2024-06-10,"
"""The published notice's subject (examples/red-notice-fraud.json), a refugee from the requesting country
(FR) whose status Spain confirmed: the refugee policy's blocking case."""
CASE_SUBJECT = "OKONKWO,Adaeze,1990-02-03,NG,DE,FR,asylum_seeker,,2025-09-01,,"
"""The open case's subject, asylum seeker in Germany fleeing the requesting country."""
NEW_HEADER = (
    "family_name,forenames,date_of_birth,nationalities,granted_by,persecution_country,status,decided_on,"
    "applied_on,confirmed_on,entry_id\n"
)


def refugees_with(*rows: str) -> str:
    """The default refugees list, in the new header, with these rows added."""
    old = (REFERENCE / "refugees.csv").read_text(encoding="utf-8").splitlines()[1:]
    return NEW_HEADER + "".join(f"{line},,,\n" for line in old if line.strip()) + "".join(f"{r}\n" for r in rows)


async def open_case(service: Service) -> str:
    """A clean request about OKONKWO, waiting in legal assessment."""
    request = example(FRAUD)
    subject = request.subject.model_copy(
        update={"family_name": "OKONKWO", "forenames": "Adaeze", "date_of_birth": "1990-02-03",
                "nationalities": ["NG"], "aliases": []}
    )
    submitted = await service.ncb("FR").submit(request.model_copy(update={"subject": subject}))
    await settle(service, submitted.request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    return submitted.request_id


async def published_notice(service: Service) -> tuple[str, str]:
    request = example(FRAUD)
    submitted = await service.ncb("FR").submit(request)
    await settle(service, submitted.request_id, at(ReviewStage.LEGAL_ASSESSMENT))
    state = await approve(service, submitted.request_id)
    assert state.notice_id
    return submitted.request_id, state.notice_id


async def rescreen(service: Service, version: int, content_hash: str, suffix: str = "") -> RescreenOutcome:
    """What the API does after the load: start the re-screening under the load's id, and wait for it."""
    with service.env.auto_time_skipping_disabled():  # a notice's timers would otherwise run years ahead
        return await service.client.execute_workflow(
            RescreenWorkflow.run,
            RescreenInput(kind=ReferenceKind.REFUGEES, version=version),
            id=rescreen_workflow_id(ReferenceKind.REFUGEES, version, content_hash) + suffix,
            task_queue=service.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )


def subject_of(mail: Message) -> str:
    """The subject unfolded (a long one comes folded over lines)."""
    return " ".join(str(mail["Subject"]).split())


async def ndtf_alerts(service: Service, count: int) -> list[Message]:
    """The re-screening alerts the NDTF's mailbox received, once there are this many."""
    for _ in range(600):
        found = [m for m in service.mailbox.messages if "new reference-data finding" in subject_of(m)]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} alerts expected, got {[subject_of(m) for m in service.mailbox.messages]}")


async def alerts_queued(service: Service) -> int:
    async with service.db.transaction() as session:
        found = await session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.kind == MessageKind.REFERENCE_DATA_ALERT.value)
        )
    return int(found or 0)


def patch_markers(history: WorkflowHistory) -> set[str]:
    """The ids of the ``workflow.patched`` markers in a history."""
    ids: set[str] = set()
    for event in json.loads(history.to_json())["events"]:
        marker = event.get("markerRecordedEventAttributes")
        if marker and marker.get("markerName") == "core_patch":
            for payload in marker["details"]["patch-data"]["payloads"]:
                ids.add(json.loads(base64.b64decode(payload["data"]))["id"])
    return ids


def reference_findings(state: CaseState) -> list[str]:
    return [f.rule_id for f in state.findings if f.source == "reference_data"]


async def test_a_later_refugee_load_alerts_the_open_case_and_the_published_notice_once(service: Service) -> None:
    case_id = await open_case(service)
    _, notice_id = await published_notice(service)
    ndtf = service.reviewer("legal.ana")
    before = await ndtf.show(case_id)
    assert reference_findings(before) == [] and before.stage is ReviewStage.LEGAL_ASSESSMENT

    store = ReferenceStore(service.db)
    loaded = await store.load_text(ReferenceKind.REFUGEES, refugees_with(NOTICE_SUBJECT, CASE_SUBJECT))
    assert (loaded.changed, loaded.entries_changed) == (True, 2)

    outcome = await rescreen(service, loaded.version, loaded.content_hash)
    assert (outcome.entries, outcome.cases_alerted, outcome.notices_alerted, outcome.not_reached) == (2, 1, 1, 0)
    assert outcome.open_cases >= 1 and outcome.published_notices >= 1

    # the open case: a finding citing the refugee policy, back from legal assessment to detailed review
    case = await settle(
        service, case_id, lambda s: s.stage is ReviewStage.DETAILED_REVIEW and bool(s.messages) and bool(
            reference_findings(s))
    )
    [finding] = [f for f in case.findings if f.source == "reference_data"]
    assert finding.rule_id == "refugee.asylum_seeker" and finding.severity is Severity.DOUBT
    assert finding.article == "Refugee policy (Art. 2(1))" and finding.field == "subject"
    assert finding.evidence["list"] == "refugees" and finding.evidence["entry_id"].startswith("ref-")
    assert finding.evidence["list_version"] == str(loaded.version)
    assert "asylum seeker in DE" in finding.message and "FR, the requesting country" in finding.message
    assert case.risk.value == "high"
    assert [e.event for e in case.timeline][-2:] == ["reference_data_match", "stage:detailed_review"]
    assert [m.kind for m in case.messages][-1] == "reference_data_alert" and case.messages[-1].to == ["NDTF"]

    # the published notice: the finding recorded, the NDTF told, the notice left as it was
    notice = await notice_until(
        service, notice_id, lambda s: "reference_data_match" in [e.event for e in s.timeline]
    )
    [alert] = notice.reference_alerts
    assert alert.finding.rule_id == "refugee.persecution_country_requests"
    assert alert.finding.severity is Severity.BLOCKING and alert.finding.source == "reference_data"
    assert notice.status is NoticeStatus.PUBLISHED
    alerts = await ndtf_alerts(service, 2)
    assert sorted(subject_of(m).split(":")[0] for m in alerts) == [
        f"[ACTION REQUIRED] Notice {notice_id}", f"[REVIEW REQUIRED] Request {case_id}",
    ]
    assert all("ndtf.escalations@" in str(m["X-Envelope-To"]) for m in alerts)
    assert all("OKONKWO" not in str(m) and "MARCHETTI" not in str(m) for m in alerts), "no names in the mail"

    # the same load again: nothing new to re-screen; the same entries signalled again add nothing
    again = await store.load_text(ReferenceKind.REFUGEES, refugees_with(NOTICE_SUBJECT, CASE_SUBJECT))
    assert (again.changed, again.version) == (False, loaded.version)
    repeated = await rescreen(service, loaded.version, loaded.content_hash, suffix=f"-rerun-{uuid.uuid4().hex[:6]}")
    assert (repeated.cases_alerted, repeated.notices_alerted) == (1, 1)
    # an action on each after the repeated signals: taken in turn, so the signals were handled before it
    await ndtf.note_source(case_id, "https://www.unhcr.org/", "Status of the application asked of DE")
    blocked = await service.reviewer("sup.dana").block(notice_id, "Refugee status confirmed by ES (re-screening)")
    assert blocked.status is NoticeStatus.BLOCKED, "the NDTF blocks it with the existing action"
    case = await ndtf.show(case_id)
    assert reference_findings(case) == ["refugee.asylum_seeker"]
    assert [e.event for e in case.timeline].count("reference_data_match") == 1
    notice = await ndtf.notice(notice_id)
    assert len(notice.reference_alerts) == 1
    assert await alerts_queued(service) == 2

    # the histories this made replay on today's code, the handlers behind their patch
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    rescreen_id = rescreen_workflow_id(ReferenceKind.REFUGEES, loaded.version, loaded.content_hash)
    for workflow_id in (workflow_id_for(case_id), notice_workflow_id(notice_id), rescreen_id):
        history = await service.client.get_workflow_handle(workflow_id).fetch_history()
        await replayer.replay_workflow(history, raise_on_replay_failure=True)
        if workflow_id != rescreen_id:
            assert REFERENCE_RESCREEN in patch_markers(history), workflow_id


async def test_a_decided_case_is_not_reopened_and_a_changed_entry_alerts_again(service: Service) -> None:
    """The notice's subject first listed as an asylum seeker, then confirmed as a refugee: two alerts, one
    per version of the entry; the case behind the notice stays published."""
    notice_request_id, notice_id = await published_notice(service)
    store = ReferenceStore(service.db)
    seeker = "MARCHETTI,Lucien Paul,1979-04-12,FR;IT,ES,FR,asylum_seeker,,2023-11-20,,"
    first = await store.load_text(ReferenceKind.REFUGEES, refugees_with(seeker))
    assert (await rescreen(service, first.version, first.content_hash)).notices_alerted == 1
    confirmed = await store.load_text(ReferenceKind.REFUGEES, refugees_with(NOTICE_SUBJECT))
    assert confirmed.entries_changed == 1, "the same person, with another status: a change"
    assert (await rescreen(service, confirmed.version, confirmed.content_hash)).notices_alerted == 1
    notice = await notice_until(service, notice_id, lambda s: len(s.reference_alerts) == 2)
    assert [a.finding.rule_id for a in notice.reference_alerts] == [
        "refugee.asylum_seeker", "refugee.persecution_country_requests",
    ]
    assert [a.version for a in notice.reference_alerts] == [first.version, confirmed.version]
    case = await service.reviewer("legal.ana").show(notice_request_id)
    assert case.stage is ReviewStage.PUBLISHED and reference_findings(case) == []
