"""`make chaos`, short profile, inside `make test`: the real stack through every path while every kind of
fault is inflicted, and nothing lost, duplicated or stuck."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from chaos.stack import ADMIN_URL
from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]


def _harness(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """``python -m chaos``; past the timeout it is asked to stop (SIGTERM), so it stops the stack it started."""
    process = subprocess.Popen([sys.executable, "-m", "chaos", *args], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.terminate()
        out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


async def _postgres_answers() -> None:
    dsn = make_url(ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        service_missing("PostgreSQL", f"the harness needs it ({type(error).__name__}: {error}); `make postgres`")
    await connection.close()


@pytest.mark.postgres
@pytest.mark.devserver
async def test_the_short_profile_loses_duplicates_and_strands_nothing_under_every_kind_of_fault(tmp_path: Path) -> None:
    await _postgres_answers()
    run = await asyncio.to_thread(_harness, "--profile", "short", "--dir", str(tmp_path / "run"))
    out = run.stdout + run.stderr
    line = next((text for text in run.stdout.splitlines() if text.startswith("chaos short")), "")
    assert re.search(r"requests 24, lost 0, duplicated 0, stuck 0 ", line), out
    assert "workflow task failures 0" in line and "audit chain verifies" in line, out
    inflicted = re.search(r"faults inflicted (\d+) \((.*?)\);", line)
    assert inflicted, line
    kinds = dict(re.findall(r"([a-zA-Z ]+?) (\d+)(?:, |$)", inflicted.group(2)))
    for kind in ("API killed", "database stopped", "dev server killed", "mail server stopped", "worker killed",
                 "worker killed while cases wait", *(f"worker killed in {name}" for name in (
                     "register", "screen", "record event", "publish", "dispatch", "deliver mail", "audit"))):
        assert int(kinds.get(kind, 0)) >= 1, (kind, line)
    assert run.returncode == 0, out
