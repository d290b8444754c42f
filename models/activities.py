"""Inputs and outputs of the activities: one model each, so fields can be added safely.

Every activity that writes carries a key the workflow derives deterministically, so a retry or a
replay after a crash finds the row it already wrote instead of writing a second one.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from models.case import ReviewStage
from models.findings import Finding, RiskLevel
from models.notice import NoticeStatus
from models.queue import QueueSnapshot
from models.reference import ReferenceKind, Reviewer
from models.request import NoticeKind, NoticeRequest
from models.rescreen import RescreenSummary


class RegisterRequestInput(BaseModel):
    request_id: str
    workflow_id: str
    request: NoticeRequest
    registered_at: datetime


class RequestRegistered(BaseModel):
    request_id: str
    created: bool
    """False when the request was already registered (a retry or a re-run)."""


class ScreenRequestInput(BaseModel):
    request_id: str
    request: NoticeRequest
    as_of: date
    screening_round: int = 1


class CaseEvent(BaseModel):
    """A change to a case: updates the registered request and appends one audit entry."""

    event_key: str
    request_id: str
    actor: str
    action: str
    stage: ReviewStage
    at: datetime
    detail: str = ""
    risk: RiskLevel | None = None
    decision: str | None = None
    findings: list[Finding] | None = None
    """When set, replaces the stored findings of the request (a new screening round)."""
    screening_round: int | None = None
    request: NoticeRequest | None = None
    """When set, replaces the stored request (the NCB amended it)."""
    queue: QueueSnapshot | None = None
    """What the reviewers' queue shows of the case after this event (``registry.queue``); absent from
    events scheduled before the read model existed."""


class EventRecorded(BaseModel):
    event_key: str
    created: bool


class MessageKind(StrEnum):
    CLARIFICATION_REQUEST = "clarification_request"
    CONSULTATION_REQUEST = "consultation_request"
    REMINDER = "reminder"
    DEADLINE_MISSED = "deadline_missed"
    DENIAL = "denial"
    PUBLICATION = "publication"
    DIFFUSION_TRANSMISSION = "diffusion_transmission"
    DIFFUSION_FOLLOW_UP = "diffusion_follow_up"
    WITHDRAWAL = "withdrawal"
    BLOCK_INSTRUCTION = "block_instruction"
    UNBLOCK_NOTICE = "unblock_notice"
    CANCEL_INSTRUCTION = "cancel_instruction"
    EXPIRY_NOTICE = "expiry_notice"
    RENEWAL_REMINDER = "renewal_reminder"
    ACK_REMINDER = "ack_reminder"
    ACK_ESCALATION = "ack_escalation"
    REFERENCE_DATA_ALERT = "reference_data_alert"
    """To the NDTF: a case's or a notice's subject matched an entry a reference load added or changed."""


NDTF_RECIPIENT = "NDTF"
"""An outbox recipient that is the Task Force's own mailbox rather than an NCB's."""


class OutboxMessage(BaseModel):
    message_key: str
    kind: MessageKind
    to_ncbs: list[str]
    subject: str
    body: str
    created_at: datetime
    request_id: str | None = None
    notice_id: str | None = None


class MessageQueued(BaseModel):
    message_key: str
    created: bool


class DeliverMessageInput(BaseModel):
    message_key: str


class StartDeliveryInput(BaseModel):
    message_key: str


class WorkflowStarted(BaseModel):
    workflow_id: str
    started: bool
    """False when it had been started before: a retried or replayed start finds it, never a second one."""


class SendMessagesInput(BaseModel):
    """Messages a workflow sends at one moment (a broadcast's language groups): queued and their
    deliveries started by one activity."""

    messages: list[OutboxMessage] = Field(min_length=1)


class MessagesSent(BaseModel):
    """Each message's delivery workflow, in the order given."""

    deliveries: list[WorkflowStarted]


class MessageDelivered(BaseModel):
    message_key: str
    delivered_to: list[str] = Field(default_factory=list)
    already_delivered: list[str] = Field(default_factory=list)


class PublishNoticeInput(BaseModel):
    notice_id: str
    request_id: str
    request: NoticeRequest
    published_at: datetime
    expires_at: datetime | None = None


class NoticePublished(BaseModel):
    notice_id: str
    created: bool


class NoticeStatusChange(BaseModel):
    event_key: str
    notice_id: str
    status: NoticeStatus
    action: str | None = None
    """An event that leaves the status as it is (``refused:block``, ``renewed``, ``ack_escalation``);
    when empty, the change to ``status`` itself."""
    actor: str
    reason: str
    at: datetime
    expires_at: datetime | None = None


class ReviewerLookupInput(BaseModel):
    reviewer_id: str


class ReviewerLookup(BaseModel):
    reviewer: Reviewer | None = None


class SearchNoticesInput(BaseModel):
    viewer_ncb: str
    name: str | None = None
    nationality: str | None = None
    kind: NoticeKind | None = None
    requesting_ncb: str | None = None
    limit: int = Field(default=50, ge=1, le=500)


class NoticeHit(BaseModel):
    request_id: str
    notice_id: str | None = None
    kind: NoticeKind
    requesting_ncb: str
    status: str
    """published, or the stage of the viewer's own pending request."""
    family_name: str
    forenames: str = ""
    date_of_birth: str | None = None
    nationalities: list[str] = Field(default_factory=list)
    published_at: datetime | None = None
    score: float | None = None


class SearchResults(BaseModel):
    hits: list[NoticeHit] = Field(default_factory=list)


class AcknowledgementInput(BaseModel):
    """An NCB confirms it updated its national database after a block or cancellation instruction."""

    event_key: str
    notice_id: str
    instruction_key: str
    ncb: str
    at: datetime


class AuditVerification(BaseModel):
    """The result of walking the audit chain: the first entry that was changed or removed, if any."""

    ok: bool
    entries: int
    first_bad_id: int | None = None
    problem: str | None = None


class ReferenceProblem(BaseModel):
    """One bad cell (or row, or header) of a reference CSV file, by line number and column."""

    line: int
    field: str
    message: str


class MembersInput(BaseModel):
    """Which NCBs a broadcast goes to: the organisation's members, as the reference data holds them."""

    purpose: str = "broadcast"
    with_languages: bool = False
    """Also each member's working language (``Members.languages``)."""
    languages_of: list[str] | None = None
    """Only these NCBs' working languages, for a message to a few: ``ncbs`` is then these NCBs, not the list."""


class Members(BaseModel):
    ncbs: list[str]
    languages: dict[str, str] = Field(default_factory=dict)
    """Each member NCB's working language (ar, en, fr, es) when asked for; an NCB the member list does not
    hold is not in it (it is written to in English)."""


class LoadReport(BaseModel):
    kind: ReferenceKind
    rows: int
    changed: bool
    """False when the same content was already loaded (nothing was written)."""
    version: int
    entries_changed: int = 0
    """Refugee or political-targeting entries this load added or changed (0 for the other lists)."""
    content_hash: str = ""
    rescreen: RescreenSummary | None = None
    """The re-screening of open cases and published notices this load started (the API's answer)."""
