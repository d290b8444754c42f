"""One request from `ncb submit` to a cancelled notice, driven only through the `ncb` and `ndtf` commands run
as separate processes, as an NCB integration and the reviewers would run them, against the HTTP API: the
real app served by uvicorn on a free port, over the Temporal dev server with a real worker (in this
process), a migrated SQLite registry and a local SMTP server that receives what NCBs would.

The commands know only the API's address and their credentials (issued with `ndtf credentials issue` into
a temporary registry and store); Temporal's address points where nothing listens, so a command that tried
to reach it could not."""

from __future__ import annotations

import asyncio
import json
import os
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

from api.app import create_app
from api.credentials import LocalAuthenticator, LocalCredentials
from models.reference import ReferenceKind
from registry.database import Database, migrate
from runtime.config import PROJECT_ROOT, Settings
from tests.cli.conftest import GENEROUS, Served, free_port
from worker import build_worker

pytestmark = pytest.mark.devserver

REFERENCE = PROJECT_ROOT / "data" / "reference"


def _example(name: str) -> Path:
    for folder in (PROJECT_ROOT / "examples", PROJECT_ROOT.parent / "shared" / "examples"):
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(name)


def _write(path: Path, data: Any) -> str:
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in list(self.messages)]


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
    folder: Path
    """Where the test writes the files it hands to the commands."""

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
    while time.monotonic() < deadline:
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


@pytest_asyncio.fixture(loop_scope="session")
async def commands(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Commands]:
    mailbox = Mailbox()
    smtp_port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    await migrate(url)
    task_queue = f"cli-e2e-{uuid.uuid4().hex[:10]}"
    config = Settings(task_queue=task_queue, database_url=url, smtp_host="127.0.0.1", smtp_port=smtp_port)
    registry_path, store = tmp_path / "api-credentials.json", tmp_path / "credentials.json"
    env = {k: v for k, v in os.environ.items()
           if k not in {"NDTF_REVIEWER", "NCB", "NOTICE_API", "TASK_QUEUE", "DATABASE_URL", "TEMPORAL_NAMESPACE"}}
    env.update(
        TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}",  # nothing there: the commands must not need Temporal
        API_CREDENTIAL_REGISTRY=str(registry_path), NOTICE_CREDENTIALS=str(store),
    )
    db = Database.from_url(url)
    app = create_app(dev_env.client, db, config, LocalAuthenticator(LocalCredentials(path=registry_path)),
                     task_queue=task_queue, limits=GENEROUS)
    try:
        async with build_worker(dev_env.client, db, config, task_queue), Served(app) as served:
            env["NOTICE_API"] = served.url
            yield Commands(env, mailbox, tmp_path)
    finally:
        await db.dispose()
        controller.stop()


