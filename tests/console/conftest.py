"""The console against the whole service: the real app (API and console) over the Temporal dev server with
a real worker on a task queue of its own, a migrated SQLite registry with the reference data, a local SMTP
server, and real local credentials. ``console`` answers in-process (httpx over ASGI); ``served`` also runs
the app under uvicorn on a free port, for a real browser."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import CombinedAuthenticator
from api.credentials import LocalAuthenticator, LocalCredentials
from registry.database import Database
from registry.tables import AuditEntryRow
from runtime.config import Settings
from tests.api.conftest import GENEROUS, Tokens, api_credentials, example_body  # noqa: F401 - fixtures used here
from tests.cli.conftest import Served
from tests.workflows.conftest import Mailbox, mailbox, registry_db  # noqa: F401 - fixtures used here
from worker import build_worker


@dataclass
class Stack:
    """The app, its HTTP client (in-process), and the tokens of every caller."""

    app: Any
    http: httpx.AsyncClient
    tokens: Tokens
    registry: LocalCredentials
    task_queue: str
    db: Database

    async def refusals(self) -> list[AuditEntryRow]:
        """What the API wrote to the audit trail for refused calls, oldest first."""
        async with self.db.transaction() as session:
            rows = await session.scalars(
                select(AuditEntryRow).where(AuditEntryRow.action == "api_refused").order_by(AuditEntryRow.id)
            )
            return list(rows)

    async def api(self, who: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The JSON API, as the caller ``who`` (``ncb:FR``, ``reviewer:legal.ana``…)."""
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return await self.http.request(method, path, headers=headers, **kwargs)

    async def submit(self, example: str) -> str:
        body = example_body(example)
        answer = await self.api(f"ncb:{body['requesting_ncb']}", "POST", "/v1/requests", json=body)
        assert answer.status_code in (200, 201, 202), answer.text
        request_id: str = answer.json()["request_id"]
        return request_id

    async def case(self, request_id: str) -> dict[str, Any]:
        answer = await self.api("reviewer:legal.ana", "GET", f"/v1/cases/{request_id}")
        assert answer.status_code == 200, answer.text
        case: dict[str, Any] = answer.json()
        return case

    async def settle(self, request_id: str, *stages: str, within: float = 60) -> dict[str, Any]:
        """The case once it is in one of ``stages`` (the API's view), polled."""
        deadline = time.monotonic() + within
        while True:
            case = await self.case(request_id)
            if case["stage"] in stages:
                return case
            if time.monotonic() > deadline:
                pytest.fail(f"{request_id} stayed {case['stage']}, not {' or '.join(stages)}")
            await asyncio.sleep(0.2)


@pytest.fixture
async def stack(
    dev_env: WorkflowEnvironment,
    registry_db: Database,  # noqa: F811 - the fixture imported above
    mailbox: Mailbox,  # noqa: F811
    api_credentials: tuple[LocalCredentials, Tokens],  # noqa: F811
) -> AsyncIterator[Stack]:
    registry, tokens = api_credentials
    task_queue = f"console-{uuid.uuid4().hex[:10]}"
    config = Settings(task_queue=task_queue, database_url="unused", smtp_host="127.0.0.1", smtp_port=mailbox.port,
                      claim_hours=4, console_session_key=None)
    app = create_app(dev_env.client, registry_db, config, CombinedAuthenticator(LocalAuthenticator(registry)),
                     task_queue=task_queue,
                     limits=GENEROUS)
    async with build_worker(dev_env.client, registry_db, config, task_queue), httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://api.test", timeout=60
    ) as http:
        yield Stack(app, http, tokens, registry, task_queue, registry_db)


@pytest.fixture
async def served(stack: Stack) -> AsyncIterator[str]:
    """The same app on a real port: the address a browser opens."""
    async with Served(stack.app) as server:
        yield server.url


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
