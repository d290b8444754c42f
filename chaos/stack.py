"""The stack the harness runs and breaks: every piece its own, on free ports, in one temporary directory.

- PostgreSQL: a fresh database on the cluster of ``CHAOS_POSTGRES_URL`` (default the local one, as the
  tests use), reached by the service through ``DbGate``, a TCP relay the harness owns: "stopping the
  database" closes the relay's port and resets every open connection, so the service meets exactly what
  a stopped server gives it (refused connections, broken sessions) while other users of the cluster are
  left alone. The harness's own checks connect directly.
- The Temporal dev server on a file (``--db-filename``), killed with SIGKILL and started again on it.
- The SMTP sink (``devstack.smtp_sink``), writing .eml files; stopped and started again.
- Worker processes and the API (``python -m worker``, ``python -m api``), supervised as `make run` does
  (``devstack.local_stack.Supervised``): a killed one comes back after a short backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import IO

import asyncpg
from google.protobuf.duration_pb2 import Duration
from google.protobuf.field_mask_pb2 import FieldMask
from sqlalchemy.engine import make_url
from temporalio.api.activity.v1 import ActivityOptions
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import PendingActivityState
from temporalio.api.workflowservice.v1 import UpdateActivityOptionsRequest
from temporalio.client import Client

from devstack.devserver import DevServer, free_port, start_dev_server
from devstack.local_stack import REFERENCE_DIR, Supervised, member_list, prepare_database, roster
from devstack.smtp_sink import SmtpSink
from runtime.codec import new_key
from runtime.config import PROJECT_ROOT
from runtime.credentials import issue_defaults

log = logging.getLogger("chaos")

ADMIN_URL = os.environ.get("CHAOS_POSTGRES_URL") or os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
MEMBERS = frozenset({"FR", "BR", "PE", "ES", "NO", "IT", "DE", "GB", "US", "MA", "EG", "AR", "JP", "IN", "ZA",
                     "KE", "CA", "AU", "MX", "TR"})
"""The member NCBs of the harness's registry: the requesting NCBs of the examples and others of every
working language. A publication, a block or a cancellation is mailed to every member (196 in
data/reference): with all of them a short run would send some 5,000 mails; with these, about 500."""
EXPEDITED = frozenset({"screen_request"})
"""Activities without a heartbeat and with a timeout of minutes: the ones worth an operator's shortcut."""
KILLED_IN = re.compile(r"fault injection: SIGKILL in (\w+)")


