"""Name search keys (``family_key``) transliterated like the screening matcher's tokens, so a name
filed in another script ("Петров") finds the rows of the same name in Latin script ("Petrov").

Recomputes the keys of the rows already there; new rows got them from ``registry.tables.family_key``
until revision 0006 dropped the columns.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 02:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from screening.names import name_tokens

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {"requests": "request_id", "notices": "notice_id", "refugees": "id", "political_targeting": "id"}


def _key(family_name: str | None) -> str:
    tokens = name_tokens(family_name)
    return f" {' '.join(tokens)} " if tokens else ""


def upgrade() -> None:
    connection = op.get_bind()
    for name, key_column in TABLES.items():
        table = sa.table(name, sa.column(key_column), sa.column("family_name"), sa.column("family_key"))
        rows = connection.execute(sa.select(table.c[key_column], table.c.family_name, table.c.family_key)).all()
        changed = [{"row": row_id, "key": _key(name)} for row_id, name, old in rows if _key(name) != old]
        if changed:
            rekey = sa.update(table).where(table.c[key_column] == sa.bindparam("row"))
            connection.execute(rekey.values(family_key=sa.bindparam("key")), changed)


def downgrade() -> None:
    """The older keys were the same tokens without transliteration; the transliterated ones still find
    every name written in Latin script, so they are left as they are."""
