"""The initial schema: requests, findings, case events, audit log, notices, outbox, reference data.

Written to run unchanged on PostgreSQL and SQLite (JSON is JSONB on PostgreSQL).

Revision ID: 0001
Revises:
Create Date: 2026-11-28 17:50:19.089858
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("event_key", name=op.f("uq_audit_log_event_key")),
    )
    op.create_index("ix_audit_log_subject", "audit_log", ["subject_type", "subject_id"], unique=False)

    op.create_table(
        "country_context",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("from_date", sa.String(length=10), nullable=False),
        sa.Column("to_date", sa.String(length=10), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_country_context")),
    )
    op.create_index("ix_country_context_country", "country_context", ["country"], unique=False)

    op.create_table(
        "interstate_disputes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("country_a", sa.String(length=2), nullable=False),
        sa.Column("country_b", sa.String(length=2), nullable=False),
        sa.Column("from_date", sa.String(length=10), nullable=False),
        sa.Column("to_date", sa.String(length=10), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interstate_disputes")),
    )
    op.create_index("ix_interstate_disputes_country_a", "interstate_disputes", ["country_a"], unique=False)
    op.create_index("ix_interstate_disputes_country_b", "interstate_disputes", ["country_b"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("message_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("notice_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_key", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_notice_id", "outbox", ["notice_id"], unique=False)
    op.create_index("ix_outbox_request_id", "outbox", ["request_id"], unique=False)

    op.create_table(
        "political_targeting",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("forenames", sa.String(length=200), nullable=False),
        sa.Column("family_key", sa.String(length=400), nullable=False),
        sa.Column("date_of_birth", sa.String(length=10), nullable=False),
        sa.Column("nationalities", JSON_DOC, nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_political_targeting")),
    )
    op.create_index("ix_political_targeting_family_key", "political_targeting", ["family_key"], unique=False)

    op.create_table(
        "reference_versions",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_reference_versions")),
    )
    op.create_table(
        "refugees",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("forenames", sa.String(length=200), nullable=False),
        sa.Column("family_key", sa.String(length=400), nullable=False),
        sa.Column("date_of_birth", sa.String(length=10), nullable=False),
        sa.Column("nationalities", JSON_DOC, nullable=False),
        sa.Column("granted_by", sa.String(length=2), nullable=False),
        sa.Column("persecution_country", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_on", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refugees")),
    )
    op.create_index("ix_refugees_family_key", "refugees", ["family_key"], unique=False)

    op.create_table(
        "requests",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("workflow_id", sa.String(length=200), nullable=False),
        sa.Column("requesting_ncb", sa.String(length=2), nullable=False),
        sa.Column("ncb_reference", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("risk", sa.String(length=10), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("request", JSON_DOC, nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("forenames", sa.String(length=200), nullable=False),
        sa.Column("family_key", sa.String(length=400), nullable=False),
        sa.Column("date_of_birth", sa.String(length=10), nullable=True),
        sa.Column("nationalities", JSON_DOC, nullable=False),
        sa.Column("nationality_codes", sa.String(length=400), nullable=False),
        sa.Column("screening_round", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_requests")),
        sa.UniqueConstraint("requesting_ncb", "ncb_reference", name="uq_requests_ncb_reference"),
    )
    op.create_index("ix_requests_family_key", "requests", ["family_key"], unique=False)
    op.create_index("ix_requests_requesting_ncb_stage", "requests", ["requesting_ncb", "stage"], unique=False)
    op.create_index("ix_requests_stage", "requests", ["stage"], unique=False)

    op.create_table(
        "reviewers",
        sa.Column("reviewer_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("roles", JSON_DOC, nullable=False),
        sa.PrimaryKeyConstraint("reviewer_id", name=op.f("pk_reviewers")),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.request_id"],
            name=op.f("fk_case_events_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
        sa.UniqueConstraint("event_key", name=op.f("uq_case_events_event_key")),
    )
    op.create_index("ix_case_events_request_id_at", "case_events", ["request_id", "at"], unique=False)

    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("screening_round", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=80), nullable=False),
        sa.Column("article", sa.String(length=80), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("missing_item", sa.String(length=200), nullable=True),
        sa.Column("evidence", JSON_DOC, nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.request_id"],
            name=op.f("fk_findings_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    op.create_index("ix_findings_request_id", "findings", ["request_id"], unique=False)

    op.create_table(
        "notices",
        sa.Column("notice_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("requesting_ncb", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("forenames", sa.String(length=200), nullable=False),
        sa.Column("family_key", sa.String(length=400), nullable=False),
        sa.Column("date_of_birth", sa.String(length=10), nullable=True),
        sa.Column("nationalities", JSON_DOC, nullable=False),
        sa.Column("nationality_codes", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.request_id"],
            name=op.f("fk_notices_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notice_id", name=op.f("pk_notices")),
        sa.UniqueConstraint("request_id", name=op.f("uq_notices_request_id")),
    )
    op.create_index("ix_notices_family_key", "notices", ["family_key"], unique=False)
    op.create_index("ix_notices_requesting_ncb", "notices", ["requesting_ncb"], unique=False)
    op.create_index("ix_notices_status_published_at", "notices", ["status", "published_at"], unique=False)

    op.create_table(
        "outbox_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_key", sa.String(length=200), nullable=False),
        sa.Column("ncb", sa.String(length=2), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("smtp_message_id", sa.String(length=400), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_key"],
            ["outbox.message_key"],
            name=op.f("fk_outbox_deliveries_message_key_outbox"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_deliveries")),
        sa.UniqueConstraint("message_key", "ncb", name="uq_outbox_deliveries_message_ncb"),
    )
    op.create_index("ix_outbox_deliveries_status", "outbox_deliveries", ["status"], unique=False)

    op.create_table(
        "notice_acknowledgements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notice_id", sa.String(length=64), nullable=False),
        sa.Column("instruction_key", sa.String(length=200), nullable=False),
        sa.Column("ncb", sa.String(length=2), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.notice_id"],
            name=op.f("fk_notice_acknowledgements_notice_id_notices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_acknowledgements")),
        sa.UniqueConstraint("instruction_key", "ncb", name="uq_notice_acknowledgements_instruction_ncb"),
    )
    op.create_index(
        "ix_notice_acknowledgements_notice_id", "notice_acknowledgements", ["notice_id"], unique=False
    )


def downgrade() -> None:
    # Indexes and constraints go with their tables.
    op.drop_table("notice_acknowledgements")
    op.drop_table("outbox_deliveries")
    op.drop_table("notices")
    op.drop_table("findings")
    op.drop_table("case_events")
    op.drop_table("reviewers")
    op.drop_table("requests")
    op.drop_table("refugees")
    op.drop_table("reference_versions")
    op.drop_table("political_targeting")
    op.drop_table("outbox")
    op.drop_table("interstate_disputes")
    op.drop_table("country_context")
    op.drop_table("audit_log")
    op.drop_table("audit_head")
