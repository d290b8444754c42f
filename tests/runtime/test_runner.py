"""`make test`'s runner keeps pytest's verdict: a run that collects nothing is not a pass."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


async def _runner(*args: str) -> int:
    result = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "tests.run", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    return result.returncode


async def test_a_run_that_collects_no_tests_fails():
    assert await _runner("tests/runtime/test_runner.py", "-k", "no_test_has_this_name") == 5


async def test_a_passing_run_exits_zero():
    assert await _runner("tests/runtime/test_codec.py", "-k", "round_trip") == 0


async def test_a_failing_run_exits_non_zero(tmp_path: Path):
    failing = tmp_path / "test_fails.py"
    failing.write_text("def test_fails():\n    assert False\n")
    assert await _runner(str(failing), "--rootdir", str(tmp_path)) == 1
