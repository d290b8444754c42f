"""The registry: requests, their events, notices and messages to NCBs, as the information system keeps them.

Every write here is idempotent (the activities in ``activities/registry.py`` call it). The workflow passes
a key it derives deterministically (request id, event key, message key, notice id); the write is an
``INSERT … ON CONFLICT DO NOTHING`` on that key, and everything else it writes (the row updates, the
audit entry) happens in the same transaction only when that insert wrote a row. A retry after a crash,
or a second worker running the same activity, therefore changes nothing the first attempt committed.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Select, delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.activities import (
    NDTF_RECIPIENT,
    AcknowledgementInput,
    CaseEvent,
    EventRecorded,
    MessageQueued,
    NoticeHit,
    NoticePublished,
    NoticeStatusChange,
    OutboxMessage,
    PublishNoticeInput,
    RegisterRequestInput,
    RequestRegistered,
    ReviewerLookup,
    ReviewerLookupInput,
    SearchNoticesInput,
    SearchResults,
)
from models.case import ReviewStage
from models.notice import NoticeStatus
from models.reference import Reviewer, ReviewerRole
from models.request import NoticeRequest
from registry.audit import append_audit
from registry.database import Database, in_chunks, insert_ignore
from registry.pending_names import close_pending_name, request_name_key, write_pending_name
from registry.published_names import PublishedNames
from registry.queue import apply_event
from registry.tables import (
    NOT_PENDING_STAGES,
    CaseEventRow,
    FindingRow,
    NoticeAcknowledgementRow,
    NoticeRow,
    OutboxDeliveryRow,
    OutboxRow,
    RequestRow,
    ReviewerRow,
    SequenceRow,
    name_key,
    nationality_codes,
)
from runtime.config import Settings, settings
from screening.vocabulary import TopHits

logger = logging.getLogger(__name__)

NOTICE_STAGES = frozenset(status.value for status in NoticeStatus)
"""``requests.stage`` of a published request: its notice's status."""

NOTICE_TRANSITIONS: dict[NoticeStatus, frozenset[NoticeStatus]] = {
    NoticeStatus.BLOCKED: frozenset({NoticeStatus.PUBLISHED, NoticeStatus.BLOCKED}),
    NoticeStatus.PUBLISHED: frozenset({NoticeStatus.BLOCKED, NoticeStatus.PUBLISHED}),
    NoticeStatus.CANCELLED: frozenset({NoticeStatus.PUBLISHED, NoticeStatus.BLOCKED, NoticeStatus.CANCELLED}),
    NoticeStatus.EXPIRED: frozenset({NoticeStatus.PUBLISHED, NoticeStatus.BLOCKED, NoticeStatus.EXPIRED}),
}
"""Target status -> statuses it may be reached from. A status reached from itself records an event on
the notice without changing it (a renewal, an escalation, a refused action)."""


def ncb_address(ncb: str, domain: str) -> str:
    """The mailbox of a National Central Bureau."""
    return f"ncb.{ncb.lower()}@{domain}"


def recipient_address(recipient: str, config: Settings) -> str:
    """An NCB's mailbox, or the NDTF's own for an escalation."""
    if recipient == NDTF_RECIPIENT:
        return config.ndtf_mailbox
    return ncb_address(recipient, config.ncb_mail_domain)


def _request_columns(request: NoticeRequest) -> dict[str, Any]:
    """The denormalised columns searches and duplicate checks read."""
    subject = request.subject
    return {
        "kind": request.kind.value,
        "purpose": request.purpose.value,
        "request": request.model_dump(mode="json"),
        "family_name": subject.family_name,
        "forenames": subject.forenames or "",
        "date_of_birth": subject.date_of_birth,
        "nationalities": list(subject.nationalities),
        "nationality_codes": nationality_codes(subject.nationalities),
    }


