"""The organisation's information system as database tables (SQLAlchemy 2, PostgreSQL and SQLite).

Only activities touch these tables. Column types are chosen so that the same migrations and queries
run on PostgreSQL (asyncpg) and on SQLite (aiosqlite, the local default): JSON becomes JSONB on
PostgreSQL, and every timestamp is stored and returned in UTC whatever the backend keeps.

Nationality filters use ``nationality_codes`` (";FR;DE;"), so a filter is a portable ``LIKE '%;FR;%'``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from models.case import FINAL_STAGES
from models.notice import NoticeStatus
from screening.names import name_tokens as screening_name_tokens

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always aware and in UTC when read back.

    SQLite keeps no time zone, so values are written there as naive UTC and made aware on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JsonDocument = JSON().with_variant(JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime(), dict[str, Any]: JsonDocument, list[Any]: JsonDocument}


# --- requests and their review ---------------------------------------------------------------


class RequestRow(Base):
    """A registered request; the JSON is the request as last amended, the rest is for lookups."""

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("requesting_ncb", "ncb_reference", name="uq_requests_ncb_reference"),
        Index("ix_requests_stage", "stage"),
        Index("ix_requests_requesting_ncb_stage", "requesting_ncb", "stage"),
    )

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(String(200))
    requesting_ncb: Mapped[str] = mapped_column(String(2))
    ncb_reference: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(40))
    risk: Mapped[str | None] = mapped_column(String(10))
    decision: Mapped[str | None] = mapped_column(String(20))
    request: Mapped[dict[str, Any]] = mapped_column()
    family_name: Mapped[str] = mapped_column(String(200))
    forenames: Mapped[str] = mapped_column(String(200), default="")
    date_of_birth: Mapped[str | None] = mapped_column(String(10))
    nationalities: Mapped[list[Any]] = mapped_column()
    nationality_codes: Mapped[str] = mapped_column(String(400), default="")
    screening_round: Mapped[int] = mapped_column(Integer, default=0)
    registered_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


REQUEST_ALIASES = RequestRow.request[("subject", "aliases")]
"""The subject's aliases in a request's JSON (``subject.aliases``), as a column expression: read with
``alias_names``. The aliases of a published notice are those of its request."""


NOT_PENDING_STAGES = frozenset({stage.value for stage in FINAL_STAGES} | {status.value for status in NoticeStatus})
"""Values of ``requests.stage`` after which a request is no longer pending (it is a notice, or it is
closed): the request's final stages, then its notice's statuses."""


class FindingRow(Base):
    """A finding of the latest screening round (replaced as a whole by the next round)."""

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_request_id", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64), ForeignKey("requests.request_id", ondelete="CASCADE"))
    screening_round: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(String(80))
    article: Mapped[str] = mapped_column(String(80))
    severity: Mapped[str] = mapped_column(String(20))
    field: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(40))
    missing_item: Mapped[str | None] = mapped_column(String(200))
    evidence: Mapped[dict[str, Any]] = mapped_column()
    score: Mapped[float | None] = mapped_column(Float)


class CaseEventRow(Base):
    """What happened to a case, keyed by the workflow's deterministic event key."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_request_id_at", "request_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_key: Mapped[str] = mapped_column(String(200), unique=True)
    request_id: Mapped[str] = mapped_column(String(64), ForeignKey("requests.request_id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(80))
    stage: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column()


# --- the reviewers' queue and the pending names (read models kept by the activities) ------------

NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
"""``case_queue.sort_deadline`` of a case without a deadline: it sorts after every real one, with the
same portable comparison on both backends (no NULLS LAST, which SQLite's row values lack)."""


class CaseQueueRow(Base):
    """One open case as the reviewers' queue lists it, written with each event the case records
    (``registry.queue``) and deleted when it closes. ``version`` (the case's event counter) only grows:
    a stale write changes nothing."""

    __tablename__ = "case_queue"
    __table_args__ = (
        Index("ix_case_queue_order", "sort_deadline", "request_id"),
        Index("ix_case_queue_stage_order", "stage", "sort_deadline", "request_id"),
        Index("ix_case_queue_assignee_order", "assignee", "sort_deadline", "request_id"),
        Index("ix_case_queue_requesting_ncb_order", "requesting_ncb", "sort_deadline", "request_id"),
    )

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    stage: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    requesting_ncb: Mapped[str] = mapped_column(String(2))
    risk: Mapped[str] = mapped_column(String(10))
    next_deadline: Mapped[datetime | None] = mapped_column()
    sort_deadline: Mapped[datetime] = mapped_column()
    """``next_deadline``, or ``NO_DEADLINE`` when there is none: the sort key, with ``request_id``."""
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    blocking: Mapped[int] = mapped_column(Integer, default=0)
    doubts: Mapped[int] = mapped_column(Integer, default=0)
    assignee: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column()
    last_action: Mapped[str] = mapped_column(String(80), default="")
    updated_at: Mapped[datetime] = mapped_column()
    version: Mapped[int] = mapped_column(BigInteger)


class PendingNameRow(Base):
    """The name tokens of a request (its subject's and aliases' names, ``name_key``) while it is
    pending: what the duplicate check reads instead of every pending request. Written when the request
    is registered, amended and closed (``pending`` false, ``name_key`` empty: kept, so a worker's
    vocabulary learns of the closing); ``seq`` comes from the ``pending_names`` counter, committed in
    its order, so a worker reads only the rows changed since it last looked."""

    __tablename__ = "pending_names"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_key: Mapped[str] = mapped_column(Text, default="")
    pending: Mapped[bool] = mapped_column(Boolean, default=True)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)


# --- the audit trail -----------------------------------------------------------------------------


class AuditEntryRow(Base):
    """Append-only, hash-chained: ``entry_hash`` = sha256(canonical entry JSON + ``prev_hash``).

    Ids are assigned by the appender (previous id + 1) under a lock, so a gap means a removed entry.
    ``detail`` is the canonical JSON text that was hashed, kept verbatim.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_key: Mapped[str] = mapped_column(String(200), unique=True)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(80))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The last entry of the chain (one row), so removing the newest entries is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class SequenceRow(Base):
    """A counter whose row lock orders its users' commits: ``notices.seq`` values commit in order."""

    __tablename__ = "sequences"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


# --- notices and messages to NCBs -----------------------------------------------------------------


class NoticeRow(Base):
    """A published notice or diffusion; only status ``published`` is visible to member countries."""

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_status_published_at", "status", "published_at"),
        Index("ix_notices_requesting_ncb", "requesting_ncb"),
    )

    notice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("requests.request_id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    requesting_ncb: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20))
    published_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[datetime | None] = mapped_column()
    family_name: Mapped[str] = mapped_column(String(200))
    forenames: Mapped[str] = mapped_column(String(200), default="")
    name_key: Mapped[str] = mapped_column(Text, default="")
    seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    """Publication order, committed in that order (``SequenceRow``): a worker's name vocabulary reads
    only the notices published since it last looked."""
    """Every name token, family name and forenames (`` lucien marchetti ``): what a name search reads
    to find its candidates without tokenising each name again."""
    date_of_birth: Mapped[str | None] = mapped_column(String(10))
    nationalities: Mapped[list[Any]] = mapped_column()
    nationality_codes: Mapped[str] = mapped_column(String(400), default="")


class OutboxRow(Base):
    """A message to NCBs, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_request_id", "request_id"), Index("ix_outbox_notice_id", "notice_id"))

    message_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    request_id: Mapped[str | None] = mapped_column(String(64))
    notice_id: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()


class OutboxDeliveryRow(Base):
    """One recipient of an outbox message, an NCB or the NDTF; delivered at most once per (message, recipient)."""

    __tablename__ = "outbox_deliveries"
    __table_args__ = (
        UniqueConstraint("message_key", "ncb", name="uq_outbox_deliveries_message_ncb"),
        Index("ix_outbox_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_key: Mapped[str] = mapped_column(
        String(200), ForeignKey("outbox.message_key", ondelete="CASCADE")
    )
    ncb: Mapped[str] = mapped_column(String(8))
    """An NCB's ISO code, or ``NDTF`` for the Task Force's own mailbox."""
    address: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    smtp_message_id: Mapped[str | None] = mapped_column(String(400))
    delivered_at: Mapped[datetime | None] = mapped_column()


class NoticeAcknowledgementRow(Base):
    """An NCB confirming it applied an instruction (block, cancel) to its national databases."""

    __tablename__ = "notice_acknowledgements"
    __table_args__ = (
        UniqueConstraint("instruction_key", "ncb", name="uq_notice_acknowledgements_instruction_ncb"),
        Index("ix_notice_acknowledgements_notice_id", "notice_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[str] = mapped_column(String(64), ForeignKey("notices.notice_id", ondelete="CASCADE"))
    instruction_key: Mapped[str] = mapped_column(String(200))
    ncb: Mapped[str] = mapped_column(String(2))
    acknowledged_at: Mapped[datetime] = mapped_column()


# --- reference data (loaded from the organisation's CSV files) ----------------------------------


class RefugeeRow(Base):
    __tablename__ = "refugees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    family_name: Mapped[str] = mapped_column(String(200))
    forenames: Mapped[str] = mapped_column(String(200), default="")
    date_of_birth: Mapped[str] = mapped_column(String(10), default="")
    nationalities: Mapped[list[Any]] = mapped_column()
    granted_by: Mapped[str] = mapped_column(String(2))
    persecution_country: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20))
    decided_on: Mapped[str | None] = mapped_column(String(10))
    """ISO date; text so that SQLite and PostgreSQL return the same thing."""
    applied_on: Mapped[str | None] = mapped_column(String(10))
    """When asylum was applied for (ISO date), when the file says."""
    confirmed_on: Mapped[str | None] = mapped_column(String(10))
    """When the granting country confirmed the status (ISO date), when it did."""
    entry_id: Mapped[str] = mapped_column(String(64), default="")
    """The file's own id for the entry (``entry_id`` column); empty when it gives none (the entry's id is
    then derived from who it is: ``registry.rescreen.entry_id``)."""


class PoliticalTargetingRow(Base):
    __tablename__ = "political_targeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    family_name: Mapped[str] = mapped_column(String(200))
    forenames: Mapped[str] = mapped_column(String(200), default="")
    date_of_birth: Mapped[str] = mapped_column(String(10), default="")
    nationalities: Mapped[list[Any]] = mapped_column()
    country: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(60))
    note: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[str] = mapped_column(String(64), default="")
    """As ``RefugeeRow.entry_id``."""


class ReferenceChangeRow(Base):
    """An entry of a refugee or political-targeting list that a load added or changed, with the version
    it came in: what the re-screening of open cases and published notices matches them against."""

    __tablename__ = "reference_changes"
    __table_args__ = (UniqueConstraint("kind", "version", "entry_id", name="uq_reference_changes_entry"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[str] = mapped_column(String(64))
    change: Mapped[str] = mapped_column(String(10))
    """added or changed."""
    entry_hash: Mapped[str] = mapped_column(String(64))
    """A hash of the entry's content: with the entry id, the key a re-screening alert is recorded under."""
    entry: Mapped[dict[str, Any]] = mapped_column()
    """The entry's row as loaded (its table's columns)."""


