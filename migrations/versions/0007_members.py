"""The ``members`` reference list: the organisation's member countries (their NCBs), loaded with
``ndtf data load members FILE``. Requests from, and diffusions to, a country not on it are refused, and
broadcasts go to the countries on it.

A new table only, so the same operations run on SQLite and PostgreSQL; it starts empty (the list is
reference data, loaded like the others). The downgrade drops the table and forgets that the list was
ever loaded (its ``reference_versions`` row), so loading it again after an upgrade starts at version 1.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "members",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("joined", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.PrimaryKeyConstraint("country", name=op.f("pk_members")),
    )


def downgrade() -> None:
    op.drop_table("members")
    versions = sa.table("reference_versions", sa.column("kind"))
    op.execute(sa.delete(versions).where(versions.c.kind == "members"))
