"""The Alembic migrations build the same schema on PostgreSQL and on SQLite, and are re-runnable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, insert, inspect, select, text, update
from sqlalchemy.pool import NullPool

from models.reference import ReferenceKind
from registry.database import Database, alembic_config, migrate
from registry.references import ReferenceStore, iso_countries
from registry.tables import Base
from tests.data.conftest import BACKENDS, postgres_database


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
    assert drift == [], "registry/tables.py differs from the migrations: add one"


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
        await asyncio.to_thread(command.upgrade, alembic_config(url), "0005")  # 0006 drops the column
        async with db.transaction() as session:
            key = (await session.execute(text("SELECT family_key FROM refugees"))).scalar_one()
    finally:
        await db.dispose()
    assert key == " petrov "


# --- 0006: the dead family_key columns dropped -----------------------------------------------------

FAMILY_KEY_TABLES = ("requests", "notices", "refugees", "political_targeting")
LATER_TABLES = frozenset(
    {"members", "offence_classification", "reference_changes", "case_queue", "pending_names"}
)
"""Tables revisions after 0006 add: not there at 0005, left out when comparing with it."""
LATER_COLUMNS = {"refugees": {"applied_on", "confirmed_on", "entry_id"}, "political_targeting": {"entry_id"}}
"""Columns revisions after 0006 add to tables 0005 had (0009), left out of the rows compared with it."""
LATER_SEQUENCES = frozenset({"pending_names"})
"""Counters revisions after 0006 add to ``sequences`` (0010)."""


def _until_0006(tables: dict[str, Any]) -> dict[str, Any]:
    def rows(name: str, value: Any) -> Any:
        if name == "sequences" and isinstance(value, list):
            return [row for row in value if row.get("name") not in LATER_SEQUENCES]
        later = LATER_COLUMNS.get(name)
        if not later or not isinstance(value, list):
            return value
        return [{k: v for k, v in row.items() if k not in later} for row in value]

    return {name: rows(name, value) for name, value in tables.items() if name not in LATER_TABLES}
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@asynccontextmanager
async def _database_at_0005(backend: str, directory: Path) -> AsyncIterator[str]:
    """An empty database migrated from nothing up to revision 0005, as a deployment of 0005 has it."""
    if backend == "postgres":
        async with postgres_database() as url:  # created at head
            await asyncio.to_thread(command.downgrade, alembic_config(url), "base")
            await asyncio.to_thread(command.upgrade, alembic_config(url), "0005")
            yield url
    else:
        url = f"sqlite+aiosqlite:///{directory / 'at_0005.db'}"
        await asyncio.to_thread(command.upgrade, alembic_config(url), "0005")
        yield url


def _fill_at_0005(connection: Connection) -> None:
    """Rows as the application wrote them at revision 0005, ``family_key`` included: requests with a
    finding and case events, a notice with an acknowledgement (rows the tables' foreign keys delete
    with their request), and a person on each reference list."""
    metadata = MetaData()
    metadata.reflect(connection)
    tables = metadata.tables

    def person(family_name: str, key: str) -> dict[str, Any]:
        return {
            "family_name": family_name,
            "forenames": "Ivan",
            "family_key": key,
            "date_of_birth": "1979-04-12",
            "nationalities": ["RU"],
        }

    def request(request_id: str, family_name: str, key: str, stage: str) -> dict[str, Any]:
        return {
            "request_id": request_id,
            "workflow_id": f"wf-{request_id}",
            "requesting_ncb": "FR",
            "ncb_reference": f"FR-{request_id}",
            "kind": "red_notice",
            "purpose": "prosecution",
            "stage": stage,
            "risk": "low",
            "decision": None,
            "request": {"subject": {"family_name": family_name}},
            "nationality_codes": ";RU;",
            "screening_round": 1,
            "registered_at": AT,
            "updated_at": AT,
            **person(family_name, key),
        }

    connection.execute(
        insert(tables["requests"]),
        [
            request("R1", "MARCHETTI", " marchetti ", "published"),
            request("R2", "Петров", " petrov ", "detailed_review"),
        ],
    )
    connection.execute(
        insert(tables["findings"]),
        [
            {
                "request_id": "R2",
                "screening_round": 1,
                "rule_id": "refugee",
                "article": "Art. 3",
                "severity": "blocking",
                "field": "subject",
                "message": "A recognised refugee",
                "source": "refugees",
                "missing_item": None,
                "evidence": {"score": 0.97},
                "score": 0.97,
            }
        ],
    )
    connection.execute(
        insert(tables["case_events"]),
        [
            {
                "event_key": f"{request_id}:registered",
                "request_id": request_id,
                "actor": "ncb",
                "action": "registered",
                "stage": "registered",
                "detail": "",
                "at": AT,
            }
            for request_id in ("R1", "R2")
        ],
    )
    connection.execute(
        insert(tables["notices"]),
        [
            {
                "notice_id": "N1",
                "request_id": "R1",
                "kind": "red_notice",
                "requesting_ncb": "FR",
                "status": "published",
                "published_at": AT,
                "expires_at": None,
                "status_reason": "",
                "status_changed_at": AT,
                "name_key": " marchetti ivan ",
                "seq": 1,
                "nationality_codes": ";RU;",
                **person("MARCHETTI", " marchetti "),
            }
        ],
    )
    connection.execute(update(tables["sequences"]).where(tables["sequences"].c.name == "notices").values(value=1))
    connection.execute(
        insert(tables["notice_acknowledgements"]),
        [{"notice_id": "N1", "instruction_key": "N1:block", "ncb": "DE", "acknowledged_at": AT}],
    )
    connection.execute(
        insert(tables["refugees"]),
        [
            {
                "granted_by": "DE",
                "persecution_country": "RU",
                "status": "recognised",
                "decided_on": "2020-01-01",
                **person("Петров", " petrov "),
            }
        ],
    )
    connection.execute(
        insert(tables["political_targeting"]),
        [
            {
                "country": "RU",
                "kind": "opposition",
                "note": "",
                **person("Núñez-García", " nunez garcia "),
            }
        ],
    )


@dataclass
class _State:
    rows: dict[str, list[dict[str, Any]]]
    """Every row of every table but ``family_key``, in a stable order."""
    family_keys: dict[str, list[tuple[str, str]]]
    """(family_name, family_key) of each table that has the column."""
    schema: dict[str, dict[str, list[tuple[Any, ...]]]]
    """Columns (name, type, nullable), indexes and foreign keys of each table."""


def _state(connection: Connection) -> _State:
    metadata = MetaData()
    metadata.reflect(connection)
    inspector = inspect(connection)
    state = _State(rows={}, family_keys={}, schema={})
    for name, table in metadata.tables.items():
        if name == "alembic_version":
            continue
        rows = [dict(row) for row in connection.execute(select(table)).mappings()]
        state.rows[name] = sorted(({k: v for k, v in row.items() if k != "family_key"} for row in rows), key=repr)
        if "family_key" in table.c:
            state.family_keys[name] = sorted((row["family_name"], row["family_key"]) for row in rows)
        state.schema[name] = {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)),
            "indexes": sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(name)),
            "foreign_keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"], fk["options"].get("ondelete"))
                for fk in inspector.get_foreign_keys(name)
            ),
        }
    return state


async def _read(url: str) -> _State:
    db = Database.from_url(url, poolclass=NullPool)
    try:
        async with db.engine.connect() as connection:
            return await connection.run_sync(_state)
    finally:
        await db.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_dropping_family_key_keeps_every_row_and_downgrades_and_upgrades_again(
    backend: str, tmp_path: Path
) -> None:
    async with _database_at_0005(backend, tmp_path) as url:
        db = Database.from_url(url, poolclass=NullPool)
        try:
            async with db.engine.begin() as connection:
                await connection.run_sync(_fill_at_0005)
        finally:
            await db.dispose()
        at_0005 = await _read(url)
        await migrate(url)
        at_head = await _read(url)
        await _schema_matches_models(url)
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0005")
        downgraded = await _read(url)
        await migrate(url)
        upgraded_again = await _read(url)
        await _schema_matches_models(url)

    assert {name: len(rows) for name, rows in at_0005.rows.items() if rows} == {
        "requests": 2,
        "findings": 1,
        "case_events": 2,
        "notices": 1,
        "notice_acknowledgements": 1,
        "sequences": 1,
        "refugees": 1,
        "political_targeting": 1,
    }
    assert set(at_0005.family_keys) == set(FAMILY_KEY_TABLES)
    # upgrading drops the columns and their indexes, and nothing else: no row goes (no cascade)
    assert _until_0006(at_head.rows) == at_0005.rows
    assert at_head.family_keys == {}
    for table in FAMILY_KEY_TABLES:
        assert [c for c in at_head.schema[table]["columns"] if c[0] == "family_key"] == []
        assert [i for i in at_head.schema[table]["indexes"] if "family_key" in i[1]] == []
    assert {name: s for name, s in _until_0006(at_head.schema).items() if name not in FAMILY_KEY_TABLES} == {
        name: s for name, s in at_0005.schema.items() if name not in FAMILY_KEY_TABLES
    }
    # downgrading gives 0005's schema back, with the keys the application wrote recomputed
    assert downgraded.schema == at_0005.schema
    assert downgraded.rows == at_0005.rows
    assert downgraded.family_keys == at_0005.family_keys
    # and the upgrade runs again
    assert _until_0006(upgraded_again.rows) == at_0005.rows
    assert upgraded_again.schema == at_head.schema


# --- 0007: the members list ------------------------------------------------------------------------

MEMBERS_CSV = "country,name,joined,language\nFR,France,1923,fr\nDE,Germany,1923,en\n"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_members_table_comes_and_goes_with_its_revision(backend: str, tmp_path: Path) -> None:
    async with _database_at_0005(backend, tmp_path) as url:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "0006")
        at_0006 = await _read(url)
        await migrate(url)
        await _schema_matches_models(url)
        db = Database.from_url(url, poolclass=NullPool)
        try:
            store = ReferenceStore(db)
            await store.load_text(ReferenceKind.MEMBERS, MEMBERS_CSV)
            await store.load_text(ReferenceKind.REVIEWERS, "reviewer_id,name,roles\nlegal.ana,Ana,legal\n")
            at_head = await _read(url)
            await asyncio.to_thread(command.downgrade, alembic_config(url), "0006")
            downgraded = await _read(url)
            await migrate(url)
            await _schema_matches_models(url)
            assert await store.member_ncbs() == sorted(iso_countries()), "no list loaded after the round trip"
            again = await store.load_text(ReferenceKind.MEMBERS, MEMBERS_CSV)
            assert (again.changed, again.version) == (True, 1)
            assert await store.member_ncbs() == ["DE", "FR"]
        finally:
            await db.dispose()

    assert "members" not in at_0006.schema
    assert at_head.schema["members"]["columns"] == sorted(
        [("country", "VARCHAR(2)", False), ("name", "VARCHAR(200)", False), ("joined", "VARCHAR(10)", False),
         ("language", "VARCHAR(2)", False)]
    )
    assert sorted(row["country"] for row in at_head.rows["members"]) == ["DE", "FR"]
    assert downgraded.schema == at_0006.schema
    assert [row["kind"] for row in downgraded.rows["reference_versions"]] == ["reviewers"], "the rest is kept"
    assert downgraded.rows["reviewers"] == at_head.rows["reviewers"]


# --- 0008: the offence classification --------------------------------------------------------------

CLASSIFICATION_CSV = "code,label,parent\n07,\"Acts involving fraud, deception or corruption\",\n0701,Fraud,07\n"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_offence_classification_table_comes_and_goes_with_its_revision(backend: str, tmp_path: Path) -> None:
    async with _database_at_0005(backend, tmp_path) as url:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "0007")
        at_0007 = await _read(url)
        await migrate(url)
        await _schema_matches_models(url)
        db = Database.from_url(url, poolclass=NullPool)
        try:
            store = ReferenceStore(db)
            await store.load_text(ReferenceKind.OFFENCE_CLASSIFICATION, CLASSIFICATION_CSV)
            await store.load_text(ReferenceKind.MEMBERS, MEMBERS_CSV)
            at_head = await _read(url)
            await asyncio.to_thread(command.downgrade, alembic_config(url), "0007")
            downgraded = await _read(url)
            await migrate(url)
            await _schema_matches_models(url)
            assert await store.offence_classification() is None, "no classification loaded after the round trip"
            again = await store.load_text(ReferenceKind.OFFENCE_CLASSIFICATION, CLASSIFICATION_CSV)
            assert (again.changed, again.version) == (True, 1)
            loaded = await store.offence_classification()
            assert loaded is not None and sorted(loaded) == ["07", "0701"]
        finally:
            await db.dispose()

    assert "offence_classification" not in at_0007.schema
    assert at_head.schema["offence_classification"]["columns"] == sorted(
        [("code", "VARCHAR(8)", False), ("label", "VARCHAR(200)", False), ("parent", "VARCHAR(8)", False)]
    )
    assert sorted(row["code"] for row in at_head.rows["offence_classification"]) == ["07", "0701"]
    assert downgraded.schema == at_0007.schema
    assert [row["kind"] for row in downgraded.rows["reference_versions"]] == ["members"], "the rest is kept"
    assert downgraded.rows["members"] == at_head.rows["members"]
