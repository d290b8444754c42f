"""`make run`: the examples it submits, the database it prepares, the secrets it keeps, and the whole
stack, serving (the API with its credentials, the Web UI decoding through the codec server, the
commands working without anything exported) and then once through again."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shlex
import signal
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from devstack.devserver import free_port, port_open
from devstack.local_stack import LocalStack, StackError, ensure_secret, examples_dir, prepare_database
from models.request import parse_request

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ("red-notice-defamation", "red-notice-fraud", "red-notice-incomplete", "wpd-drug-trafficking")


def test_the_repository_ships_the_four_example_requests_and_they_validate():
    shipped = sorted(p.stem for p in (ROOT / "examples").glob("*.json"))
    assert shipped == list(EXAMPLES)
    for name in EXAMPLES:
        request = parse_request(json.loads((ROOT / "examples" / f"{name}.json").read_text()))
        assert request.ncb_reference


def test_examples_come_from_notice_examples_when_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NOTICE_EXAMPLES", str(tmp_path))
    assert examples_dir() == tmp_path


async def test_preparing_the_database_twice_loads_reference_data_once(tmp_path: Path):
    references = tmp_path / "reference"
    references.mkdir()
    (references / "reviewers.csv").write_text("reviewer_id,name,roles\nrev-1,A. Reviewer,legal;supervisor\n")
    url = f"sqlite+aiosqlite:///{tmp_path / 'notices.db'}"
    first = await prepare_database(url, references)
    again = await prepare_database(url, references)
    assert "reviewers: 1 rows, loaded (version 1)" in first
    assert "reviewers: 1 rows, unchanged (version 1)" in again
    assert "refugees: no default file (refugees.csv)" in again


def test_a_secret_is_made_once_owner_only_and_kept(tmp_path: Path):
    path = tmp_path / "var" / "payload.key"
    made = iter(["first", "second"])
    assert ensure_secret(path, lambda: next(made)) == ("first", True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_secret(path, lambda: next(made)) == ("first", False), "kept across runs"
    path.chmod(0o644)
    ensure_secret(path, lambda: "unused")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "a file others could read is narrowed"
    path.write_text("")
    with pytest.raises(StackError, match="is empty"):
        ensure_secret(path, lambda: "unused")


class _Process:
    def __init__(self, name: str, stopped: list[str]) -> None:
        self.name, self.stopped = name, stopped
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode

    def send_signal(self, sig: int) -> None:
        self.stopped.append(self.name)
        self.returncode = -sig

    def wait(self, timeout: float | None = None) -> int | None:
        return self.returncode


def test_the_stack_stops_the_api_before_the_worker(tmp_path: Path):
    stopped: list[str] = []
    stack = LocalStack(var_dir=tmp_path)
    stack.worker = _Process("worker", stopped)  # type: ignore[assignment]
    stack.api = _Process("api", stopped)  # type: ignore[assignment]
    stack.stop()
    assert stopped == ["api", "worker"]


def _stack_env(var_dir: Path) -> dict[str, str]:
    env = {**os.environ, "NOTICE_VAR_DIR": str(var_dir), "NOTICE_EXAMPLES": str(ROOT / "examples"),
           "COLUMNS": "200", "TERM": "dumb"}
    for name in ("DATABASE_URL", "PAYLOAD_KEY", "CODEC_TOKEN", "NOTICE_API", "API_CREDENTIAL_REGISTRY",
                 "NOTICE_CREDENTIALS", "NCB", "NDTF_REVIEWER"):
        env.pop(name, None)
    return env


def _stack_args(ports: dict[str, int], *extra: str) -> list[str]:
    args = [sys.executable, "-m", "devstack.local_stack", "--wait", "60", *extra]
    for flag, port in ports.items():
        args += [f"--{flag}", str(port)]
    return args


async def _make_run_once(var_dir: Path, ports: dict[str, int]) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, _stack_args(ports, "--once"), cwd=ROOT, env=_stack_env(var_dir),
        capture_output=True, text=True, timeout=240,
    )


def _http(url: str, token: str | None = None, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, None


async def _serving(process: asyncio.subprocess.Process, seen: list[str]) -> None:
    """Read the stack's output until it says it serves (or ends)."""
    assert process.stdout is not None
    while True:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=180)
        if not line:
            raise AssertionError("make run ended before serving:\n" + "".join(seen))
        seen.append(line.decode())
        if "Serving." in seen[-1]:
            return


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.devserver
async def test_make_run_serves_the_api_with_local_credentials_and_encrypted_payloads_then_a_rerun_finds_all(
    tmp_path: Path,
):
    ports = {name: free_port() for name in ("temporal-port", "ui-port", "smtp-port", "codec-port", "api-port")}
    api = f"http://127.0.0.1:{ports['api-port']}"
    codec = f"http://127.0.0.1:{ports['codec-port']}"
    env = _stack_env(tmp_path)
    process = await asyncio.create_subprocess_exec(
        *_stack_args(ports), cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    seen: list[str] = []
    try:
        await _serving(process, seen)
        out = "".join(seen)
        for name in EXAMPLES:
            assert f"{name}.json" in out
        assert "refused" not in out and "still screening" not in out
        assert f"http://127.0.0.1:{ports['ui-port']}" in out
        assert f"API               {api}" in out and f"{api}/docs" in out
        request_ids = set(re.findall(r"R-[A-Z]{2}-[0-9a-f]{16}", out))
        assert len(request_ids) == len(EXAMPLES)
        (fraud,) = (rid for rid in request_ids if rid.startswith("R-FR-"))

        # Secrets: made in var/, owner-only.
        key_file, token_file = tmp_path / "payload.key", tmp_path / "codec.token"
        assert _mode(key_file) == 0o600 and _mode(token_file) == 0o600
        key, token = key_file.read_text().strip(), token_file.read_text().strip()
        assert len(base64.b64decode(key)) == 32, "AES-256"

        # The Web UI decodes through the codec server, which wants the token.
        status, ui_settings = await asyncio.to_thread(_http, f"http://127.0.0.1:{ports['ui-port']}/api/v1/settings")
        assert status == 200 and ui_settings["Codec"]["Endpoint"] == codec
        assert (await asyncio.to_thread(_http, f"{codec}/decode", None, {"payloads": []}))[0] == 401
        assert (await asyncio.to_thread(_http, f"{codec}/decode", token, {"payloads": []}))[0] == 200

        # The API answers, and the credentials make run issued authenticate there.
        status, openapi = await asyncio.to_thread(_http, f"{api}/openapi.json")
        assert status == 200 and openapi["paths"]
        store = tmp_path / "credentials.json"
        assert _mode(store) == 0o600 and _mode(tmp_path / "api-credentials.json") == 0o600
        tokens = json.loads(store.read_text())
        assert {"ncb:FR", "ncb:BR", "reviewer:legal.ana", "reviewer:sup.hiro", "admin"} <= set(tokens)
        assert key not in (tmp_path / "api-credentials.json").read_text()
        status, view = await asyncio.to_thread(_http, f"{api}/v1/requests/{fraud}", tokens["ncb:FR"])
        assert status == 200 and view["request_id"] == fraud, "the API reads the encrypted case with the key"
        status, queue = await asyncio.to_thread(_http, f"{api}/v1/cases", tokens["reviewer:legal.ana"])
        assert status == 200 and fraud in {entry["request_id"] for entry in queue["entries"]}
        assert (await asyncio.to_thread(_http, f"{api}/v1/cases", None))[0] == 401
        assert (await asyncio.to_thread(_http, f"{api}/v1/requests/{fraud}", tokens["ncb:BR"]))[0] == 404

        # The commands the summary suggests work as printed (with the export it prints for a moved API): they
        # present the credentials make run stored, nothing else exported.
        hints = [line.strip() for line in out.split("Try next", 1)[1].splitlines() if line.strip()]
        exported = dict(h.removeprefix("export ").split("=", 1) for h in hints if h.startswith("export "))
        assert exported == {"NOTICE_API": api}
        reads = [shlex.split(h) for h in hints if re.search(r"/(ndtf|ncb) (queue|show|status)\b", h)]
        assert len(reads) == 3, hints
        for args in reads:
            command = await asyncio.to_thread(
                subprocess.run, [*args, "--json"], cwd=ROOT, env={**env, **exported}, capture_output=True,
                text=True, timeout=120,
            )
            assert command.returncode == 0, " ".join(args) + "\n" + command.stdout + command.stderr
            assert json.loads(command.stdout)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)  # Ctrl-C
        rest, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, "".join(seen) + rest.decode()
    assert "stopped." in rest.decode()
    assert not port_open("127.0.0.1", ports["api-port"]) and not port_open("127.0.0.1", ports["temporal-port"])

    # Again, once through: the same key decodes the old workflows, credentials are kept, nothing twice.
    again = await _make_run_once(tmp_path, ports)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("(already submitted)") == len(EXAMPLES)
    assert set(re.findall(r"R-[A-Z]{2}-[0-9a-f]{16}", again.stdout)) == request_ids
    assert key_file.read_text().strip() == key and token_file.read_text().strip() == token
    assert "0 issued" in again.stdout


