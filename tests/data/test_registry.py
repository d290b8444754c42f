"""Registry activities are idempotent: a retry or a re-run after a crash writes nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import ColumnElement, func, select
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.registry import RegistryActivities
from models.activities import (
    AcknowledgementInput,
    CaseEvent,
    MessageKind,
    NoticeStatus,
    NoticeStatusChange,
    OutboxMessage,
    PublishNoticeInput,
    RegisterRequestInput,
    ReviewerLookupInput,
)
from models.case import ReviewStage
from models.findings import Finding, RiskLevel, Severity
from registry.database import Database
from registry.store import Registry, RegistryError
from registry.tables import (
    AuditEntryRow,
    Base,
    CaseEventRow,
    FindingRow,
    NoticeAcknowledgementRow,
    NoticeRow,
    OutboxDeliveryRow,
    RequestRow,
)
from runtime.config import Settings
from tests.data.conftest import NOW, make_request


@pytest.fixture
def registry(db: Database) -> Registry:
    return Registry(db, Settings())


async def _count(db: Database, model: type[Base], *where: ColumnElement[bool]) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _register(registry: Registry, unique: str, **request: object) -> str:
    request_id = f"req-{unique}"
    await registry.register_request(
        RegisterRequestInput(
            request_id=request_id,
            workflow_id=f"notice-request-{unique}",
            request=make_request(reference=f"FR-{unique}", **request),  # type: ignore[arg-type]
            registered_at=NOW,
        )
    )
    return request_id


async def test_registering_twice_keeps_one_request_and_one_audit_entry(
    registry: Registry, db: Database, unique: str
) -> None:
    registration = RegisterRequestInput(
        request_id=f"req-{unique}",
        workflow_id=f"notice-request-{unique}",
        request=make_request(reference=f"FR-{unique}"),
        registered_at=NOW,
    )
    first = await ActivityEnvironment().run(registry.register_request, registration)
    second = await ActivityEnvironment().run(registry.register_request, registration)

    assert first.created is True
    assert second.created is False
    assert second.request_id == first.request_id
    assert await _count(db, RequestRow, RequestRow.ncb_reference == f"FR-{unique}") == 1
    assert await _count(db, AuditEntryRow, AuditEntryRow.subject_id == f"req-{unique}") == 1


async def test_same_ncb_reference_under_another_id_answers_with_the_existing_request(
    registry: Registry, db: Database, unique: str
) -> None:
    request_id = await _register(registry, unique)
    again = await registry.register_request(
        RegisterRequestInput(
            request_id=f"other-{unique}",
            workflow_id=f"other-{unique}",
            request=make_request(reference=f"FR-{unique}"),
            registered_at=NOW,
        )
    )
    assert again.created is False
    assert again.request_id == request_id
    assert await _count(db, RequestRow, RequestRow.ncb_reference == f"FR-{unique}") == 1


async def test_case_event_updates_the_request_once(registry: Registry, db: Database, unique: str) -> None:
    request_id = await _register(registry, unique)
    finding = Finding(
        rule_id="R-001",
        article="RPD Art. 83",
        severity=Severity.BLOCKING,
        field="judicial.arrest_warrant",
        message="No valid arrest warrant",
        missing_item="arrest warrant",
    )
    event = CaseEvent(
        event_key=f"{request_id}:screened:1",
        request_id=request_id,
        actor="screening",
        action="screened",
        stage=ReviewStage.DETAILED_REVIEW,
        at=NOW + timedelta(minutes=1),
        risk=RiskLevel.HIGH,
        findings=[finding, finding.model_copy(update={"rule_id": "R-002"})],
        screening_round=1,
    )
    first = await registry.record_case_event(event)
    second = await registry.record_case_event(event)

    assert (first.created, second.created) == (True, False)
    async with db.transaction() as session:
        row = await session.get(RequestRow, request_id)
    assert row is not None
    assert (row.stage, row.risk, row.screening_round) == ("detailed_review", "high", 1)
    assert await _count(db, FindingRow, FindingRow.request_id == request_id) == 2
    assert await _count(db, CaseEventRow, CaseEventRow.request_id == request_id) == 1
    assert await _count(db, AuditEntryRow, AuditEntryRow.subject_id == request_id) == 2


async def test_new_screening_round_replaces_findings_and_amended_request(
    registry: Registry, db: Database, unique: str
) -> None:
    request_id = await _register(registry, unique)
    finding = Finding(rule_id="R-001", article="RPD Art. 83", severity=Severity.DOUBT, field="x", message="m")
    base = {"request_id": request_id, "actor": "screening", "action": "screened", "at": NOW}
    await registry.record_case_event(
        CaseEvent(event_key=f"{unique}:1", stage=ReviewStage.DETAILED_REVIEW, findings=[finding, finding], **base)
    )
    amended = make_request(reference=f"FR-{unique}", family_name="MARKETTI")
    await registry.record_case_event(
        CaseEvent(
            event_key=f"{unique}:2",
            stage=ReviewStage.LEGAL_ASSESSMENT,
            findings=[],
            screening_round=2,
            request=amended,
            **base,
        )
    )
    async with db.transaction() as session:
        row = await session.get(RequestRow, request_id)
    assert row is not None and row.family_name == "MARKETTI"
    assert row.request["subject"]["family_name"] == "MARKETTI"
    assert await _count(db, FindingRow, FindingRow.request_id == request_id) == 0


async def test_case_event_for_an_unknown_request_is_refused_for_good(db: Database) -> None:
    event = CaseEvent(
        event_key="nope", request_id="no-such-request", actor="x", action="x", stage=ReviewStage.DENIED, at=NOW
    )
    with pytest.raises(ApplicationError) as refused:
        await RegistryActivities(db, Settings()).record_case_event(event)
    assert refused.value.type == "UnknownRequest" and refused.value.non_retryable


async def test_queued_message_gets_one_delivery_per_ncb_once(
    registry: Registry, db: Database, unique: str
) -> None:
    message = OutboxMessage(
        message_key=f"msg-{unique}",
        kind=MessageKind.DIFFUSION_TRANSMISSION,
        to_ncbs=["DE", "es", "DE", "IT"],
        subject="Diffusion",
        body="Legal review ongoing",
        created_at=NOW,
    )
    first = await registry.queue_message(message)
    second = await registry.queue_message(message)

    assert (first.created, second.created) == (True, False)
    async with db.transaction() as session:
        rows = (
            await session.scalars(select(OutboxDeliveryRow).where(OutboxDeliveryRow.message_key == f"msg-{unique}"))
        ).all()
    assert sorted((row.ncb, row.address, row.status) for row in rows) == [
        ("DE", "ncb.de@ncb.example.org", "pending"),
        ("ES", "ncb.es@ncb.example.org", "pending"),
        ("IT", "ncb.it@ncb.example.org", "pending"),
    ]
    assert await _count(db, AuditEntryRow, AuditEntryRow.subject_id == f"msg-{unique}") == 1


async def test_notice_is_published_once_and_follows_block_unblock_cancel(
    registry: Registry, db: Database, unique: str
) -> None:
    request_id = await _register(registry, unique)
    publish = PublishNoticeInput(
        notice_id=f"N-{unique}",
        request_id=request_id,
        request=make_request(reference=f"FR-{unique}"),
        published_at=NOW,
        expires_at=NOW + timedelta(days=5 * 365),
    )
    assert (await registry.publish_notice(publish)).created is True
    assert (await registry.publish_notice(publish)).created is False

    def change(key: str, status: NoticeStatus) -> NoticeStatusChange:
        return NoticeStatusChange(
            event_key=f"{unique}:{key}", notice_id=f"N-{unique}", status=status, actor="rev-1", reason="r", at=NOW
        )

    assert (await registry.change_notice_status(change("block", NoticeStatus.BLOCKED))).created
    assert not (await registry.change_notice_status(change("block", NoticeStatus.BLOCKED))).created
    assert (await registry.change_notice_status(change("unblock", NoticeStatus.PUBLISHED))).created
    assert (await registry.change_notice_status(change("cancel", NoticeStatus.CANCELLED))).created
    with pytest.raises(RegistryError) as refused:
        await registry.change_notice_status(change("again", NoticeStatus.PUBLISHED))
    assert refused.value.kind == "InvalidNoticeTransition"
    async with db.transaction() as session:
        row = await session.get(RequestRow, request_id)
    assert row is not None and row.stage == "cancelled"


async def test_a_refusal_or_a_renewal_is_recorded_without_touching_the_notices_status(
    registry: Registry, db: Database, unique: str
) -> None:
    request_id = await _register(registry, unique)
    notice_id = f"N-{unique}"
    await registry.publish_notice(
        PublishNoticeInput(
            notice_id=notice_id,
            request_id=request_id,
            request=make_request(reference=f"FR-{unique}"),
            published_at=NOW,
            expires_at=NOW + timedelta(days=1826),
        )
    )
    renewed_until = NOW + timedelta(days=2 * 1826)
    for key, action, reason, expires in [
        ("refused", "refused:block", "Reviewer 'police.ben' may not block.", None),
        ("renewed", "renewed", "still sought", renewed_until),
    ]:
        event = NoticeStatusChange(
            event_key=f"{unique}:{key}",
            notice_id=notice_id,
            status=NoticeStatus.PUBLISHED,
            action=action,
            actor="someone",
            reason=reason,
            at=NOW + timedelta(days=1),
            expires_at=expires,
        )
        assert (await registry.change_notice_status(event)).created
    async with db.transaction() as session:
        notice = await session.get(NoticeRow, notice_id)
        audited = (
            await session.scalars(select(AuditEntryRow.action).where(AuditEntryRow.subject_id == notice_id))
        ).all()
    assert notice is not None
    assert notice.status == "published" and notice.status_reason != "Reviewer 'police.ben' may not block."
    assert notice.expires_at == renewed_until
    assert {"refused:block", "renewed"} <= set(audited)


async def test_unknown_reviewer_is_not_found(registry: Registry) -> None:
    assert (await registry.lookup_reviewer(ReviewerLookupInput(reviewer_id="nobody"))).reviewer is None


async def test_acknowledgement_is_recorded_once_per_instruction_and_ncb(
    registry: Registry, db: Database, unique: str
) -> None:
    request_id = await _register(registry, unique)
    await registry.publish_notice(
        PublishNoticeInput(
            notice_id=f"N-{unique}",
            request_id=request_id,
            request=make_request(reference=f"FR-{unique}"),
            published_at=NOW,
        )
    )
    ack = AcknowledgementInput(
        event_key=f"{unique}/block/ack/DE", notice_id=f"N-{unique}", instruction_key=f"{unique}/block", ncb="de", at=NOW
    )
    assert (await registry.record_acknowledgement(ack)).created is True
    assert (await registry.record_acknowledgement(ack)).created is False
    count = await _count(db, NoticeAcknowledgementRow, NoticeAcknowledgementRow.instruction_key == f"{unique}/block")
    assert count == 1