class RegistryError(Exception):
    """A write the registry refuses for good (no retry can help); ``kind`` names it for the caller."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def _unknown(what: str, key: str) -> RegistryError:
    return RegistryError(f"{what} {key} is not registered", f"Unknown{what.title()}")


class Registry:
    """Writes and reads of the registry; one instance per worker, sharing the engine."""

    def __init__(self, db: Database, config: Settings | None = None) -> None:
        self.db = db
        self.settings = config or settings()
        self._published_names = PublishedNames()

    async def register_request(self, input: RegisterRequestInput) -> RequestRegistered:
        """Register a request once; the same NCB reference again answers with the existing request."""
        request = input.request
        columns = _request_columns(request)
        async with self.db.transaction() as session:
            created = await insert_ignore(
                session,
                RequestRow,
                {
                    "request_id": input.request_id,
                    "workflow_id": input.workflow_id,
                    "requesting_ncb": request.requesting_ncb,
                    "ncb_reference": request.ncb_reference,
                    "stage": ReviewStage.REGISTERED.value,
                    "risk": None,
                    "decision": None,
                    "screening_round": 0,
                    "registered_at": input.registered_at,
                    "updated_at": input.registered_at,
                    **columns,
                },
            )
            if not created:
                existing = await session.scalar(
                    select(RequestRow.request_id).where(
                        RequestRow.requesting_ncb == request.requesting_ncb,
                        RequestRow.ncb_reference == request.ncb_reference,
                    )
                )
                return RequestRegistered(request_id=existing or input.request_id, created=False)
            await write_pending_name(session, input.request_id, request_name_key(columns["request"]), True)
            await append_audit(
                session,
                event_key=f"{input.request_id}:registered",
                actor=f"ncb:{request.requesting_ncb}",
                action="registered",
                subject_type="request",
                subject_id=input.request_id,
                at=input.registered_at,
                detail={
                    "kind": request.kind.value,
                    "requesting_ncb": request.requesting_ncb,
                    "ncb_reference": request.ncb_reference,
                    "workflow_id": input.workflow_id,
                },
            )
        logger.info("registered request %s", input.request_id)
        return RequestRegistered(request_id=input.request_id, created=True)

    async def record_case_event(self, event: CaseEvent) -> EventRecorded:
        """Apply one change to a registered request; a repeated ``event_key`` changes nothing."""
        async with self.db.transaction() as session:
            row = await session.get(RequestRow, event.request_id, with_for_update=True)
            if row is None:
                raise _unknown("request", event.request_id)
            created = await insert_ignore(
                session,
                CaseEventRow,
                {
                    "event_key": event.event_key,
                    "request_id": event.request_id,
                    "actor": event.actor,
                    "action": event.action,
                    "stage": event.stage.value,
                    "detail": event.detail,
                    "at": event.at,
                },
                ["event_key"],
            )
            if not created:
                return EventRecorded(event_key=event.event_key, created=False)
            # Once published, the stage is the notice's status (change_notice_status): a request event that
            # arrives after a block (an activity retried after its worker died) must not undo it.
            if not (event.stage is ReviewStage.PUBLISHED and row.stage in NOTICE_STAGES):
                row.stage = event.stage.value
            row.updated_at = max(row.updated_at, event.at)
            if event.risk is not None:
                row.risk = event.risk.value
            if event.decision is not None:
                row.decision = event.decision
            if event.request is not None:
                for column, value in _request_columns(event.request).items():
                    setattr(row, column, value)
            if event.stage.value in NOT_PENDING_STAGES:
                await close_pending_name(session, event.request_id)
            elif event.request is not None:
                await write_pending_name(session, event.request_id, request_name_key(row.request), True)
            await apply_event(session, event)
            if event.screening_round is not None:
                row.screening_round = event.screening_round
            if event.findings is not None:
                await self._replace_findings(session, event, row.screening_round)
            await append_audit(
                session,
                event_key=event.event_key,
                actor=event.actor,
                action=event.action,
                subject_type="request",
                subject_id=event.request_id,
                at=event.at,
                detail={
                    "stage": event.stage.value,
                    "detail": event.detail,
                    "risk": event.risk.value if event.risk else None,
                    "decision": event.decision,
                    "findings": len(event.findings) if event.findings is not None else None,
                    "request_amended": event.request is not None,
                },
            )
        return EventRecorded(event_key=event.event_key, created=True)

    @staticmethod
    async def _replace_findings(session: AsyncSession, event: CaseEvent, screening_round: int) -> None:
        await session.execute(delete(FindingRow).where(FindingRow.request_id == event.request_id))
        session.add_all(
            FindingRow(
                request_id=event.request_id,
                screening_round=screening_round,
                rule_id=finding.rule_id,
                article=finding.article,
                severity=finding.severity.value,
                field=finding.field,
                message=finding.message,
                source=finding.source,
                missing_item=finding.missing_item,
                evidence=dict(finding.evidence),
                score=finding.score,
            )
            for finding in event.findings or []
        )

    async def queue_message(self, message: OutboxMessage) -> MessageQueued:
        """Put a message to NCBs in the outbox, with one delivery row per recipient NCB."""
        recipients = list(dict.fromkeys(ncb.upper() for ncb in message.to_ncbs))
        async with self.db.transaction() as session:
            created = await insert_ignore(
                session,
                OutboxRow,
                {
                    "message_key": message.message_key,
                    "kind": message.kind.value,
                    "request_id": message.request_id,
                    "notice_id": message.notice_id,
                    "subject": message.subject,
                    "body": message.body,
                    "created_at": message.created_at,
                },
            )
            if not created:
                return MessageQueued(message_key=message.message_key, created=False)
            # one executemany, not the ORM's unit of work over 196 objects for a broadcast
            await session.execute(
                insert(OutboxDeliveryRow),
                [
                    {
                        "message_key": message.message_key,
                        "ncb": ncb,
                        "address": recipient_address(ncb, self.settings),
                        "status": "pending",
                        "attempts": 0,
                    }
                    for ncb in recipients
                ],
            )
            await append_audit(
                session,
                event_key=f"outbox:{message.message_key}",
                actor="ndtf",
                action="message_queued",
                subject_type="message",
                subject_id=message.message_key,
                at=message.created_at,
                detail={
                    "kind": message.kind.value,
                    "to": recipients,
                    "request_id": message.request_id,
                    "notice_id": message.notice_id,
                },
            )
        return MessageQueued(message_key=message.message_key, created=True)

    async def publish_notice(self, input: PublishNoticeInput) -> NoticePublished:
        """Make an authorised request a published notice: from now on every NCB can find it."""
        request = input.request
        columns = _request_columns(request)
        async with self.db.transaction() as session:
            row = await session.get(RequestRow, input.request_id, with_for_update=True)
            if row is None:
                raise _unknown("request", input.request_id)
            created = await insert_ignore(
                session,
                NoticeRow,
                {
                    "notice_id": input.notice_id,
                    "request_id": input.request_id,
                    "kind": columns["kind"],
                    "requesting_ncb": request.requesting_ncb,
                    "status": NoticeStatus.PUBLISHED.value,
                    "published_at": input.published_at,
                    "expires_at": input.expires_at,
                    "status_reason": "",
                    "status_changed_at": input.published_at,
                    "family_name": columns["family_name"],
                    "forenames": columns["forenames"],
                    "name_key": name_key(columns["family_name"], columns["forenames"]),
                    "date_of_birth": columns["date_of_birth"],
                    "nationalities": columns["nationalities"],
                    "nationality_codes": columns["nationality_codes"],
                },
            )
            if not created:
                return NoticePublished(notice_id=input.notice_id, created=False)
            # the counter's row lock is held to commit, so seq values become visible in their order
            seq = (
                await session.execute(
                    update(SequenceRow)
                    .where(SequenceRow.name == "notices")
                    .values(value=SequenceRow.value + 1)
                    .returning(SequenceRow.value)
                )
            ).scalar_one()
            await session.execute(update(NoticeRow).where(NoticeRow.notice_id == input.notice_id).values(seq=seq))
            row.stage = ReviewStage.PUBLISHED.value
            row.updated_at = max(row.updated_at, input.published_at)
            await close_pending_name(session, input.request_id)
            await append_audit(
                session,
                event_key=f"notice:{input.notice_id}:published",
                actor="ndtf",
                action="notice_published",
                subject_type="notice",
                subject_id=input.notice_id,
                at=input.published_at,
                detail={
                    "request_id": input.request_id,
                    "kind": columns["kind"],
                    "expires_at": input.expires_at.isoformat() if input.expires_at else None,
                },
            )
        return NoticePublished(notice_id=input.notice_id, created=True)

    async def change_notice_status(self, change: NoticeStatusChange) -> EventRecorded:
        """Block, unblock, cancel or expire a notice (only ``published`` is visible to NCBs), or record an
        event that leaves its status as it is: a refused action, a renewal, an escalation."""
        action = change.action or f"notice_{change.status.value}"
        async with self.db.transaction() as session:
            notice = await session.get(NoticeRow, change.notice_id, with_for_update=True)
            if notice is None:
                raise _unknown("notice", change.notice_id)
            created = await insert_ignore(
                session,
                CaseEventRow,
                {
                    "event_key": change.event_key,
                    "request_id": notice.request_id,
                    "actor": change.actor,
                    "action": action,
                    "stage": change.status.value,
                    "detail": change.reason,
                    "at": change.at,
                },
                ["event_key"],
            )
            if not created:
                return EventRecorded(event_key=change.event_key, created=False)
            previous = NoticeStatus(notice.status)
            if change.action is None:
                if previous not in NOTICE_TRANSITIONS[change.status]:
                    raise RegistryError(
                        f"notice {change.notice_id} is {previous.value} and cannot become {change.status.value}",
                        "InvalidNoticeTransition",
                    )
                notice.status = change.status.value
                notice.status_reason = change.reason
                notice.status_changed_at = change.at
                await session.execute(
                    update(RequestRow)
                    .where(RequestRow.request_id == notice.request_id)
                    .values(stage=change.status.value, updated_at=change.at)
                )
            if change.expires_at is not None:
                notice.expires_at = change.expires_at
            await append_audit(
                session,
                event_key=change.event_key,
                actor=change.actor,
                action=action,
                subject_type="notice",
                subject_id=change.notice_id,
                at=change.at,
                detail={"from": previous.value, "to": notice.status, "reason": change.reason},
            )
        return EventRecorded(event_key=change.event_key, created=True)

    async def record_acknowledgement(self, input: AcknowledgementInput) -> EventRecorded:
        """An NCB confirmed it applied a block or cancel instruction; once per (instruction, NCB)."""
        ncb = input.ncb.upper()
        async with self.db.transaction() as session:
            if await session.get(NoticeRow, input.notice_id) is None:
                raise _unknown("notice", input.notice_id)
            created = await insert_ignore(
                session,
                NoticeAcknowledgementRow,
                {
                    "notice_id": input.notice_id,
                    "instruction_key": input.instruction_key,
                    "ncb": ncb,
                    "acknowledged_at": input.at,
                },
                ["instruction_key", "ncb"],
            )
            if not created:
                return EventRecorded(event_key=input.event_key, created=False)
            await append_audit(
                session,
                event_key=input.event_key,
                actor=f"ncb:{ncb}",
                action="instruction_acknowledged",
                subject_type="notice",
                subject_id=input.notice_id,
                at=input.at,
                detail={"instruction_key": input.instruction_key, "ncb": ncb},
            )
        return EventRecorded(event_key=input.event_key, created=True)

    async def lookup_reviewer(self, input: ReviewerLookupInput) -> ReviewerLookup:
        """Roles come from the roster loaded as reference data, never from the caller."""
        async with self.db.transaction() as session:
            row = await session.get(ReviewerRow, input.reviewer_id)
        if row is None:
            return ReviewerLookup(reviewer=None)
        roles = [ReviewerRole(role) for role in row.roles]
        return ReviewerLookup(reviewer=Reviewer(reviewer_id=row.reviewer_id, name=row.name, roles=roles))

    async def search_notices(self, input: SearchNoticesInput) -> SearchResults:
        """Published notices for every NCB, plus the viewer's own requests still under review.

        Blocked, cancelled and expired notices never appear; nor do other NCBs' pending requests. With
        a name, the notices' name tokens are read first and only the notices that can match are
        scored (``activities.name_search``).
        """
        viewer = input.viewer_ncb.upper()
        notices = select(NoticeRow).where(NoticeRow.status == NoticeStatus.PUBLISHED.value)
        own = select(RequestRow).where(
            RequestRow.requesting_ncb == viewer,
            RequestRow.stage.not_in(list(NOT_PENDING_STAGES)),
            ~exists().where(NoticeRow.request_id == RequestRow.request_id),
        )
        if input.kind is not None:
            notices = notices.where(NoticeRow.kind == input.kind.value)
            own = own.where(RequestRow.kind == input.kind.value)
        if input.requesting_ncb:
            notices = notices.where(NoticeRow.requesting_ncb == input.requesting_ncb.upper())
            own = own.where(RequestRow.requesting_ncb == input.requesting_ncb.upper())
        if input.nationality:
            pattern = f"%;{input.nationality.upper()};%"
            notices = notices.where(NoticeRow.nationality_codes.like(pattern))
            own = own.where(RequestRow.nationality_codes.like(pattern))
        newest_first = (NoticeRow.published_at.desc(), NoticeRow.notice_id)
        own = own.order_by(RequestRow.registered_at.desc(), RequestRow.request_id)
        ranked = TopHits(input.limit, input.name)
        async with self.db.transaction() as session:
            if input.name:
                for notice in await self._name_candidates(session, notices, input.name):
                    ranked.consider(_notice_hit(notice))
            else:
                for notice in await session.scalars(notices.order_by(*newest_first).limit(input.limit)):
                    ranked.consider(_notice_hit(notice))
                own = own.limit(input.limit)
            async for request in await session.stream_scalars(own.execution_options(yield_per=500)):
                ranked.consider(_pending_hit(request))
        return SearchResults(hits=ranked.hits())

    async def _name_candidates(self, session: AsyncSession, notices: Select[NoticeRow], name: str) -> list[NoticeRow]:
        """The filtered notices that can answer the name, newest first."""
        vocabulary = await self._published_names.refreshed(session)
        wanted = sorted(vocabulary.candidates(name))
        found: list[NoticeRow] = []
        for chunk in in_chunks(wanted):
            found.extend(await session.scalars(notices.where(NoticeRow.request_id.in_(chunk))))
        found.sort(key=lambda notice: notice.notice_id)
        found.sort(key=lambda notice: notice.published_at, reverse=True)
        return found


def _notice_hit(notice: NoticeRow) -> NoticeHit:
    return NoticeHit(
        request_id=notice.request_id,
        notice_id=notice.notice_id,
        kind=notice.kind,
        requesting_ncb=notice.requesting_ncb,
        status=notice.status,
        family_name=notice.family_name,
        forenames=notice.forenames,
        date_of_birth=notice.date_of_birth,
        nationalities=list(notice.nationalities),
        published_at=notice.published_at,
    )


def _pending_hit(request: RequestRow) -> NoticeHit:
    return NoticeHit(
        request_id=request.request_id,
        kind=request.kind,
        requesting_ncb=request.requesting_ncb,
        status=request.stage,
        family_name=request.family_name,
        forenames=request.forenames,
        date_of_birth=request.date_of_birth,
        nationalities=list(request.nationalities),
    )
