"""The hostile-input suite: what an attacker, a buggy integration or a careless operator can send.

Property-based (hypothesis) over the API, the workflows' messages sent straight to Temporal, and the
reference-data files. Every example is bounded: the ``hostile`` profile (a few dozen examples per test,
no deadline, since each example is a call to a live service) and, under ``CI=true``, ``hostile-ci``, the
same derandomized so CI runs the same examples every time. ``HYPOTHESIS_PROFILE`` picks another one.

The service behind the API is the time-skipping test server with a real worker, a migrated SQLite
registry and the local SMTP server (``tests/workflows/conftest.py``'s ``service``), one per test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.app import create_app
from api.credentials import LocalAuthenticator, LocalCredentials
from api.problems import PROBLEM_JSON
from models.ids import workflow_id_for
from registry.database import Database
from registry.tables import RequestRow
from runtime.config import Settings
from tests.api.conftest import GENEROUS, Api, Tokens, api_credentials, http_client  # noqa: F401 - fixture
from tests.workflows.conftest import (  # noqa: F401 - fixtures used here
    Service,
    mailbox,
    registry_db,
    service,
    time_skipping,
)

settings.register_profile(
    "hostile",
    max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("hostile-ci", parent=settings.get_profile("hostile"), derandomize=True, database=None)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("hostile-ci" if os.environ.get("CI") == "true" else "hostile")
hostile = settings(settings.get_profile(PROFILE))
"""The decorator every property here carries (rather than loading the profile for the whole session)."""


@pytest.fixture
async def hostile_api(service: Service, api_credentials: tuple[LocalCredentials, Tokens]) -> AsyncIterator[Api]:  # noqa: F811
    """The API in-process over the time-skipping service: real credentials, worker, registry and mail."""
    registry, tokens = api_credentials
    config = Settings(task_queue=service.task_queue, database_url="unused")
    app = create_app(
        service.client, service.db, config, LocalAuthenticator(registry), task_queue=service.task_queue, limits=GENEROUS
    )
    async with http_client(app) as http:
        yield Api(http, service.client, service.db, service.task_queue, tokens, service.mailbox)


# --- what a refusal must look like, and what it must leave alone -------------------------------------


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The RFC 9457 body of a refusal with this status."""
    assert response.status_code == status, f"{response.status_code}: {response.text[:2000]}"
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"] and body["kind"] and body["detail"]
    return body


def named_fields(body: dict[str, Any]) -> list[str]:
    fields = [str(error["field"]) for error in body.get("errors", [])]
    assert fields, f"the refusal names no field: {body}"
    assert all(field and not field.startswith(".") and ".." not in field for field in fields), fields
    return fields


def names(body: dict[str, Any], field: str) -> bool:
    """Whether the refusal names ``field`` (or a field inside it, or the object holding it)."""
    return any(
        named == field or named.startswith(field + ".") or field.startswith(named + ".")
        for named in named_fields(body)
    )


async def no_workflow(client: Client, request_id: str) -> None:
    """Nothing of this request reached Temporal."""
    try:
        await client.get_workflow_handle(workflow_id_for(request_id)).describe()
    except RPCError as error:
        assert error.status is RPCStatusCode.NOT_FOUND, error
        return
    pytest.fail(f"a workflow was started for {request_id}")


async def registered(db: Database, request_id: str) -> bool:
    """Whether the registry holds this request."""
    async with db.transaction() as session:
        return await session.get(RequestRow, request_id) is not None


async def task_failures(client: Client, workflow_id: str) -> list[str]:
    """The workflow task failures in a history: a handler or validator that raised instead of refusing."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return [
        str(event.workflow_task_failed_event_attributes.failure.message)
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
    ]


def unique_reference(prefix: str = "H") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
