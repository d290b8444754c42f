"""The Alembic migrations build the same schema on PostgreSQL and on SQLite, and are re-runnable."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

from registry.database import Database, alembic_config, migrate
from registry.tables import Base
from tests.data.conftest import postgres_database


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _drift(connection: Connection) -> list[object]:
    """What Alembic's autogenerate would still add: a model changed without its migration."""
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _schema_matches_models(url: str) -> None:
    db = Database.from_url(url)
    try:
        async with db.engine.connect() as connection:
            tables = await connection.run_sync(_table_names)
            version = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
            drift = await connection.run_sync(_drift)
    finally:
        await db.dispose()
    assert set(Base.metadata.tables) <= tables
    assert version == HEAD
    assert drift == [], "models/tables.py differs from the migrations: add one"


@pytest.mark.postgres
async def test_migrations_create_every_table_on_postgresql() -> None:
    async with postgres_database() as url:
        await _schema_matches_models(url)
        await migrate(url)  # upgrading an up-to-date database is a no-op
        await _schema_matches_models(url)


async def test_migrations_create_every_table_on_sqlite_in_a_new_directory(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'not' / 'yet' / 'there.db'}"
    await migrate(url)
    await migrate(url)
    await _schema_matches_models(url)


async def test_plain_sqlite_url_is_given_the_async_driver(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    await migrate(url)
    await _schema_matches_models(url)


async def test_name_keys_already_stored_are_transliterated_on_upgrade(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(command.upgrade, alembic_config(url), "0002")
    db = Database.from_url(url)
    try:
        async with db.transaction() as session:
            await session.execute(
                text(
                    "INSERT INTO refugees (family_name, forenames, family_key, date_of_birth, nationalities,"
                    " granted_by, persecution_country, status)"
                    " VALUES ('Петров', 'Иван', ' петров ', '', '[]', 'DE', 'RU', 'recognised')"
                )
            )
        await migrate(url)
        async with db.transaction() as session:
            key = (await session.execute(text("SELECT family_key FROM refugees"))).scalar_one()
    finally:
        await db.dispose()
    assert key == " petrov "
