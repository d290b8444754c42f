"""The database connection the activities share: one async engine per worker, sessions per activity.

PostgreSQL (asyncpg) in production and in tests, SQLite (aiosqlite) for a local run. On SQLite every
transaction starts with ``BEGIN IMMEDIATE``: writers are serialised at the start of a transaction, so
a read-then-write (the audit chain, idempotent inserts) never fails half-way with "database is locked".
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"
"""Found by path, not imported: the migrations import this module (their ``env.py``)."""
ALEMBIC_INI = MIGRATIONS_DIR.parent / "alembic.ini"
SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "notice_read_only"
"""Execution option of ``Database.reading`` connections: on SQLite their transaction is deferred."""
_ASYNC_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def async_url(url: str) -> str:
    """Accept plain ``postgresql://`` / ``sqlite://`` URLs too, and pick the async driver for them."""
    parsed = make_url(url)
    if parsed.drivername in _ASYNC_DRIVERS:
        parsed = parsed.set(drivername=_ASYNC_DRIVERS[parsed.drivername])
    return parsed.render_as_string(hide_password=False)


def _prepare_sqlite(engine: AsyncEngine) -> None:
    """WAL and foreign keys on every connection; SQLAlchemy, not the driver, emits BEGIN IMMEDIATE."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        reading = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def create_engine(url: str, **engine_options: Any) -> AsyncEngine:
    """An async engine for either backend; for SQLite the file's directory is created if missing."""
    url = async_url(url)
    parsed = make_url(url)
    is_sqlite = parsed.get_backend_name() == "sqlite"
    if is_sqlite and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    if not is_sqlite:
        engine_options.setdefault("pool_pre_ping", True)
    # An error's text quotes its statement's parameters (a subject's name, say) unless told not to, and
    # that text reaches the worker's log (the SDK logs a failed activity with its traceback).
    engine_options.setdefault("hide_parameters", True)
    engine = create_async_engine(url, **engine_options)
    if is_sqlite:
        _prepare_sqlite(engine)
    return engine


class Database:
    """An async engine and its session factory; create one per process, share it across activities."""

    def __init__(self, engine: AsyncEngine | str) -> None:
        """From an engine, or from a URL (same as ``Database.from_url(url)``)."""
        if isinstance(engine, str):
            engine = create_engine(engine)
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, **engine_options: Any) -> Database:
        return cls(create_engine(url, **engine_options))

    @property
    def dialect(self) -> str:
        """``postgresql`` or ``sqlite``: the few statements that differ look at it."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed when the block ends, rolled back on error."""
        async with self.sessions.begin() as session:
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session that only reads (the queue, a page of anything). On SQLite its transaction is a
        plain deferred ``BEGIN``: it reads WAL's snapshot without queueing behind the writers' ``BEGIN
        IMMEDIATE``, so a busy worker does not hold the reviewers' queue back. Rolled back at the end."""
        async with self.engine.connect() as connection:
            await connection.execution_options(**{READ_ONLY: True})
            async with AsyncSession(bind=connection, expire_on_commit=False) as session:
                try:
                    yield session
                finally:
                    session.expunge_all()  # what was read stays readable: rollback would expire it
                    await session.rollback()

    async def dispose(self) -> None:
        await self.engine.dispose()


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def insert_ignore(
    session: AsyncSession,
    model: type[DeclarativeBase],
    values: dict[str, Any],
    conflict_columns: list[str] | None = None,
) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on either backend; True when the row was written.

    The idempotency primitive of the activities: a retry finds the row its first attempt wrote, and
    two concurrent attempts cannot both write it.
    """
    dialect_insert = postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert
    statement = (
        dialect_insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(*inspect(model).primary_key)
    )
    result = await session.execute(statement)
    return result.first() is not None


T = TypeVar("T")

IN_CHUNK = 500
"""Keys per ``IN (…)`` query: well under every database's limit on bound parameters."""


def in_chunks(keys: Sequence[T]) -> Iterator[Sequence[T]]:
    """``keys`` in slices of ``IN_CHUNK``, one query each."""
    for start in range(0, len(keys), IN_CHUNK):
        yield keys[start : start + IN_CHUNK]


def alembic_config(url: str | None = None) -> Config:
    """Alembic's configuration, from alembic.ini when it is there, pointing at our migrations."""
    config = Config(str(ALEMBIC_INI)) if ALEMBIC_INI.exists() else Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _upgrade_head(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate(url: str) -> None:
    """``alembic upgrade head`` on ``url``, from async code (tests, ``make run``, the worker's start).

    Alembic is synchronous: it runs on the async connection through ``run_sync``, so no second event
    loop is started.
    """
    db = Database.from_url(url, poolclass=NullPool)
    try:
        async with db.engine.connect() as connection:
            await connection.run_sync(_upgrade_head)
            await connection.commit()
    finally:
        await db.dispose()


def migrate_sync(url: str) -> None:
    """``migrate`` for callers without an event loop (a Makefile step, a script)."""
    asyncio.run(migrate(url))
