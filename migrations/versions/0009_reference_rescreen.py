"""Asylum seekers beside refugees, entry ids, and the entries each load added or changed.

- ``refugees`` gains ``applied_on`` and ``confirmed_on`` (ISO dates, empty when the file gives none:
  when asylum was applied for, when the granting country confirmed the status) and ``entry_id``;
  ``political_targeting`` gains ``entry_id``. An entry id is the file's own (an optional ``entry_id``
  column), or empty, and then derived from who the entry is (``registry.rescreen.entry_id``).
- ``reference_changes``: the entries of the refugee and political-targeting lists a load added or
  changed, by list and version: what re-screening matches open cases and published notices against.

Columns are added with ``ALTER TABLE … ADD COLUMN`` (``NOT NULL DEFAULT ''`` for the ids), which SQLite and
PostgreSQL both do in place. The downgrade drops them again (SQLite 3.35 or later, as revision 0006) and
the table, and keeps every row of the lists.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _recreate() -> Literal["auto", "never"]:
    """Never copy a table on SQLite (see revision 0006): plain ALTER TABLE everywhere."""
    return "never" if op.get_bind().dialect.name == "sqlite" else "auto"


def upgrade() -> None:
    with op.batch_alter_table("refugees", recreate=_recreate()) as batch:
        batch.add_column(sa.Column("applied_on", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("confirmed_on", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("entry_id", sa.String(length=64), nullable=False, server_default=""))
    with op.batch_alter_table("political_targeting", recreate=_recreate()) as batch:
        batch.add_column(sa.Column("entry_id", sa.String(length=64), nullable=False, server_default=""))
    op.create_table(
        "reference_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("change", sa.String(length=10), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("entry", JSON_DOC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_changes")),
        sa.UniqueConstraint("kind", "version", "entry_id", name="uq_reference_changes_entry"),
    )


def downgrade() -> None:
    op.drop_table("reference_changes")
    with op.batch_alter_table("political_targeting", recreate=_recreate()) as batch:
        batch.drop_column("entry_id")
    with op.batch_alter_table("refugees", recreate=_recreate()) as batch:
        batch.drop_column("entry_id")
        batch.drop_column("confirmed_on")
        batch.drop_column("applied_on")
