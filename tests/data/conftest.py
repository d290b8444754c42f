"""Database fixtures: a fresh PostgreSQL database and a fresh SQLite file, both migrated by Alembic.

- ``postgres_url`` / ``sqlite_url``: one migrated database per test session (URL strings).
- ``postgres_db`` / ``sqlite_db``: a ``Database`` on each.
- ``db``: the same test on both backends (the PostgreSQL run is marked ``postgres``). Tests sharing
  these databases use unique keys and names (``unique``), so they do not see each other's rows.
- ``fresh_db``: a database of its own for one test (audit tampering, reference loads), both backends.
- ``smtp_server``: a real SMTP server (aiosmtpd) on 127.0.0.1 that records what it receives and can
  be told to refuse the next mails with 451; ``mail_settings`` points the service at it.

PostgreSQL is the one on 127.0.0.1:5432 (trust auth); ``TEST_POSTGRES_URL`` names another admin
database. Databases are created from it with unique names and dropped at the end. When it does not
answer, the tests that need it fail under CI (``CI=true``) and are skipped, with the reason, in a local
run (``tests.conftest.service_missing``). They are marked ``postgres`` by ``tests/conftest.py``.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.engine import make_url

from models.request import NoticeRequest
from registry.database import Database, migrate
from runtime.config import Settings
from tests.conftest import service_missing

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

BACKENDS = [pytest.param("postgres", marks=pytest.mark.postgres), "sqlite"]


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A new, migrated PostgreSQL database; its SQLAlchemy URL. Dropped afterwards."""
    admin_dsn = _asyncpg_dsn(ADMIN_URL)
    try:
        admin = await asyncpg.connect(admin_dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        shown = make_url(ADMIN_URL).render_as_string(hide_password=True)
        service_missing(
            "PostgreSQL",
            f"cannot connect to {shown} ({type(error).__name__}: {error}); start it (`make postgres`) "
            "or point TEST_POSTGRES_URL at one",
        )
    name = f"ndtf_test_{uuid.uuid4().hex[:12]}"
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(ADMIN_URL).set(drivername="postgresql+asyncpg", database=name)
        rendered = url.render_as_string(hide_password=False)
        await migrate(rendered)
        yield rendered
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@asynccontextmanager
async def sqlite_database(directory: Path) -> AsyncIterator[str]:
    """A new, migrated SQLite file (in a directory that does not exist yet: migrate creates it)."""
    url = f"sqlite+aiosqlite:///{directory / uuid.uuid4().hex / 'notices.db'}"
    await migrate(url)
    yield url


@asynccontextmanager
async def open_database(backend: str, tmp: Path) -> AsyncIterator[Database]:
    factory = postgres_database() if backend == "postgres" else sqlite_database(tmp)
    async with factory as url:
        db = Database.from_url(url)
        try:
            yield db
        finally:
            await db.dispose()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def postgres_url() -> AsyncIterator[str]:
    async with postgres_database() as url:
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    async with sqlite_database(tmp_path_factory.mktemp("sqlite")) as url:
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def postgres_db(postgres_url: str) -> AsyncIterator[Database]:
    db = Database.from_url(postgres_url)
    yield db
    await db.dispose()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def sqlite_db(sqlite_url: str) -> AsyncIterator[Database]:
    db = Database.from_url(sqlite_url)
    yield db
    await db.dispose()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest) -> Database:
    """The session database of each backend in turn."""
    database: Database = request.getfixturevalue(f"{request.param}_db")
    return database


@pytest_asyncio.fixture(params=BACKENDS, loop_scope="session")
async def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database for this test alone (it may tamper with the audit log or replace reference lists)."""
    async with open_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture
def unique() -> str:
    """A token no other test uses: for keys, NCB references and names."""
    return uuid.uuid4().hex[:10]


# --- requests --------------------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def make_request(
    ncb: str = "FR",
    reference: str = "FR-2026-1",
    family_name: str = "MARCHETTI",
    forenames: str = "Lucien Paul",
    nationalities: list[str] | None = None,
    **changes: Any,
) -> NoticeRequest:
    """A valid red notice request; keyword arguments replace top-level fields."""
    data: dict[str, Any] = {
        "kind": "red_notice",
        "requesting_ncb": ncb,
        "ncb_reference": reference,
        "purpose": "prosecution",
        "subject": {
            "family_name": family_name,
            "forenames": forenames,
            "date_of_birth": "1979-04-12",
            "nationalities": nationalities if nationalities is not None else [ncb],
        },
        "judicial": {
            "facts_summary": "Diverted investor funds through forged invoices.",
            "charges": [{"offence": "Organised fraud", "max_penalty_months": 120, "category": "fraud"}],
            "arrest_warrant": {"reference": "MA-1", "issued_on": "2025-02-03", "issuing_authority": "Court"},
        },
        "contact": {"officer": "Officer", "email": "ncb@example.org"},
        **changes,
    }
    return NoticeRequest.model_validate(data)


# --- SMTP ------------------------------------------------------------------------------------------


@dataclass
class RecordingHandler:
    """Keeps every accepted mail; refuses the next ``fail_next`` DATA commands with 451."""

    received: list[Envelope] = field(default_factory=list)
    fail_next: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.fail_next > 0:
            self.fail_next -= 1
            return "451 4.3.0 Temporary failure, try again later"
        self.received.append(envelope)
        return "250 2.0.0 Message accepted"

    def recipients(self) -> list[str]:
        return [rcpt for envelope in self.received for rcpt in envelope.rcpt_tos]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class SmtpServer:
    handler: RecordingHandler
    host: str
    port: int


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(handler=handler, host="127.0.0.1", port=port)
    finally:
        controller.stop()


@pytest.fixture
def mail_settings(smtp_server: SmtpServer) -> Settings:
    return replace(Settings(), smtp_host=smtp_server.host, smtp_port=smtp_server.port)
