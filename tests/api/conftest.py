"""The API as callers meet it: the real app in-process (``httpx.ASGITransport``), real local credentials
(``LocalCredentials`` in a temporary registry), the Temporal dev server with a real worker on a task
queue of its own, a migrated SQLite registry with the reference data, and a local SMTP server."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import func, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from admin.client import ReviewerClient
from api.app import create_app
from api.credentials import CredentialHolder, LocalAuthenticator, LocalCredentials
from api.limits import Limits
from models.case import CaseState
from models.notice import PublishedNoticeState
from registry.database import Database
from registry.tables import AuditEntryRow
from runtime.config import PROJECT_ROOT, Settings
from tests.workflows.conftest import EXAMPLES, Mailbox, mailbox, registry_db  # noqa: F401 - fixtures used here
from worker import build_worker

T = TypeVar("T")

REVIEWERS = ("legal.ana", "legal.eli", "police.ben", "ops.chen", "sup.dana", "sup.hiro", "ghost.reviewer")
"""Roster ids from data/reference/reviewers.csv, and one who is not on it."""
NCBS = ("FR", "DE", "BR", "PE", "ES", "IT", "NO")
ROSTER_CSV = PROJECT_ROOT / "data" / "reference" / "reviewers.csv"
GENEROUS = Limits(max_body_bytes=256 * 1024, rate_per_second=10_000, burst=100_000, temporal_timeout=30)


def example_body(name: str) -> dict[str, Any]:
    """An example request under a reference of its own: the dev server outlives each test's worker."""
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    data["ncb_reference"] = f"{data['ncb_reference']}-{uuid.uuid4().hex[:8]}"
    return data


@dataclass
class Tokens:
    """Bearer tokens by caller name: ``ncb:FR``, ``reviewer:legal.ana``, ``admin``, and the unusable ones."""

    by_name: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.by_name[name]


@pytest.fixture
def api_credentials(tmp_path: Path) -> tuple[LocalCredentials, Tokens]:
    """Real local credentials: one per NCB, reviewer and the administrator, plus an expired, a revoked
    and a malformed one (all for NCB FR, so only the credential's state decides)."""
    path = tmp_path / "api-credentials.json"
    registry = LocalCredentials(path=path)
    tokens = Tokens()
    for ncb in NCBS:
        tokens.by_name[f"ncb:{ncb}"] = registry.issue(CredentialHolder.for_ncb(ncb))[1]
    for reviewer_id in REVIEWERS:
        tokens.by_name[f"reviewer:{reviewer_id}"] = registry.issue(CredentialHolder.for_reviewer(reviewer_id))[1]
    tokens.by_name["admin"] = registry.issue(CredentialHolder.administrator())[1]
    past = LocalCredentials(path=path, clock=lambda: datetime.now(UTC) - timedelta(days=100))
    tokens.by_name["expired"] = past.issue(CredentialHolder.for_ncb("FR"), ttl=timedelta(days=1))[1]
    record, tokens.by_name["revoked"] = registry.issue(CredentialHolder.for_ncb("FR"))
    registry.revoke(record.id, by="admin:local")
    tokens.by_name["bad"] = "nrk_000000000000_" + "x" * 43
    return registry, tokens


@dataclass
class Api:
    http: httpx.AsyncClient
    client: Client
    db: Database
    task_queue: str
    tokens: Tokens
    mailbox: Mailbox | None = None

    async def call(self, who: str | None, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """``who``: a token name (``ncb:FR``, ``reviewer:legal.ana``, ``admin``, ``expired``…) or None."""
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return await self.http.request(method, path, headers=headers, **kwargs)

    def reviewer(self, reviewer_id: str = "legal.ana") -> ReviewerClient:
        """The Temporal-side view, to check what a refused call did not change."""
        return ReviewerClient(self.client, reviewer_id, self.task_queue)

    async def case(self, request_id: str) -> CaseState:
        return await self.reviewer().show(request_id)

    async def notice(self, notice_id: str) -> PublishedNoticeState:
        return await self.reviewer().notice(notice_id)

    async def refusals(self) -> int:
        """Entries the API wrote to the audit trail for refused calls."""
        async with self.db.transaction() as session:
            count = await session.scalar(
                select(func.count()).select_from(AuditEntryRow).where(AuditEntryRow.action == "api_refused")
            )
        return int(count or 0)

    async def refusal_entries(self) -> list[AuditEntryRow]:
        async with self.db.transaction() as session:
            rows = await session.scalars(
                select(AuditEntryRow).where(AuditEntryRow.action == "api_refused").order_by(AuditEntryRow.id)
            )
            return list(rows)


async def eventually(check: Callable[[], Awaitable[T | None]], what: str, within: float = 60) -> T:
    """Poll ``check`` until it returns something truthy."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


def http_client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test", timeout=60)


@pytest.fixture
async def api(
    dev_env: WorkflowEnvironment,
    registry_db: Database,  # noqa: F811 - the fixture imported above
    mailbox: Mailbox,  # noqa: F811
    api_credentials: tuple[LocalCredentials, Tokens],
) -> AsyncIterator[Api]:
    """The whole service behind the API: a worker on its own task queue, the registry, the SMTP sink."""
    registry, tokens = api_credentials
    task_queue = f"api-{uuid.uuid4().hex[:10]}"
    config = Settings(task_queue=task_queue, database_url="unused", smtp_host="127.0.0.1", smtp_port=mailbox.port)
    app = create_app(
        dev_env.client, registry_db, config, LocalAuthenticator(registry), task_queue=task_queue, limits=GENEROUS
    )
    async with build_worker(dev_env.client, registry_db, config, task_queue), http_client(app) as http:
        yield Api(http, dev_env.client, registry_db, task_queue, tokens, mailbox)


def light_app(
    client: Client, db: Database, registry: LocalCredentials, limits: Limits, task_queue: str | None = None
) -> Any:
    """The app without a worker: for what is refused at the door before any workflow is asked."""
    queue = task_queue or f"api-idle-{uuid.uuid4().hex[:8]}"
    config = Settings(task_queue=queue, database_url="unused")
    return create_app(client, db, config, LocalAuthenticator(registry), task_queue=queue, limits=limits)
