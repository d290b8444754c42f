"""``notices.name_key``: every name token of the person, so a name search finds its candidates from a
vocabulary of tokens instead of tokenising and scoring every published notice.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 02:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from screening.names import name_tokens

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("name_key", sa.Text(), nullable=False, server_default=""))
    connection = op.get_bind()
    notices = sa.table(
        "notices", sa.column("notice_id"), sa.column("family_name"), sa.column("forenames"), sa.column("name_key")
    )
    rows = connection.execute(sa.select(notices.c.notice_id, notices.c.family_name, notices.c.forenames)).all()
    keys = []
    for notice_id, family_name, forenames in rows:
        tokens = [*name_tokens(family_name), *name_tokens(forenames)]
        keys.append({"row": notice_id, "key": f" {' '.join(tokens)} " if tokens else ""})
    if keys:
        connection.execute(
            sa.update(notices).where(notices.c.notice_id == sa.bindparam("row")).values(name_key=sa.bindparam("key")),
            keys,
        )


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("name_key")
