"""One request from `ncb submit` to publication, driven only through the `ncb` and `ndtf` commands run
as separate processes, as an NCB integration and the reviewers would run them: the real worker (in
this process), the Temporal dev server with its search attributes, a migrated SQLite registry and a
local SMTP server that receives what NCBs would."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from temporalio.testing import WorkflowEnvironment

from registry.database import Database, migrate
from runtime.config import PROJECT_ROOT, Settings
from worker import build_worker

pytestmark = pytest.mark.devserver


def _example(name: str) -> Path:
    for folder in (PROJECT_ROOT / "examples", PROJECT_ROOT.parent / "shared" / "examples"):
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(name)


ROSTER = "reviewer_id,name,roles\n" \
         "legal.ana,Ana Legal,legal\npolice.ben,Ben Police,police\nops.chen,Chen Ops,operations\n" \
         "sup.dana,Dana Supervisor,supervisor;legal\nlegal.eli,Eli Legal,legal\n"


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in list(self.messages)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.code == 0, f"exit {self.code}: {self.stderr}"
        return json.loads(self.stdout)


@dataclass
class Commands:
    """Runs `ncb` / `ndtf` as their own processes, with the environment an operator would set."""

    env: dict[str, str]
    mailbox: Mailbox

    async def run(self, program: str, *args: str) -> Run:
        module = {"ncb": "starter.cli", "ndtf": "admin.cli"}[program]
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, *args, cwd=PROJECT_ROOT, env=self.env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode is not None
        return Run(process.returncode, out.decode(), err.decode())

    async def ncb(self, *args: str) -> Run:
        return await self.run("ncb", *args)

    async def ndtf(self, *args: str) -> Run:
        return await self.run("ndtf", *args)


async def eventually(check: Callable[[], Any], what: str, within: float = 60) -> Any:
    """Poll ``check`` (async, returns a value or None) until it returns something, within ``within`` seconds."""
    deadline = time.monotonic() + within
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


@pytest_asyncio.fixture(loop_scope="session")
async def commands(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Commands]:
    mailbox = Mailbox()
    smtp_port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    await migrate(url)
    task_queue = f"cli-e2e-{uuid.uuid4().hex[:10]}"
    config = Settings(
        temporal_address=dev_env.client.service_client.config.target_host,
        temporal_namespace=dev_env.client.namespace,
        task_queue=task_queue, database_url=url, smtp_host="127.0.0.1", smtp_port=smtp_port,
    )
    env = {k: v for k, v in os.environ.items() if k not in {"NDTF_REVIEWER", "NCB"}}
    env.update(
        TEMPORAL_ADDRESS=config.temporal_address, TEMPORAL_NAMESPACE=config.temporal_namespace,
        TASK_QUEUE=task_queue, DATABASE_URL=url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port),
    )
    db = Database.from_url(url)
    try:
        async with build_worker(dev_env.client, db, config, task_queue):
            yield Commands(env, mailbox)
    finally:
        await db.dispose()
        controller.stop()


async def test_a_request_goes_from_submission_to_publication_through_the_commands(
    commands: Commands, tmp_path: Path
) -> None:
    roster = PROJECT_ROOT / "data" / "reference" / "reviewers.csv"
    if not roster.exists():
        roster = tmp_path / "reviewers.csv"
        roster.write_text(ROSTER)
    loaded = (await commands.ndtf("data", "load", "reviewers", str(roster), "--json")).json()
    assert loaded["kind"] == "reviewers" and loaded["rows"] >= 5

    example = str(_example("red-notice-fraud.json"))
    submitted = (await commands.ncb("submit", example, "--json")).json()
    request_id = submitted["request_id"]
    assert request_id.startswith("R-FR-") and submitted["created"] is True
    assert submitted["workflow_id"] == f"notice-request-{request_id}"

    again = (await commands.ncb("submit", example, "--json")).json()
    assert (again["request_id"], again["created"]) == (request_id, False)

    async def stage_is(stage: str) -> dict[str, Any] | None:
        run = await commands.ncb("status", request_id, "--ncb", "FR", "--json")
        view: dict[str, Any] | None = json.loads(run.stdout) if run.code == 0 else None
        if view and view["stage"] in {"detailed_review", "awaiting_clarification", "denied", "withdrawn"} \
                and stage != view["stage"]:
            case = (await commands.ndtf("show", request_id, "--json")).stdout
            pytest.fail(f"the clean example went to {view['stage']} instead of {stage}: {case}")
        return view if view and view["stage"] == stage else None

    await eventually(lambda: stage_is("legal_assessment"), "the case to reach legal assessment")

    unknown = await commands.ncb("status", "R-FR-0000000000000000", "--ncb", "FR")
    assert unknown.code == 4, unknown.stderr
    other_ncb = await commands.ncb("status", request_id, "--ncb", "DE")
    assert other_ncb.code == 3 and "refused (NotYourRequest)" in other_ncb.stderr

    before = (await commands.ncb("search", "--ncb", "DE", "--name", "MARCHETTI", "--json")).json()
    assert [h for h in before["hits"] if h["request_id"] == request_id] == []

    async def queued() -> list[dict[str, Any]] | None:
        entries: list[dict[str, Any]] = (await commands.ndtf("queue", "--json")).json()
        return [e for e in entries if e["request_id"] == request_id] or None

    [entry] = await eventually(queued, "the case in the reviewers' queue", within=20)
    assert (entry["stage"], entry["requesting_ncb"], entry["kind"]) == ("legal_assessment", "FR", "red_notice")

    assessed = (await commands.ndtf(
        "assess", request_id, "--verdict", "compliant", "--basis", "Ordinary-law fraud; Articles 2 and 3 respected.",
        "--article", "Art. 2", "--article", "Art. 3", "--as", "legal.ana", "--json",
    )).json()
    assert assessed["stage"] == "awaiting_decision"

    own = await commands.ndtf("decide", request_id, "approve", "--reason", "Compliant.", "--as", "legal.ana")
    assert own.code == 3, own.stderr
    assert "refused (FourEyes)" in own.stderr

    decided = (await commands.ndtf(
        "decide", request_id, "approve", "--reason", "Compliant with the Rules.", "--as", "sup.dana", "--json"
    )).json()
    assert decided["request_id"] == request_id

    published = await eventually(lambda: stage_is("published"), "publication")
    notice_id = published["notice_id"]
    assert published["outcome"] == "approved" and notice_id

    after = (await commands.ncb("search", "--ncb", "DE", "--name", "MARCHETTI", "--json")).json()
    hits = [h for h in after["hits"] if h["notice_id"] == notice_id]
    assert len(hits) == 1 and hits[0]["status"] == "published" and hits[0]["family_name"] == "MARCHETTI"

    case = (await commands.ndtf("show", request_id, "--json")).json()
    assert case["decision"]["decided_by"] == "sup.dana"
    assert case["assessment"]["articles"] == ["Art. 2", "Art. 3"]
    assert case["rejected"] == [], "the assessor's own decision was refused by the validator, before the case"

    mailbox = commands.mailbox

    async def publication_mail() -> list[str] | None:
        return [s for s in mailbox.subjects() if "published" in s and notice_id in s] or None

    await eventually(publication_mail, "the publication message at the SMTP server")

    # corrective action on the published notice, through the commands
    refused = await commands.ndtf("block", notice_id, "--reason", "Doubts on Article 3", "--as", "police.ben")
    assert refused.code == 3 and "refused (RoleNotAllowed)" in refused.stderr
    blocked = (await commands.ndtf("block", notice_id, "--reason", "Doubts on Article 3", "--as", "legal.ana",
                                   "--json")).json()
    assert blocked["status"] == "blocked"
    hidden = (await commands.ncb("search", "--ncb", "DE", "--name", "MARCHETTI", "--json")).json()
    assert [h for h in hidden["hits"] if h["notice_id"] == notice_id] == []
    acked = (await commands.ncb("ack", notice_id, "--ncb", "DE", "--json")).json()
    assert acked["notice_id"] == notice_id
    acks = (await commands.ndtf("acks", notice_id, "--json")).json()
    (instruction,) = acks["instructions"]
    assert "DE" in instruction["acknowledged"] and "DE" not in instruction["pending"] and "IT" in instruction["pending"]
    table = await commands.ndtf("acks", notice_id)
    assert table.code == 0 and "not yet" in table.stdout
    early = await commands.ncb("renew", notice_id, "--ncb", "FR", "--reason", "still sought")
    assert early.code == 3 and "TooEarly" in early.stderr
    unblocked = (await commands.ndtf("unblock", notice_id, "--reason", "Resolved", "--as", "sup.dana", "--json")).json()
    assert unblocked["status"] == "published"
    cancelled = (await commands.ndtf("cancel", notice_id, "--reason", "No longer sought", "--as", "sup.dana",
                                     "--json")).json()
    assert cancelled["status"] == "cancelled"
    ended = await commands.ndtf("block", notice_id, "--reason", "again", "--as", "legal.ana")
    assert ended.code == 3 and "NoticeEnded" in ended.stderr

    audit = (await commands.ndtf("audit", "verify", "--json")).json()
    assert audit["ok"] is True and audit["entries"] > 0
