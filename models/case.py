"""The case a request workflow carries, and the messages that reach it.

One state object (``CaseState``) per workflow, so continue-as-new and queries carry all of it.
Message names say what happened; each signal, update and query takes one of these models.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from models.findings import Finding, RiskLevel, Severity
from models.request import ARTICLE_CHARS, ARTICLES, STATEMENT_CHARS, Bounded, NoticeRequest

Statement = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), Bounded(STATEMENT_CHARS, always=True, lines=True)
]
"""What a person writes into the record (a reason, an answer, a basis), as the API reads it: blank text
is refused, and so is text over ``STATEMENT_CHARS`` (4,000 characters), naming the field and the limit."""

RecordedStatement = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1), Bounded(STATEMENT_CHARS, lines=True)
]
"""The same text in a workflow's message. The API has held it to ``STATEMENT_CHARS`` already; the
workflow does not, since it decodes the messages of its history again on every replay, and one recorded
before the limit must replay as it ran. Its schema says the limit; a submission context
(``models.request.at_submission``) applies it."""

Article = Annotated[str, Bounded(ARTICLE_CHARS)]
"""An article an assessment cites (`Art. 3`, `RPD Art. 83`), in the workflow's message (bounded at submission)."""

Articles = Annotated[
    list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), Bounded(ARTICLE_CHARS, always=True)]],
    Bounded(ARTICLES, always=True),
]
"""The articles an assessment cites, as the API reads them: at most ``ARTICLES``, each of at most
``ARTICLE_CHARS`` characters."""


class ReviewStage(StrEnum):
    REGISTERED = "registered"
    INITIAL_SCREENING = "initial_screening"
    DETAILED_REVIEW = "detailed_review"
    AWAITING_CLARIFICATION = "awaiting_clarification"
    LEGAL_ASSESSMENT = "legal_assessment"
    AWAITING_DECISION = "awaiting_decision"
    PUBLISHED = "published"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"


REVIEWER_STAGES = frozenset({ReviewStage.DETAILED_REVIEW, ReviewStage.LEGAL_ASSESSMENT, ReviewStage.AWAITING_DECISION})
"""Stages in which the case sits in the NDTF queue."""

FINAL_STAGES = frozenset({ReviewStage.PUBLISHED, ReviewStage.DENIED, ReviewStage.WITHDRAWN})


class Verdict(StrEnum):
    COMPLIANT = "compliant"
    NON_COMPLIANT = "non_compliant"


class DecisionOutcome(StrEnum):
    APPROVE = "approve"
    DENY = "deny"


class InfoRequestKind(StrEnum):
    CLARIFICATION = "clarification"
    """Asked of the requesting NCB."""
    CONSULTATION = "consultation"
    """Asked of another NCB."""


class InfoRequestStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    OVERDUE = "overdue"


# --- workflow input / output -------------------------------------------------------------------


class NoticeRequestInput(BaseModel):
    request_id: str
    request: NoticeRequest
    submitted_at: datetime | None = None
    state: CaseState | None = None
    """Set when the workflow continues as new: the case so far."""


class CaseOutcome(BaseModel):
    request_id: str
    stage: ReviewStage
    notice_id: str | None = None
    reason: str | None = None


# --- what reaches the workflow ----------------------------------------------------------------


class AnyMessage(BaseModel):
    """What a signal handler takes: any JSON object. The handler validates it into its own message,
    so one that does not validate (sent from the Temporal UI with a field wrong) is recorded as
    refused, naming the field, instead of being dropped by the SDK before the workflow sees it."""

    model_config = ConfigDict(extra="allow")


class Message(AnyMessage):
    """A reviewer's or an NCB's message to a workflow, as a signal or an update."""

    model_config = ConfigDict(extra="ignore")


class ClarificationReply(Message):
    """An NCB's answer to an open request for information (signal and update)."""

    ncb: str
    answer: RecordedStatement
    amendments: dict[str, Any] = Field(default_factory=dict)
    info_request_id: str | None = None
    """Which request it answers; the oldest open one addressed to this NCB when empty."""


