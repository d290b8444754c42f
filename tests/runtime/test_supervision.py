"""`make run` keeps serving when its worker or its API dies: the dead process is started again after a
backoff (1 s doubling to 30 s, back to 1 s after a minute of health), each restart logged."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from devstack.devserver import free_port, port_open
from devstack.local_stack import Supervised
from tests.runtime.test_local_stack import ROOT, _http, _stack_args, _stack_env


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])


def _killed(piece: Supervised) -> None:
    piece.process.send_signal(signal.SIGKILL)
    piece.process.wait(10)


def test_a_process_that_dies_is_restarted_after_a_backoff_that_doubles_to_30_s_and_resets_when_healthy() -> None:
    clock = _Clock()
    started: list[subprocess.Popen[bytes]] = []

    def spawn() -> subprocess.Popen[bytes]:
        started.append(_sleeper())
        return started[-1]

    piece = Supervised("worker", spawn, spawn(), clock=clock)
    try:
        assert piece.check() is None, "a live process is left alone"
        delays = []
        for restart in range(1, 8):
            clock.now += 5  # dies 5 s after it started: not healthy
            _killed(piece)
            news = piece.check()
            assert news is not None
            match = re.fullmatch(rf"worker exited with -9; restarting in (\d+) s \(restart {restart}\)", news)
            assert match, news
            delays.append(int(match.group(1)))
            assert piece.check() is None, "nothing is started before the backoff has passed"
            clock.now += delays[-1]
            assert piece.check() == f"worker restarted, pid {piece.process.pid} (restart {restart})"
            assert piece.process.poll() is None and piece.process is started[-1]
        assert delays == [1, 2, 4, 8, 16, 30, 30]

        clock.now += 60  # a minute of health
        _killed(piece)
        assert piece.check() == "worker exited with -9; restarting in 1 s (restart 8)"
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait(10)


def _get(url: str, token: str) -> tuple[int, Any]:
    """GET, with a refused connection (the API restarting) answered as status 0."""
    try:
        return _http(url, token)
    except OSError:
        return 0, None


def _pid(out: str, label: str) -> int:
    found = re.findall(rf"^{label}\s+.*?pid (\d+)", out, re.MULTILINE)
    assert found, out
    return int(found[-1])


async def _read_until(process: asyncio.subprocess.Process, seen: list[str], pattern: str, seconds: float) -> str:
    """The stack's output until a line matches ``pattern``; the line."""
    assert process.stdout is not None
    deadline = time.monotonic() + seconds
    while True:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=max(deadline - time.monotonic(), 0.1))
        if not line:
            raise AssertionError(f"make run ended before {pattern!r}:\n" + "".join(seen))
        seen.append(line.decode())
        if re.search(pattern, seen[-1]):
            return seen[-1]


@pytest.mark.devserver
async def test_make_run_restarts_a_killed_worker_and_a_killed_api_and_the_stack_keeps_answering(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("temporal-port", "ui-port", "smtp-port", "codec-port", "api-port")}
    api = f"http://127.0.0.1:{ports['api-port']}"
    empty = tmp_path / "no-examples"  # nothing to submit at start: this test submits its own
    empty.mkdir()
    (empty / "red-notice-fraud.json").write_text((ROOT / "examples" / "red-notice-fraud.json").read_text())
    env = {**_stack_env(tmp_path / "var"), "NOTICE_EXAMPLES": str(empty)}
    process = await asyncio.create_subprocess_exec(
        *_stack_args(ports), cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    seen: list[str] = []
    try:
        await _read_until(process, seen, r"Serving\.", 180)
        out = "".join(seen)
        worker_pid, api_pid = _pid(out, "worker"), _pid(out, "API")
        tokens = json.loads((tmp_path / "var" / "credentials.json").read_text())

        os.kill(worker_pid, signal.SIGKILL)
        await _read_until(process, seen, r"worker exited with -9; restarting in 1 s \(restart 1\)", 30)
        restarted = await _read_until(process, seen, r"worker restarted, pid \d+", 30)
        new_worker = int(re.findall(r"pid (\d+)", restarted)[0])
        assert new_worker != worker_pid

        # The new worker works: a request submitted now is registered and screened.
        request = json.loads((ROOT / "examples" / "red-notice-fraud.json").read_text())
        request["ncb_reference"] = "FR-SUPERVISION-1"
        status, submitted = await asyncio.to_thread(_http, f"{api}/v1/requests", tokens["ncb:FR"], request)
        assert status in (200, 201), submitted
        request_id = submitted["request_id"]
        stage = ""
        for _ in range(240):
            status, view = await asyncio.to_thread(_get, f"{api}/v1/requests/{request_id}", tokens["ncb:FR"])
            stage = view["stage"] if status == 200 else ""
            if stage not in ("", "registered", "initial_screening"):
                break
            await asyncio.sleep(0.25)
        assert stage in ("legal_assessment", "detailed_review"), f"screened by the restarted worker: {stage}"

        os.kill(api_pid, signal.SIGKILL)
        await _read_until(process, seen, r"API exited with -9; restarting in 1 s \(restart 1\)", 30)
        await _read_until(process, seen, r"API restarted, pid \d+", 30)
        for _ in range(240):
            status, view = await asyncio.to_thread(_get, f"{api}/v1/requests/{request_id}", tokens["ncb:FR"])
            if status == 200:
                break
            await asyncio.sleep(0.25)
        assert status == 200 and view["request_id"] == request_id, "the restarted API answers"
        assert process.returncode is None, "the stack kept serving"
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        rest, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, "".join(seen) + rest.decode()
    assert not port_open("127.0.0.1", ports["api-port"])
