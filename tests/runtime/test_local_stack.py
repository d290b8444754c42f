"""`make run`: the examples it submits, the database it prepares, and the whole stack once through."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from devstack.devserver import free_port
from devstack.local_stack import examples_dir, prepare_database
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


async def _make_run_once(var_dir: Path, ports: dict[str, int]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NOTICE_VAR_DIR": str(var_dir), "NOTICE_EXAMPLES": str(ROOT / "examples"),
           "COLUMNS": "200", "TERM": "dumb"}
    env.pop("DATABASE_URL", None)
    args = [sys.executable, "-m", "devstack.local_stack", "--once", "--wait", "60"]
    for flag, port in ports.items():
        args += [f"--{flag}", str(port)]
    return await asyncio.to_thread(
        subprocess.run, args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )


@pytest.mark.devserver
async def test_make_run_submits_every_example_and_a_rerun_finds_them_again(tmp_path: Path):
    ports = {name: free_port() for name in ("temporal-port", "ui-port", "smtp-port", "codec-port")}
    first = await _make_run_once(tmp_path, ports)
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"http://127.0.0.1:{ports['ui-port']}" in first.stdout
    for name in EXAMPLES:
        assert f"{name}.json" in first.stdout
    assert "refused" not in first.stdout
    assert "still screening" not in first.stdout
    request_ids = set(re.findall(r"R-[A-Z]{2}-[0-9a-f]{16}", first.stdout))
    assert len(request_ids) == len(EXAMPLES)
    assert "ndtf queue" in first.stdout

    again = await _make_run_once(tmp_path, ports)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("(already submitted)") == len(EXAMPLES)
    assert set(re.findall(r"R-[A-Z]{2}-[0-9a-f]{16}", again.stdout)) == request_ids


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