class DbGate:
    """A TCP relay in front of PostgreSQL that can be cut (port closed, connections reset) and restored."""

    def __init__(self, target_host: str, target_port: int, port: int) -> None:
        self.target_host, self.target_port, self.port = target_host, target_port, port
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port, reuse_address=True)

    async def cut(self) -> None:
        """As a stopped server: nothing listens, and every session breaks."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    @property
    def is_open(self) -> bool:
        return self._server is not None

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        self._open.update({client_writer, upstream_writer})

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()
                self._open.discard(writer)

        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))


@dataclasses.dataclass
class Proc:
    """A supervised process of the stack (a worker or the API): its log and its restarts."""

    name: str
    log_path: Path
    supervised: Supervised | None = None
    spawned: int = 0

    @property
    def pid(self) -> int | None:
        return self.supervised.process.pid if self.supervised is not None else None

    @property
    def running(self) -> bool:
        return self.supervised is not None and self.supervised.process.poll() is None


class ChaosStack:
    """Starts, breaks and restores the pieces; ``close`` stops them all and drops the database."""

    def __init__(self, directory: Path, *, workers: int = 2, kill_points: list[str] | None = None,
                 api_rate: float | None = None, expedite: bool = False) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.temporal_port, self.smtp_port, self.api_port, self.gate_port = (free_port() for _ in range(4))
        self.mail_dir = self.dir / "mail"
        self.payload_key = new_key()
        self.task_queue = f"chaos-{uuid.uuid4().hex[:8]}"
        self.kill_points = list(kill_points or [])
        self.api_rate = api_rate
        self.expedite = expedite
        self.expedited = 0
        self._client: Client | None = None
        self._background: set[asyncio.Task[None]] = set()
        self.database_name = f"ndtf_chaos_{uuid.uuid4().hex[:12]}"
        admin = make_url(ADMIN_URL)
        self.admin_dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
        self.direct_url = admin.set(drivername="postgresql+asyncpg", database=self.database_name).render_as_string(
            hide_password=False
        )
        self.direct_dsn = admin.set(drivername="postgresql", database=self.database_name).render_as_string(
            hide_password=False
        )
        self.service_url = admin.set(
            drivername="postgresql+asyncpg", host="127.0.0.1", port=self.gate_port, database=self.database_name
        ).render_as_string(hide_password=False)
        self.gate = DbGate(admin.host or "127.0.0.1", admin.port or 5432, self.gate_port)
        self.devserver: DevServer | None = None
        self.sink: SmtpSink | None = None
        self.workers = [Proc(f"worker-{n}", self.dir / f"worker-{n}.log") for n in range(1, workers + 1)]
        self.api = Proc("api", self.dir / "api.log")
        self.tokens: dict[str, str] = {}
        self.events: list[str] = []
        self._logs: list[IO[bytes]] = []
        self._supervisor: asyncio.Task[None] | None = None
        self._db_created = False

    # --- the pieces -------------------------------------------------------------------------------------

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def note(self, line: str) -> None:
        stamped = f"{time.strftime('%H:%M:%S')} {line}"
        self.events.append(stamped)
        log.info("%s", line)

    def env(self) -> dict[str, str]:
        drop = {"DATABASE_URL", "NOTICE_API", "NCB", "NDTF_REVIEWER", "CODEC_TOKEN", "OTEL_EXPORTER_OTLP_ENDPOINT"}
        return {
            **{k: v for k, v in os.environ.items() if k not in drop},
            "TEMPORAL_ADDRESS": self.temporal_address,
            "TEMPORAL_NAMESPACE": "default",
            "TASK_QUEUE": self.task_queue,
            "DATABASE_URL": self.service_url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.smtp_port),
            "PAYLOAD_KEY": self.payload_key,
            "NOTICE_VAR_DIR": str(self.dir),
            "API_CREDENTIAL_REGISTRY": str(self.dir / "api-credentials.json"),
            "NOTICE_CREDENTIALS": str(self.dir / "credentials.json"),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }

    async def start(self) -> None:
        admin = await asyncpg.connect(self.admin_dsn, timeout=10)
        try:
            await admin.execute(f'CREATE DATABASE "{self.database_name}"')
            self._db_created = True
        finally:
            await admin.close()
        await prepare_database(self.direct_url, self.reference_data())
        await self.gate.open()
        await self.start_devserver()
        self.start_smtp()
        members = await member_list(self.direct_url)
        reviewers = await roster(self.direct_url)
        await asyncio.to_thread(
            issue_defaults, members, reviewers, registry_path=self.dir / "api-credentials.json",
            store_path=self.dir / "credentials.json", issued_by="make chaos",
        )
        self.tokens = json.loads((self.dir / "credentials.json").read_text())
        for worker in self.workers:
            worker.supervised = self._supervise(worker, self._worker_spawner(worker))
        self.api.supervised = self._supervise(self.api, self._api_spawner())
        self._supervisor = asyncio.create_task(self._supervise_forever())
        await self.wait_api(120)

    def reference_data(self) -> Path:
        """The default reference data, with the member list cut down to ``MEMBERS``."""
        directory = self.dir / "reference"
        directory.mkdir(exist_ok=True)
        for source in REFERENCE_DIR.glob("*.csv"):
            lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
            if source.name == "members.csv":
                lines = lines[:1] + [line for line in lines[1:] if line.split(",", 1)[0] in MEMBERS]
            (directory / source.name).write_text("".join(lines), encoding="utf-8")
        return directory

    async def start_devserver(self) -> None:
        self.devserver = await asyncio.to_thread(
            start_dev_server, self.temporal_port, None, self.dir / "temporal.db",
            log_file=self.dir / "temporal.log", timeout=120,
        )

    def start_smtp(self) -> None:
        self.sink = SmtpSink(self.mail_dir, "127.0.0.1", self.smtp_port).start()

    def _spawn(self, proc: Proc, module: str, extra: dict[str, str]) -> subprocess.Popen[bytes]:
        log_file = proc.log_path.open("ab")
        self._logs.append(log_file)
        proc.spawned += 1
        return subprocess.Popen(
            [sys.executable, "-m", module], cwd=PROJECT_ROOT, env={**self.env(), **extra},
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def fired(self) -> Counter[str]:
        """The in-activity kills that happened, by activity (from the workers' logs)."""
        found: Counter[str] = Counter()
        for worker in self.workers:
            if worker.log_path.exists():
                found.update(KILLED_IN.findall(worker.log_path.read_text(errors="replace")))
        return found

    def _worker_spawner(self, proc: Proc) -> Callable[[], subprocess.Popen[bytes]]:
        def spawn() -> subprocess.Popen[bytes]:
            fired = self.fired()
            armed = [p for p in self.kill_points if not fired[p.partition("@")[0]]]
            return self._spawn(proc, "worker", {"NOTICE_FAULT_KILL": ",".join(armed)})

        return spawn

    def _api_spawner(self) -> Callable[[], subprocess.Popen[bytes]]:
        extra = {"API_HOST": "127.0.0.1", "API_PORT": str(self.api_port)}
        if self.api_rate is not None:
            extra |= {"API_RATE_PER_SECOND": str(self.api_rate), "API_RATE_BURST": str(int(self.api_rate))}

        def spawn() -> subprocess.Popen[bytes]:
            return self._spawn(self.api, "api", extra)

        return spawn

    def _supervise(self, proc: Proc, spawn: Callable[[], subprocess.Popen[bytes]]) -> Supervised:
        # Faster than make run's backoff: the harness kills often, and waits on nothing else.
        return Supervised(proc.name, spawn, spawn(), first=0.5, ceiling=4.0, healthy_after=20.0)

    async def _supervise_forever(self) -> None:
        while True:
            for proc in [*self.workers, self.api]:
                if proc.supervised is not None:
                    pid = proc.supervised.process.pid
                    news = proc.supervised.check()
                    if news is not None:
                        self.note(news)
                        if self.expedite and proc in self.workers and " exited " in news:
                            task = asyncio.create_task(self._expedite(pid))
                            self._background.add(task)
                            task.add_done_callback(self._background.discard)
            await asyncio.sleep(0.2)

    async def _expedite(self, pid: int) -> None:
        """What an operator can do for a screening that died with its worker (``temporal activity
        update-options``): Temporal would retry it when its 5-minute start-to-close timeout ran out (it has
        no heartbeat); a timeout of a few seconds has it retried now, and once the new attempt has started
        the activity's own options are restored. (The registry's activities come back after their 30 s.)"""
        identity = f"{pid}@{socket.gethostname()}"
        try:
            if self._client is None:
                self._client = await Client.connect(self.temporal_address)
            client = self._client
            retries = []
            async for execution in client.list_workflows("ExecutionStatus = 'Running'"):
                handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
                for pending in (await handle.describe()).raw_description.pending_activities:
                    if (pending.activity_type.name in EXPEDITED and pending.last_worker_identity == identity
                            and pending.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED):
                        retries.append(self._retry_now(client, execution.id, execution.run_id, pending.activity_id,
                                                       pending.attempt))
                        self.expedited += 1
                        self.note(f"expedited {pending.activity_type.name} of {execution.id}, lost with pid {pid}")
            await asyncio.gather(*retries)
        except Exception as error:  # noqa: BLE001 - an operator's shortcut: its failure only costs time
            self.note(f"could not expedite the activities of pid {pid}: {type(error).__name__}: {error}")

    @staticmethod
    async def _retry_now(client: Client, workflow_id: str, run_id: str, activity_id: str, attempt: int) -> None:
        execution = WorkflowExecution(workflow_id=workflow_id, run_id=run_id)
        await client.workflow_service.update_activity_options(UpdateActivityOptionsRequest(
            namespace=client.namespace, execution=execution, id=activity_id,
            activity_options=ActivityOptions(start_to_close_timeout=Duration(seconds=3)),
            update_mask=FieldMask(paths=["start_to_close_timeout"]),
        ))
        handle = client.get_workflow_handle(workflow_id, run_id=run_id)
        for _ in range(120):
            await asyncio.sleep(0.5)
            described = await handle.describe()
            current = [p for p in described.raw_description.pending_activities if p.activity_id == activity_id]
            if not current or current[0].attempt > attempt and current[0].state == (
                    PendingActivityState.PENDING_ACTIVITY_STATE_STARTED):
                break
        await client.workflow_service.update_activity_options(UpdateActivityOptionsRequest(
            namespace=client.namespace, execution=execution, id=activity_id, restore_original=True,
        ))

    async def wait_api(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not await asyncio.to_thread(_answers, f"{self.api_url}/openapi.json"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API did not answer within {seconds:.0f}s: see {self.api.log_path}")
            await asyncio.sleep(0.25)

    # --- breaking and restoring -------------------------------------------------------------------------

    def kill(self, proc: Proc) -> int | None:
        """SIGKILL a supervised process; its supervisor brings it back."""
        if proc.supervised is None or proc.supervised.process.poll() is not None:
            return None
        pid = proc.supervised.process.pid
        proc.supervised.process.kill()
        return pid

    async def kill_devserver(self) -> None:
        assert self.devserver is not None
        self.devserver.process.kill()
        await asyncio.to_thread(self.devserver.process.wait, 30)
        self.devserver.stop()

    def stop_smtp(self) -> None:
        if self.sink is not None:
            self.sink.stop()
            self.sink = None

    async def close(self, drop: bool = True) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        for proc in [self.api, *self.workers]:
            if proc.supervised is not None and proc.supervised.process.poll() is None:
                proc.supervised.process.terminate()
                try:
                    await asyncio.to_thread(proc.supervised.process.wait, 20)
                except subprocess.TimeoutExpired:
                    proc.supervised.process.kill()
        for task in list(self._background):
            task.cancel()
        for log_file in self._logs:
            log_file.close()
        if self.devserver is not None:
            await asyncio.to_thread(self.devserver.stop)
        self.stop_smtp()
        await self.gate.cut()
        if drop and self._db_created:
            admin = await asyncpg.connect(self.admin_dsn, timeout=10)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
            finally:
                await admin.close()


def _answers(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status) == 200
    except OSError:
        return False

