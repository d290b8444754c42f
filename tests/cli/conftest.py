"""The commands against a real API: the app served by uvicorn on a free port of 127.0.0.1 inside the test
process, over the Temporal dev server with a real worker on a task queue of its own, a migrated SQLite
registry with the reference data, a local SMTP server, and real local credentials issued into a temporary
registry (the server's) and store (the commands'), which ``NOTICE_CREDENTIALS`` and ``NOTICE_API`` point at.

The commands run in-process through typer's ``CliRunner`` in a thread (``LiveApi.ncb`` / ``ndtf``): the
worker and the server go on answering on the test's event loop meanwhile."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner, Result

from admin.cli import app as ndtf_app
from api.app import create_app
from api.credentials import CredentialHolder, LocalAuthenticator, LocalCredentials
from api.limits import Limits
from registry.database import Database
from runtime.config import Settings
from runtime.credentials import store_token
from starter.cli import app as ncb_app
from tests.workflows.conftest import Mailbox, mailbox, registry_db  # noqa: F401 - fixtures used here
from worker import build_worker

NCBS = ("FR", "DE", "BR", "IT", "ES")
REVIEWERS = ("legal.ana", "legal.eli", "police.ben", "ops.chen", "sup.dana", "ghost.reviewer")
"""Roster ids from data/reference/reviewers.csv, and one who is not on it."""
GENEROUS = Limits(max_body_bytes=256 * 1024, rate_per_second=10_000, burst=100_000, temporal_timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def closed_url() -> str:
    """An API address nothing listens on."""
    return f"http://127.0.0.1:{free_port()}"


@dataclass
class Credentials:
    """The server's registry and the commands' store, in a temporary folder."""

    registry: LocalCredentials
    store: Path

    def issue(self, holder: CredentialHolder) -> str:
        record, token = self.registry.issue(holder)
        store_token(holder.profile, token, self.store)
        return token

    def revoke(self, profile: str) -> None:
        """Revoke the credential the store holds for ``profile`` at the server, leaving it in the store (as a
        copy of the store on another machine would keep it)."""
        token = json.loads(self.store.read_text())[profile]
        self.registry.revoke(self.registry.verify(token).id, by="admin:test")


def local_credentials(folder: Path) -> Credentials:
    """One credential per NCB in ``NCBS``, per reviewer in ``REVIEWERS`` and for the administrator."""
    credentials = Credentials(LocalCredentials(path=folder / "api-credentials.json"), folder / "credentials.json")
    for ncb in NCBS:
        credentials.issue(CredentialHolder.for_ncb(ncb))
    for reviewer_id in REVIEWERS:
        credentials.issue(CredentialHolder.for_reviewer(reviewer_id))
    credentials.issue(CredentialHolder.administrator())
    return credentials


@dataclass
class LiveApi:
    url: str
    client: Client
    db: Database
    task_queue: str
    credentials: Credentials
    mailbox: Mailbox
    runner: CliRunner

    async def ncb(self, *args: str) -> Result:
        return await asyncio.to_thread(lambda: self.runner.invoke(ncb_app, list(args)))

    async def ndtf(self, *args: str) -> Result:
        return await asyncio.to_thread(lambda: self.runner.invoke(ndtf_app, list(args)))


class Served:
    """An ASGI app served by uvicorn on 127.0.0.1:<free port>, as an asyncio task of the test's loop."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Served:
        self.task = asyncio.create_task(self.server.serve())
        for _ in range(200):
            if self.server.started:
                return self
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.05)
        raise RuntimeError(f"uvicorn did not start on {self.url}")

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await asyncio.wait_for(self.task, timeout=30)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No identity or API from the caller's environment; Temporal pointed where nothing listens, so a
    command that tried to reach it could not."""
    for name in ("NDTF_REVIEWER", "NCB", "NOTICE_API", "PAYLOAD_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    monkeypatch.setenv("NOTICE_CREDENTIALS", str(tmp_path / "no-credentials.json"))
    yield tmp_path


@pytest.fixture
async def live_api(
    dev_env: WorkflowEnvironment,
    registry_db: Database,  # noqa: F811 - the fixture imported above
    mailbox: Mailbox,  # noqa: F811
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[LiveApi]:
    """The whole service behind a real HTTP API, and the commands pointed at it with local credentials."""
    credentials = local_credentials(cli_env / "credentials")
    task_queue = f"cli-{uuid.uuid4().hex[:10]}"
    config = Settings(task_queue=task_queue, database_url="unused", smtp_host="127.0.0.1", smtp_port=mailbox.port)
    app = create_app(dev_env.client, registry_db, config, LocalAuthenticator(credentials.registry),
                     task_queue=task_queue, limits=GENEROUS)
    async with build_worker(dev_env.client, registry_db, config, task_queue), Served(app) as served:
        monkeypatch.setenv("NOTICE_API", served.url)
        monkeypatch.setenv("NOTICE_CREDENTIALS", str(credentials.store))
        monkeypatch.setenv("API_CREDENTIAL_REGISTRY", str(credentials.registry.path))
        yield LiveApi(served.url, dev_env.client, registry_db, task_queue, credentials, mailbox, CliRunner())
