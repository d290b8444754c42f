"""``notices.seq`` and the ``sequences`` counter: publication order, committed in that order, so a
worker's name vocabulary can read only the notices published since it last looked.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 03:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    sequences = op.create_table(
        "sequences",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sequences")),
    )
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=False, server_default="0"))
        batch.create_index(batch.f("ix_notices_seq"), ["seq"], unique=False)
    connection = op.get_bind()
    notices = sa.table("notices", sa.column("notice_id"), sa.column("published_at"), sa.column("seq"))
    ordered = connection.execute(
        sa.select(notices.c.notice_id).order_by(notices.c.published_at, notices.c.notice_id)
    ).scalars().all()
    if ordered:
        connection.execute(
            sa.update(notices).where(notices.c.notice_id == sa.bindparam("row")).values(seq=sa.bindparam("n")),
            [{"row": notice_id, "n": n} for n, notice_id in enumerate(ordered, start=1)],
        )
    op.bulk_insert(sequences, [{"name": "notices", "value": len(ordered)}])


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_index(batch.f("ix_notices_seq"))
        batch.drop_column("seq")
    op.drop_table("sequences")
