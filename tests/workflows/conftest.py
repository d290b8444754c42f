"""A worker wired as in production (real activities, a migrated SQLite registry, a local SMTP
server), on its own task queue, against the time-skipping test server."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.database import Database, migrate
from activities.references import ReferenceStore
from admin.client import ReviewerClient
from models.reference import ReferenceKind
from models.request import NoticeRequest, parse_request
from runtime.config import PROJECT_ROOT, Settings
from starter.client import NcbClient
from worker import build_worker

EXAMPLES = PROJECT_ROOT / "examples"
REFERENCE = PROJECT_ROOT / "data" / "reference"


def example(name: str) -> NoticeRequest:
    return parse_request(json.loads((EXAMPLES / name).read_text()))


def example_data(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return data


@dataclass
class Mailbox:
    """What the local SMTP server received."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        message = message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]

    def to(self, address_part: str) -> list[Message]:
        return [m for m in self.messages if address_part in str(m["X-Envelope-To"])]


@pytest.fixture
def mailbox() -> Any:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=0)
    controller.start()
    box.port = controller.server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
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

    def ncb(self, code: str) -> NcbClient:
        return NcbClient(self.client, code, self.task_queue)

    def reviewer(self, reviewer_id: str) -> ReviewerClient:
        return ReviewerClient(self.client, reviewer_id, self.task_queue)


@pytest.fixture
async def service(
    time_skipping_env: WorkflowEnvironment, registry_db: Database, mailbox: Mailbox
) -> AsyncIterator[Service]:
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
