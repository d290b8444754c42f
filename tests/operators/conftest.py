"""The service as operators see it: the Temporal dev server WITH its Web UI and the search attributes,
a worker whose Temporal runtime serves Prometheus metrics (the SDK's and ours) on a port of its own,
the service gauges refreshed every half second for this test's task queue, the registry, a local SMTP
server, and the API in-process with real local credentials.

Payloads here are not encrypted (the plain pydantic converter), so the Web UI shows summaries and
details without a codec server; with ``PAYLOAD_KEY`` set they are encrypted like every other payload
and the UI shows them through the codec server (README, operators' guide)."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import httpx
import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime
from temporalio.testing import WorkflowEnvironment

from admin.client import ReviewerClient
from api.app import create_app
from api.credentials import LocalAuthenticator, LocalCredentials
from devstack.devserver import free_port
from registry.database import Database
from runtime.config import Settings
from runtime.metrics import prometheus_runtime
from runtime.search_attributes import ALL
from starter.client import NcbClient
from tests.api.conftest import GENEROUS, Tokens, api_credentials, example_body, http_client  # noqa: F401
from tests.conftest import DEV_SERVER, _venv_binary
from tests.workflows.conftest import Mailbox, mailbox, registry_db  # noqa: F401 - fixtures used here
from worker import build_worker, service_gauges

T = TypeVar("T")


@dataclass
class OperatorsServer:
    env: WorkflowEnvironment
    address: str
    ui_url: str


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def ui_server() -> AsyncIterator[OperatorsServer]:
    """The dev server with its Web UI on a free port, as `make run` starts it (search attributes too)."""
    ui_port = free_port()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=_venv_binary(*DEV_SERVER),
        search_attributes=ALL,
        data_converter=pydantic_data_converter,
        ui=True,
        ui_port=ui_port,
        dev_server_extra_args=["--ui-disable-news-fetch"],
    )
    try:
        yield OperatorsServer(env, env.client.service_client.config.target_host, f"http://127.0.0.1:{ui_port}")
    finally:
        await env.shutdown()


@dataclass
class MetricsPort:
    runtime: Runtime
    url: str


@pytest.fixture(scope="session")
def metrics_port() -> MetricsPort:
    """One Prometheus endpoint for the session (a runtime lives as long as the process)."""
    port = free_port()
    return MetricsPort(prometheus_runtime(port, host="127.0.0.1"), f"http://127.0.0.1:{port}/metrics")


@dataclass
class Stack:
    server: OperatorsServer
    client: Client
    task_queue: str
    db: Database
    mailbox: Mailbox
    http: httpx.AsyncClient
    tokens: Tokens
    metrics_url: str

    async def call(self, who: str | None, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return await self.http.request(method, path, headers=headers, **kwargs)

    async def submit(self, example: str) -> tuple[str, dict[str, Any]]:
        """Submit an example request through the API as its NCB; its request id and the body sent."""
        body = example_body(example)
        answer = await self.call(f"ncb:{body['requesting_ncb']}", "POST", "/v1/requests", json=body)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["request_id"]), body

    async def reaches(self, request_id: str, ncb: str, stage: str) -> None:
        async def check() -> bool:
            answer = await self.call(f"ncb:{ncb}", "GET", f"/v1/requests/{request_id}")
            return answer.status_code == 200 and answer.json()["stage"] == stage

        await eventually(check, f"{request_id} to reach {stage}")

    def ncb(self, code: str) -> NcbClient:
        return NcbClient(self.client, code, self.task_queue)

    def reviewer(self, reviewer_id: str = "legal.ana") -> ReviewerClient:
        return ReviewerClient(self.client, reviewer_id, self.task_queue)


async def eventually(check: Callable[[], Awaitable[T | None]], what: str, within: float = 45) -> T:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` otherwise."""
    deadline = time.monotonic() + within
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.25)


@pytest.fixture
async def stack(
    ui_server: OperatorsServer,
    metrics_port: MetricsPort,
    registry_db: Database,  # noqa: F811 - the fixture imported above
    mailbox: Mailbox,  # noqa: F811
    api_credentials: tuple[LocalCredentials, Tokens],  # noqa: F811
) -> AsyncIterator[Stack]:
    """A worker on a task queue of its own (its client on the metrics runtime), its gauges refreshed
    every half second, and the API over the same client."""
    registry, tokens = api_credentials
    task_queue = f"ops-{uuid.uuid4().hex[:10]}"
    client = await Client.connect(
        ui_server.address, data_converter=pydantic_data_converter, runtime=metrics_port.runtime
    )
    config = Settings(
        task_queue=task_queue, database_url="unused", smtp_host="127.0.0.1", smtp_port=mailbox.port, payload_key=None
    )
    app = create_app(client, registry_db, config, LocalAuthenticator(registry), task_queue=task_queue, limits=GENEROUS)
    gauges = asyncio.create_task(
        service_gauges(client, registry_db, config, metrics_port.runtime.metric_meter).run(timedelta(seconds=0.5))
    )
    try:
        async with build_worker(client, registry_db, config, task_queue), http_client(app) as http:
            yield Stack(ui_server, client, task_queue, registry_db, mailbox, http, tokens, metrics_port.url)
    finally:
        gauges.cancel()


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[^"}]|"(?:[^"\\]|\\.)*")*)\})?\s+(\S+)')
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    """The samples of a Prometheus text exposition: (name, labels, value)."""
    found = []
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match and not line.startswith("#"):
            found.append((match.group(1), dict(_LABEL.findall(match.group(3) or "")), float(match.group(4))))
    return found


def value(text: str, name: str, **labels: str) -> float | None:
    """The sum of the samples of ``name`` whose labels include ``labels``; None when there is none."""
    matching = [v for n, found, v in samples(text) if n == name and labels.items() <= found.items()]
    return sum(matching) if matching else None


async def scrape(url: str) -> str:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.get(url)
    answer.raise_for_status()
    return answer.text