class CountryContextRow(Base):
    __tablename__ = "country_context"
    __table_args__ = (Index("ix_country_context_country", "country"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(40))
    from_date: Mapped[str] = mapped_column(String(10))
    to_date: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")


class InterstateDisputeRow(Base):
    __tablename__ = "interstate_disputes"
    __table_args__ = (
        Index("ix_interstate_disputes_country_a", "country_a"),
        Index("ix_interstate_disputes_country_b", "country_b"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country_a: Mapped[str] = mapped_column(String(2))
    country_b: Mapped[str] = mapped_column(String(2))
    from_date: Mapped[str] = mapped_column(String(10))
    to_date: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")


class ReviewerRow(Base):
    __tablename__ = "reviewers"

    reviewer_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[Any]] = mapped_column()


class MemberRow(Base):
    """A member country of the organisation (its NCB): who may request, and who broadcasts reach."""

    __tablename__ = "members"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    joined: Mapped[str] = mapped_column(String(10))
    """A year (YYYY) or an ISO date; text so that SQLite and PostgreSQL return the same thing."""
    language: Mapped[str] = mapped_column(String(2), default="en")
    """The NCB's working language: ar, en, fr or es."""


class OffenceClassificationRow(Base):
    """One code of the offence classification (UNODC's ICCS): a section, division, group or class, under
    ``parent`` (empty for a section). A charge's category is checked against these at submission."""

    __tablename__ = "offence_classification"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    parent: Mapped[str] = mapped_column(String(8), default="")


class ReferenceVersionRow(Base):
    """Which content of each reference list is loaded; the version goes up on every change."""

    __tablename__ = "reference_versions"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column()
    rows: Mapped[int] = mapped_column(Integer)


REFERENCE_TABLES: dict[str, type[Base]] = {
    "refugees": RefugeeRow,
    "political_targeting": PoliticalTargetingRow,
    "country_context": CountryContextRow,
    "interstate_disputes": InterstateDisputeRow,
    "reviewers": ReviewerRow,
    "members": MemberRow,
    "offence_classification": OffenceClassificationRow,
}
"""The table each ReferenceKind loads into."""


def name_tokens(text: str | None) -> list[str]:
    """The screening matcher's tokens, transliterated and lower-case ("Núñez-García" -> ["nunez", "garcia"],
    "Петров" -> ["petrov"]), so a name filed in another script finds the same rows."""
    return list(screening_name_tokens(text))


def name_key(*names: str | None) -> str:
    """The value of ``notices.name_key``: the tokens of all the names, padded with spaces."""
    tokens = [token for name in names for token in name_tokens(name)]
    return f" {' '.join(tokens)} " if tokens else ""


def alias_names(aliases: Any) -> list[tuple[str, str]]:
    """(family name, forenames) of each alias as ``REQUEST_ALIASES`` reads them; none when there are none."""
    if not isinstance(aliases, list):
        return []
    names = [(a.get("family_name") or "", a.get("forenames") or "") for a in aliases if isinstance(a, dict)]
    return [(str(family), str(forenames)) for family, forenames in names if family or forenames]


def nationality_codes(codes: list[str]) -> str:
    """The value of the ``nationality_codes`` columns (";FR;DE;"), for a portable ``LIKE '%;FR;%'``."""
    return f";{';'.join(c.upper() for c in codes)};" if codes else ""