class InfoRequested(Message):
    """A reviewer asks the requesting NCB (or, with ``to_ncb``, another NCB) for information."""

    reviewer_id: str
    question: RecordedStatement
    to_ncb: str | None = None
    due_days: int = Field(default=30, ge=1, le=180)


class ReviewConcluded(Message):
    """A reviewer closes the detailed review and hands the case to legal assessment."""

    reviewer_id: str
    summary: RecordedStatement


class AssessmentSubmitted(Message):
    reviewer_id: str
    verdict: Verdict
    basis: RecordedStatement
    articles: Annotated[list[Article], Bounded(ARTICLES)] = Field(default_factory=list)


class DecisionSubmitted(Message):
    reviewer_id: str
    outcome: DecisionOutcome
    reason: RecordedStatement
    override_justification: RecordedStatement | None = None
    """A supervisor's justification for approving despite an unresolved blocking finding."""


class WithdrawalRequested(Message):
    ncb: str
    reason: RecordedStatement


class SourceConsulted(Message):
    """A reviewer records an external, credible source consulted during the review (the seed's step 4)."""

    reviewer_id: str
    source: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=r"^https?://\S+$")]
    """Where it can be read again: an http(s) address."""
    summary: RecordedStatement


CLAIM_HOURS_MAX = 24.0
"""The longest a claim may run before it lapses; a reviewer claims again to keep working."""


class ClaimRequested(Message):
    """A reviewer takes a case to work on it, so others see it is being worked; the claim lapses after
    ``hours`` unless claimed again (the API sends its setting, ``CLAIM_HOURS``)."""

    reviewer_id: str
    hours: float = Field(default=4.0, gt=0, le=CLAIM_HOURS_MAX)


class ReleaseRequested(Message):
    """The reviewer who holds a case lets it go before the claim lapses."""

    reviewer_id: str


class ActionAccepted(BaseModel):
    """What an update answers when the workflow took the action."""

    request_id: str
    stage: ReviewStage
    detail: str
    info_request_id: str | None = None


class CaseViewer(BaseModel):
    """Who asks to see a case: an NCB (``ncb``) or the NDTF (``ncb`` empty)."""

    ncb: str | None = None


# --- the case itself --------------------------------------------------------------------------


class InfoRequest(BaseModel):
    info_request_id: str
    kind: InfoRequestKind
    to_ncb: str
    question: str
    asked_by: str
    asked_at: datetime
    due_at: datetime
    reminder_at: datetime
    status: InfoRequestStatus = InfoRequestStatus.OPEN
    missing_items: list[str] = Field(default_factory=list)
    answer: str | None = None
    amended_fields: list[str] = Field(default_factory=list)
    answered_at: datetime | None = None
    reminded: bool = False
    sent: bool = False
    """The message carrying the question has been queued to the NCB."""


class Assessment(BaseModel):
    assessor: str
    verdict: Verdict
    basis: str
    articles: list[str] = Field(default_factory=list)
    at: datetime


class Decision(BaseModel):
    decided_by: str
    outcome: DecisionOutcome
    reason: str
    override_justification: str | None = None
    at: datetime


class TimelineEvent(BaseModel):
    at: datetime
    actor: str
    event: str
    detail: str = ""


class SourceNote(BaseModel):
    """An external source a reviewer consulted, as evidence on the case."""

    source: str
    summary: str
    noted_by: str
    at: datetime


class RejectedMessage(BaseModel):
    at: datetime
    actor: str
    message: str
    reason: str


class MessageSummary(BaseModel):
    """A message to NCBs the case caused (the outbox holds it; delivery is tracked there)."""

    message_key: str
    kind: str
    to: list[str]
    subject: str
    at: datetime


