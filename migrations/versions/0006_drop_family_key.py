"""Drop the ``family_key`` columns of ``requests``, ``notices``, ``refugees`` and ``political_targeting``,
and their indexes: nothing reads them any more (the duplicate check and the name search read the
notices' name vocabulary, ``notices.name_key``).

On SQLite the columns go with ``ALTER TABLE … DROP COLUMN`` (SQLite 3.35 or later), never by the batch
mode's copy of the table: the migration runs with foreign keys on and inside a transaction (where they
cannot be turned off), so dropping the old ``requests`` table would first delete its rows and, through
``ON DELETE CASCADE``, every finding, case event, notice and acknowledgement of every request.

The downgrade adds the columns back (``NOT NULL DEFAULT ''``: SQLite keeps the default, PostgreSQL
drops it once the rows are filled, as revision 0005 had it) with their indexes, and recomputes the keys
the way the application wrote them until this revision.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 04:10:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import sqlalchemy as sa
from alembic import op

from screening.names import name_tokens

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {"requests": "request_id", "notices": "notice_id", "refugees": "id", "political_targeting": "id"}
"""Each table with a ``family_key`` column -> its primary key."""

SQLITE_DROP_COLUMN = (3, 35, 0)


def _family_key(family_name: str | None) -> str:
    """What ``registry.tables.family_key`` returned: the family name's tokens padded with spaces."""
    tokens = name_tokens(family_name)
    return f" {' '.join(tokens)} " if tokens else ""


def _index(table: str) -> str:
    return f"ix_{table}_family_key"


def _recreate() -> Literal["auto", "never"]:
    """``never`` on SQLite (see the module's docstring), ``auto`` (plain ALTER TABLE) elsewhere."""
    dialect = op.get_bind().dialect
    if dialect.name != "sqlite":
        return "auto"
    version = dialect.server_version_info or ()
    if tuple(version) < SQLITE_DROP_COLUMN:
        found = ".".join(str(part) for part in version)
        raise RuntimeError(
            f"revision 0006 needs SQLite {'.'.join(map(str, SQLITE_DROP_COLUMN))} or later for ALTER TABLE"
            f" … DROP COLUMN; this Python's sqlite3 is {found}"
        )
    return "never"


def upgrade() -> None:
    recreate = _recreate()
    for table in TABLES:
        with op.batch_alter_table(table, recreate=recreate) as batch:
            batch.drop_index(_index(table))
            batch.drop_column("family_key")


def downgrade() -> None:
    recreate = _recreate()
    connection = op.get_bind()
    for table, key_column in TABLES.items():
        with op.batch_alter_table(table, recreate=recreate) as batch:
            batch.add_column(sa.Column("family_key", sa.String(length=400), nullable=False, server_default=""))
            batch.create_index(_index(table), ["family_key"], unique=False)
        rows = sa.table(table, sa.column(key_column), sa.column("family_name"), sa.column("family_key"))
        keys = [
            {"row": row_id, "key": key}
            for row_id, family_name in connection.execute(sa.select(rows.c[key_column], rows.c.family_name))
            if (key := _family_key(family_name))
        ]
        if keys:
            rekey = sa.update(rows).where(rows.c[key_column] == sa.bindparam("row"))
            connection.execute(rekey.values(family_key=sa.bindparam("key")), keys)
        if connection.dialect.name != "sqlite":
            op.alter_column(table, "family_key", existing_type=sa.String(length=400), server_default=None)
