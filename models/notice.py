"""The lifetime of a published notice: its state, and the messages that reach it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from models.case import Message, RecordedStatement, RejectedMessage, TimelineEvent
from models.request import NoticeKind
from models.rescreen import ReferenceAlert


class NoticeStatus(StrEnum):
    PUBLISHED = "published"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class InstructionKind(StrEnum):
    BLOCK = "block"
    CANCEL = "cancel"


class Instruction(BaseModel):
    """An instruction to every member NCB to update its national database, and who has confirmed."""

    instruction_key: str
    kind: InstructionKind
    issued_at: datetime
    due_at: datetime
    pending: list[str] = Field(default_factory=list)
    acknowledged: dict[str, datetime] = Field(default_factory=dict)
    reminded: bool = False
    escalated: bool = False
    superseded_by: str | None = None
    """Why it no longer needs confirming (the block was lifted, the notice cancelled): no more
    reminders or escalation for it; a late confirmation is still recorded."""

    @property
    def awaited(self) -> bool:
        """Still chased: NCBs silent, not escalated yet, not made moot."""
        return bool(self.pending) and not self.escalated and self.superseded_by is None


class PublishedNoticeInput(BaseModel):
    notice_id: str
    request_id: str
    kind: NoticeKind
    requesting_ncb: str
    published_at: datetime
    state: PublishedNoticeState | None = None
    continue_as_new_after: int | None = None
    """Handled messages before continuing as new; the policy's default when empty."""


class PublishedNoticeState(BaseModel):
    notice_id: str
    request_id: str
    kind: NoticeKind
    requesting_ncb: str
    status: NoticeStatus = NoticeStatus.PUBLISHED
    published_at: datetime
    expires_at: datetime | None = None
    renewals: int = 0
    renewal_reminded: bool = False
    blocked_until: datetime | None = None
    status_reason: str | None = None
    instructions: list[Instruction] = Field(default_factory=list)
    timeline: list[TimelineEvent] = Field(default_factory=list)
    rejected: list[RejectedMessage] = Field(default_factory=list)
    reference_alerts: list[ReferenceAlert] = Field(default_factory=list)
    """Entries of the refugee or political-targeting lists loaded after publication that the subject
    matches: the NDTF is told and decides whether to block (never automatic)."""
    generation: int = 0
    """How many times the workflow continued as new."""
    seq: int = 0

    def next_id(self, prefix: str) -> str:
        self.seq += 1
        return f"{self.notice_id}/g{self.generation}/{prefix}/{self.seq}"


class NoticeAction(Message):
    """A reviewer blocks, unblocks or cancels a notice."""

    reviewer_id: str
    reason: RecordedStatement
    until: datetime | None = None
    """For a block: when it lifts by itself; indefinite when empty."""


class RenewalRequested(Message):
    ncb: str
    reason: RecordedStatement


class AcknowledgementSent(Message):
    ncb: str
    instruction_key: str | None = None
    """Which instruction; the latest one the NCB has not confirmed when empty."""


class NoticeActionAccepted(BaseModel):
    notice_id: str
    status: NoticeStatus
    detail: str


class AckReport(BaseModel):
    """`ndtf acks`: who has and has not confirmed each instruction."""

    notice_id: str
    instructions: list[Instruction] = Field(default_factory=list)


PublishedNoticeInput.model_rebuild()