class CaseState(BaseModel):
    request_id: str
    workflow_id: str
    request: NoticeRequest
    stage: ReviewStage = ReviewStage.REGISTERED
    registered_at: datetime | None = None
    findings: list[Finding] = Field(default_factory=list)
    risk: RiskLevel = RiskLevel.LOW
    screening_rounds: int = 0
    info_requests: list[InfoRequest] = Field(default_factory=list)
    review_summary: str | None = None
    review_concluded_by: str | None = None
    """Who concluded the detailed review, until the case is back in it; the stage method moves it on."""
    assessment: Assessment | None = None
    decision: Decision | None = None
    notice_id: str | None = None
    overdue: bool = False
    escalated: bool = False
    review_due_at: datetime | None = None
    messages: list[MessageSummary] = Field(default_factory=list)
    timeline: list[TimelineEvent] = Field(default_factory=list)
    rejected: list[RejectedMessage] = Field(default_factory=list)
    sources: list[SourceNote] = Field(default_factory=list)
    """External sources reviewers consulted, with what they found."""
    reasons_to_ncb: list[str] = Field(default_factory=list)
    withdrawal_reason: str | None = None
    rescreen_needed: bool = False
    diffusion_transmitted: bool = False
    reference_alerts: list[str] = Field(default_factory=list)
    """Keys of the reference-data entries re-screening matched the subject with (``models.rescreen``):
    each is taken once."""
    assignee: str | None = None
    """The reviewer who holds the case (a claim), until they release it or ``claimed_until`` passes."""
    claimed_until: datetime | None = None
    """When the claim lapses by itself."""
    seq: int = 0
    """A counter for deterministic ids of what the case causes (info requests, messages)."""

    def open_info_requests(self, to_ncb: str | None = None) -> list[InfoRequest]:
        return [
            r
            for r in self.info_requests
            if r.status is InfoRequestStatus.OPEN and (to_ncb is None or r.to_ncb == to_ncb)
        ]

    def holder(self, now: datetime) -> str | None:
        """Who holds the case at ``now``: a claim past its time holds nobody, even before the workflow
        has recorded its lapse."""
        if self.assignee and self.claimed_until and self.claimed_until > now:
            return self.assignee
        return None

    def next_id(self, prefix: str) -> str:
        """A deterministic id for something the case causes: stable across replay and retries."""
        self.seq += 1
        return f"{self.request_id}/{prefix}/{self.seq}"

    def next_deadline(self) -> datetime | None:
        dues = [r.due_at for r in self.open_info_requests()]
        if self.review_due_at and self.stage in REVIEWER_STAGES:
            dues.append(self.review_due_at)
        return min(dues) if dues else None

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def ncb_view(self) -> NcbCaseView:
        """What the requesting NCB sees of its request: no reviewer internals."""
        outcomes = {
            ReviewStage.PUBLISHED: "approved",
            ReviewStage.DENIED: "denied",
            ReviewStage.WITHDRAWN: "withdrawn",
        }
        requesting = self.request.requesting_ncb
        return NcbCaseView(
            request_id=self.request_id,
            ncb_reference=self.request.ncb_reference,
            kind=self.request.kind.value,
            stage=self.stage,
            outcome=outcomes.get(self.stage),
            notice_id=self.notice_id,
            awaited=[
                AwaitedFromNcb(
                    info_request_id=i.info_request_id,
                    question=i.question,
                    missing_items=i.missing_items,
                    due_at=i.due_at,
                )
                for i in self.open_info_requests(requesting)
            ],
            reasons=list(self.reasons_to_ncb),
            findings_to_address=[f for f in self.findings if f.missing_item],
            messages=[m for m in self.messages if requesting in m.to],
        )


class AwaitedFromNcb(BaseModel):
    info_request_id: str
    question: str
    missing_items: list[str] = Field(default_factory=list)
    due_at: datetime


class NcbCaseView(BaseModel):
    """What an NCB sees of its own request (``ncb status``): no reviewer internals."""

    request_id: str
    ncb_reference: str
    kind: str
    stage: ReviewStage
    outcome: str | None = None
    notice_id: str | None = None
    awaited: list[AwaitedFromNcb] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    findings_to_address: list[Finding] = Field(default_factory=list)
    messages: list[MessageSummary] = Field(default_factory=list)


class CaseView(BaseModel):
    """The answer to the case query: the whole case for the NDTF, or an NCB's view of its own."""

    viewer: Literal["ndtf", "ncb"]
    case: CaseState | None = None
    ncb_view: NcbCaseView | None = None


NoticeRequestInput.model_rebuild()
