"""A worker wired as in production (real activities, a migrated SQLite registry, a local SMTP
server), on its own task queue, against the time-skipping test server."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from admin.client import ReviewerClient
from models.activities import SearchResults
from models.reference import ReferenceKind
from models.request import NoticeRequest, parse_request
from registry.database import Database, migrate
from registry.references import ReferenceStore
from runtime.client import data_converter
from runtime.config import PROJECT_ROOT, Settings
from runtime.search_attributes import registration
from starter.client import NcbClient
from worker import build_worker

EXAMPLES = PROJECT_ROOT / "examples"
REFERENCE = PROJECT_ROOT / "data" / "reference"


def example(name: str) -> NoticeRequest:
    """An example request under a reference of its own: the test server outlives each test's worker."""
    request = parse_request(json.loads((EXAMPLES / name).read_text()))
    return request.model_copy(update={"ncb_reference": f"{request.ncb_reference}-{uuid.uuid4().hex[:8]}"})


def example_data(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return data


@dataclass
class Mailbox:
    """What the local SMTP server received."""

    port: int
    messages: list[Message] = field(default_factory=list)
    refuse_next: int = 0
    """Answer this many coming mails with a temporary failure (451), as a busy server would."""
    refused: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        if self.refuse_next > 0:
            self.refuse_next -= 1
            self.refused += 1
            return "451 4.3.0 Temporary failure, try again later"
        message = message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]

    def to(self, address_part: str) -> list[Message]:
        return [m for m in self.messages if address_part in str(m["X-Envelope-To"])]

    def about(self, subject_part: str) -> list[Message]:
        return [m for m in self.messages if subject_part in str(m["Subject"])]

    async def await_count(self, subject_part: str, count: int, seconds: float = 60) -> list[Message]:
        """Wait until this many mails with that subject arrived (a broadcast takes a few seconds)."""
        for _ in range(int(seconds * 10)):
            if len(self.about(subject_part)) >= count:
                break
            await asyncio.sleep(0.1)
        return self.about(subject_part)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
async def registry_db(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    await migrate(url)
    db = Database.from_url(url)
    store = ReferenceStore(db)
    for kind in ReferenceKind:
        await store.load_csv(kind, REFERENCE / f"{kind.value}.csv")
    yield db
    await db.dispose()


@dataclass
class Service:
    env: WorkflowEnvironment
    client: Client
    task_queue: str
    db: Database
    mailbox: Mailbox

    async def search(self, ncb: str, **filters: Any) -> SearchResults:
        """`ncb search`, waiting for its short workflow without letting the test server's clock run:
        auto time-skipping would jump years ahead while the result is awaited."""
        with self.env.auto_time_skipping_disabled():
            return await self.ncb(ncb).search(**filters)

    def ncb(self, code: str) -> NcbClient:
        return NcbClient(self.client, code, self.task_queue)

    def reviewer(self, reviewer_id: str) -> ReviewerClient:
        return ReviewerClient(self.client, reviewer_id, self.task_queue)


@pytest.fixture
async def time_skipping(time_skipping_server_path: str) -> AsyncIterator[WorkflowEnvironment]:
    """A test server of its own per test: a workflow left waiting on an activity by an earlier test
    (whose worker is gone) would hold time still for everyone on a shared one."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=time_skipping_server_path, data_converter=data_converter()
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace, search_attributes=registration()
        )
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def service(
    time_skipping: WorkflowEnvironment, registry_db: Database, mailbox: Mailbox
) -> AsyncIterator[Service]:
    time_skipping_env = time_skipping
    task_queue = f"tq-{uuid.uuid4().hex[:10]}"
    config = Settings(
        task_queue=task_queue,
        database_url="unused",
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,  # type: ignore[attr-defined]
    )
    worker = build_worker(time_skipping_env.client, registry_db, config, task_queue)
    async with worker:
        yield Service(time_skipping_env, time_skipping_env.client, task_queue, registry_db, mailbox)