async def test_a_request_goes_from_submission_to_a_cancelled_notice_through_the_commands_and_the_api(
    commands: Commands,
) -> None:
    # the administrator issues the local credentials, then loads the reference data through the API
    for args in (["--admin"], ["--ncb", "FR"], ["--ncb", "DE"], ["--reviewer", "legal.ana"],
                 ["--reviewer", "police.ben"], ["--reviewer", "sup.dana"]):
        issued = await commands.ndtf("credentials", "issue", *args, "--json")
        assert issued.json()["token"].startswith("nrk_")
    refused = await commands.ndtf("queue", "--as", "legal.ana")
    assert refused.code == 3 and "refused (NotInRoster)" in refused.stderr, "no roster loaded yet"
    for kind in ReferenceKind:
        if (REFERENCE / f"{kind.value}.csv").exists():
            loaded = (await commands.ndtf("data", "load", kind.value, str(REFERENCE / f"{kind.value}.csv"),
                                          "--json")).json()
            assert loaded["kind"] == kind.value and loaded["changed"] is True

    request = json.loads(_example("red-notice-fraud.json").read_text())
    request["ncb_reference"] = f"{request['ncb_reference']}-{uuid.uuid4().hex[:8]}"  # the dev server outlives runs
    example = _write(commands.folder / "request.json", request)
    submitted = (await commands.ncb("submit", example, "--json")).json()
    request_id = submitted["request_id"]
    assert request_id.startswith("R-FR-") and submitted["created"] is True
    assert submitted["workflow_id"] == f"notice-request-{request_id}"
    again = (await commands.ncb("submit", example, "--json")).json()
    assert (again["request_id"], again["created"]) == (request_id, False)

    async def stage_is(stage: str) -> dict[str, Any] | None:
        run = await commands.ncb("status", request_id, "--ncb", "FR", "--json")
        view: dict[str, Any] | None = json.loads(run.stdout) if run.code == 0 else None
        if view and view["stage"] in {"denied", "withdrawn"} and stage != view["stage"]:
            case = (await commands.ndtf("show", request_id, "--as", "legal.ana", "--json")).stdout
            pytest.fail(f"the clean example went to {view['stage']} instead of {stage}: {case}")
        return view if view and view["stage"] == stage else None

    await eventually(lambda: stage_is("legal_assessment"), "the case to reach legal assessment")

    unknown = await commands.ncb("status", "R-FR-0000000000000000", "--ncb", "FR")
    assert unknown.code == 4, unknown.stderr
    other_ncb = await commands.ncb("status", request_id, "--ncb", "DE")
    assert other_ncb.code == 4 and f"unknown request {request_id}" in other_ncb.stderr, other_ncb.stderr
    assert other_ncb.stdout == "", "another NCB learns nothing of the case"
    no_credential = await commands.ncb("status", request_id, "--ncb", "IT")
    assert no_credential.code == 3 and "ndtf credentials issue --ncb IT" in no_credential.stderr

    before = (await commands.ncb("search", "--ncb", "DE", "--name", "MARCHETTI", "--json")).json()
    assert [h for h in before["hits"] if h["request_id"] == request_id] == []

    async def queued() -> list[dict[str, Any]] | None:
        entries: list[dict[str, Any]] = (await commands.ndtf("queue", "--as", "legal.ana", "--json")).json()["entries"]
        return [e for e in entries if e["request_id"] == request_id] or None

    [entry] = await eventually(queued, "the case in the reviewers' queue", within=20)
    assert (entry["stage"], entry["requesting_ncb"], entry["kind"]) == ("legal_assessment", "FR", "red_notice")

    # a question to the NCB, its answer, and the review concluded
    asked = (await commands.ndtf("request-info", request_id, "--question", "Is the warrant still valid?",
                                 "--due", "10", "--as", "legal.ana", "--json")).json()
    assert asked["stage"] == "awaiting_clarification" and asked["info_request_id"]
    waiting = await commands.ncb("status", request_id, "--ncb", "FR")
    assert waiting.code == 0 and "Is the warrant still valid?" in waiting.stdout and "ncb reply" in waiting.stdout
    answer = _write(commands.folder / "reply.json", {"answer": "Yes, valid until it is executed."})
    replied = (await commands.ncb("reply", request_id, answer, "--ncb", "FR", "--json")).json()
    assert replied["request_id"] == request_id
    await eventually(lambda: stage_is("detailed_review"), "the case back in detailed review")
    concluded = (await commands.ndtf("conclude-review", request_id, "--summary", "Warrant confirmed by the NCB.",
                                     "--as", "police.ben", "--json")).json()
    assert concluded["stage"] == "legal_assessment"

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

    async def found_by_de() -> list[dict[str, Any]] | None:
        after = (await commands.ncb("search", "--ncb", "DE", "--name", "MARCHETTI", "--json")).json()
        return [h for h in after["hits"] if h["notice_id"] == notice_id] or None

    [hit] = await eventually(found_by_de, "the published notice in another NCB's search", within=20)
    assert hit["status"] == "published" and hit["family_name"] == "MARCHETTI"

    case = (await commands.ndtf("show", request_id, "--as", "police.ben", "--json")).json()
    assert case["decision"]["decided_by"] == "sup.dana"
    assert case["assessment"]["articles"] == ["Art. 2", "Art. 3"]
    assert [i["answer"] for i in case["info_requests"]] == ["Yes, valid until it is executed."]
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
    acks = (await commands.ndtf("acks", notice_id, "--as", "sup.dana", "--json")).json()
    (instruction,) = acks["instructions"]
    assert "DE" in instruction["acknowledged"] and "DE" not in instruction["pending"] and "IT" in instruction["pending"]
    table = await commands.ndtf("acks", notice_id, "--as", "sup.dana")
    assert table.code == 0 and "not yet" in table.stdout
    early = await commands.ncb("renew", notice_id, "--ncb", "FR", "--reason", "still sought")
    assert early.code == 3 and "TooEarly" in early.stderr
    cancelled = (await commands.ndtf("cancel", notice_id, "--reason", "No longer sought", "--as", "sup.dana",
                                     "--json")).json()
    assert cancelled["status"] == "cancelled"
    state = (await commands.ndtf("notice", notice_id, "--as", "legal.ana", "--json")).json()
    assert state["status"] == "cancelled"
    ended = await commands.ndtf("block", notice_id, "--reason", "again", "--as", "legal.ana")
    assert ended.code == 3 and "NoticeEnded" in ended.stderr

    audit = (await commands.ndtf("audit", "verify", "--json")).json()
    assert audit["ok"] is True and audit["entries"] > 0
