"""The ``offence_classification`` reference list: the codes of the offence classification (UNODC's ICCS,
``code,label,parent``) a charge's category is checked against at submission, loaded with
``ndtf data load offence_classification FILE``.

A new table only, so the same operations run on SQLite and PostgreSQL; it starts empty (the list is
reference data, loaded like the others). The downgrade drops the table and forgets that the list was
ever loaded (its ``reference_versions`` row), so loading it again after an upgrade starts at version 1.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "offence_classification",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("parent", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_offence_classification")),
    )


def downgrade() -> None:
    op.drop_table("offence_classification")
    versions = sa.table("reference_versions", sa.column("kind"))
    op.execute(sa.delete(versions).where(versions.c.kind == "offence_classification"))
