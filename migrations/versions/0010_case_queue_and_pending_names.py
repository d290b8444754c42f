"""The reviewers' queue as a read model (``case_queue``) and the pending requests' name index
(``pending_names``, with its ``pending_names`` counter).

``pending_names`` is filled here from the requests still pending, so the duplicate check finds them at
once. ``case_queue`` starts empty: the next event of each case writes its row, and
``ndtf data backfill-queue`` writes the rows of the open cases from Temporal's visibility (the deadline
and the counts are there, not in the registry).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from screening.names import name_tokens

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
NOT_PENDING = ("blocked", "cancelled", "denied", "expired", "published", "withdrawn")
"""The request's final stages and its notice's statuses, as ``registry.tables.NOT_PENDING_STAGES`` held them."""


def _name_key(*names: str | None) -> str:
    """``registry.tables.name_key`` as of this revision: every name token, padded with spaces."""
    tokens = [token for name in names for token in name_tokens(name)]
    return f" {' '.join(tokens)} " if tokens else ""


def _alias_names(request: object) -> list[str]:
    subject = request.get("subject") if isinstance(request, dict) else None
    aliases = subject.get("aliases") if isinstance(subject, dict) else None
    if not isinstance(aliases, list):
        return []
    return [str(a.get(part) or "") for a in aliases if isinstance(a, dict) for part in ("family_name", "forenames")]


def upgrade() -> None:
    op.create_table(
        "case_queue",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("requesting_ncb", sa.String(length=2), nullable=False),
        sa.Column("risk", sa.String(length=10), nullable=False),
        sa.Column("next_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sort_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("blocking", sa.Integer(), nullable=False),
        sa.Column("doubts", sa.Integer(), nullable=False),
        sa.Column("assignee", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_action", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_case_queue")),
    )
    op.create_index("ix_case_queue_order", "case_queue", ["sort_deadline", "request_id"])
    op.create_index("ix_case_queue_stage_order", "case_queue", ["stage", "sort_deadline", "request_id"])
    op.create_index("ix_case_queue_assignee_order", "case_queue", ["assignee", "sort_deadline", "request_id"])
    op.create_index(
        "ix_case_queue_requesting_ncb_order", "case_queue", ["requesting_ncb", "sort_deadline", "request_id"]
    )

    pending_names = op.create_table(
        "pending_names",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_pending_names")),
    )
    op.create_index(op.f("ix_pending_names_seq"), "pending_names", ["seq"])

    connection = op.get_bind()
    requests = sa.table(
        "requests",
        sa.column("request_id"),
        sa.column("family_name"),
        sa.column("forenames"),
        sa.column("stage"),
        sa.column("request", sa.JSON()),
    )
    still_pending = connection.execute(
        sa.select(requests.c.request_id, requests.c.family_name, requests.c.forenames, requests.c.request)
        .where(requests.c.stage.not_in(NOT_PENDING))
        .order_by(requests.c.request_id)
    ).all()
    rows = []
    for seq, (request_id, family_name, forenames, request) in enumerate(still_pending, start=1):
        key = _name_key(family_name, forenames, *_alias_names(request))
        rows.append({"request_id": request_id, "name_key": key, "pending": True, "seq": seq})
    for start in range(0, len(rows), BATCH):
        op.bulk_insert(pending_names, rows[start : start + BATCH])
    sequences = sa.table("sequences", sa.column("name"), sa.column("value"))
    op.bulk_insert(sequences, [{"name": "pending_names", "value": len(rows)}])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM sequences WHERE name = 'pending_names'"))
    op.drop_index(op.f("ix_pending_names_seq"), table_name="pending_names")
    op.drop_table("pending_names")
    op.drop_index("ix_case_queue_requesting_ncb_order", table_name="case_queue")
    op.drop_index("ix_case_queue_assignee_order", table_name="case_queue")
    op.drop_index("ix_case_queue_stage_order", table_name="case_queue")
    op.drop_index("ix_case_queue_order", table_name="case_queue")
    op.drop_table("case_queue")