def test_the_table_shows_stage_risk_blocking_findings_and_what_is_awaited():
    from datetime import UTC, datetime

    from rich.console import Console

    from devstack.local_stack import Row, render
    from models.case import AwaitedFromNcb, NcbCaseView, ReviewStage
    from models.findings import Finding, Severity

    view = NcbCaseView(
        request_id="R-BR-0123456789abcdef", ncb_reference="BR-2026-1180", kind="red_notice",
        stage=ReviewStage.AWAITING_CLARIFICATION,
        awaited=[AwaitedFromNcb(info_request_id="IR-1", question="q", missing_items=["arrest_warrant"],
                                due_at=datetime(2026, 12, 28, tzinfo=UTC))],
        findings_to_address=[Finding(rule_id="R1", article="Art. 83", severity=Severity.BLOCKING,
                                     field="judicial.arrest_warrant", message="missing")],
    )
    rows = [
        Row(file="red-notice-incomplete.json", kind="red_notice", ncb="BR", request_id=view.request_id,
            created=False, view=view, risk="high"),
        Row(file="broken.json", error="subject.family_name: Field required"),
    ]
    out = Console(width=250, record=True)
    out.print(render(rows))
    text = out.export_text()
    assert "R-BR-0123456789abcdef" in text and "(already submitted)" in text
    assert "awaiting_clarification" in text and "high" in text
    assert "arrest_warrant (by 2026-12-28)" in text
    assert "refused" in text and "subject.family_name: Field required" in text
