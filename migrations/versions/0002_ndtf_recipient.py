"""Outbox recipients may be the NDTF itself (escalations), not only a two-letter NCB code.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_deliveries") as batch:
        batch.alter_column("ncb", existing_type=sa.String(length=2), type_=sa.String(length=8), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_deliveries") as batch:
        batch.alter_column("ncb", existing_type=sa.String(length=8), type_=sa.String(length=2), existing_nullable=False)
