"""Only members request and receive: a request from, or a diffusion to, a country that is not on the
``members`` reference list is refused at submission (422, naming the field) before anything reaches
Temporal; while no list is loaded nothing is refused."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from temporalio.testing import WorkflowEnvironment

from api.credentials import CredentialHolder, LocalCredentials
from api.limits import Limits
from api.problems import PROBLEM_JSON
from models.ids import request_id_for, workflow_id_for
from models.reference import ReferenceKind
from registry.database import Database
from registry.tables import MemberRow, ReferenceVersionRow
from tests.api.conftest import Api, Tokens, example_body, http_client, light_app

FRAUD = "red-notice-fraud.json"
DIFFUSION = "wpd-drug-trafficking.json"


def _refused(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, f"{response.status_code} {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert (body["kind"], body["status"]) == ("NotAMember", 422), body
    return [(e["field"], e["message"]) for e in body["errors"]]


async def _started(env: WorkflowEnvironment, body: dict[str, Any]) -> bool:
    request_id = request_id_for(body["requesting_ncb"], body["ncb_reference"])
    query = f"WorkflowId = '{workflow_id_for(request_id)}'"
    return bool([w async for w in env.client.list_workflows(query)])


def _from(ncb: str, body: dict[str, Any]) -> dict[str, Any]:
    reference = str(body["ncb_reference"]).split("-", 1)[1]
    return {**body, "requesting_ncb": ncb, "ncb_reference": f"{ncb}-{reference}"}


async def test_a_request_from_a_non_member_is_refused_naming_requesting_ncb(
    dev_env: WorkflowEnvironment, registry_db: Database, api_credentials: tuple[LocalCredentials, Tokens]
) -> None:
    registry, _tokens = api_credentials
    north_korea = registry.issue(CredentialHolder.for_ncb("KP"))[1]
    body = _from("KP", example_body(FRAUD))
    async with http_client(light_app(dev_env.client, registry_db, registry, Limits())) as http:
        response = await http.post("/v1/requests", json=body, headers={"Authorization": f"Bearer {north_korea}"})
    assert _refused(response) == [("requesting_ncb", "KP is not a member country")]
    assert not await _started(dev_env, body)


async def test_a_diffusion_to_non_members_is_refused_naming_each_recipient(
    dev_env: WorkflowEnvironment, registry_db: Database, api_credentials: tuple[LocalCredentials, Tokens]
) -> None:
    registry, tokens = api_credentials
    body = example_body(DIFFUSION)
    body["diffusion_recipients"] = ["PT", "KP", "FR", "TV"]
    async with http_client(light_app(dev_env.client, registry_db, registry, Limits())) as http:
        response = await http.post("/v1/requests", json=body, headers={"Authorization": f"Bearer {tokens['ncb:ES']}"})
    assert _refused(response) == [
        ("diffusion_recipients.1", "KP is not a member country"),
        ("diffusion_recipients.3", "TV is not a member country"),
    ]
    assert not await _started(dev_env, body)


async def test_requests_from_and_diffusions_to_members_are_accepted(api: Api) -> None:
    diffusion = example_body(DIFFUSION)
    diffusion["diffusion_recipients"] = ["PT", "PS", "VA"]
    submitted = await api.call("ncb:ES", "POST", "/v1/requests", json=diffusion)
    assert submitted.status_code == 201, submitted.text
    notice = await api.call("ncb:FR", "POST", "/v1/requests", json=example_body(FRAUD))
    assert notice.status_code == 201, notice.text


async def test_without_a_members_list_nothing_is_refused(
    api: Api, api_credentials: tuple[LocalCredentials, Tokens], caplog: pytest.LogCaptureFixture
) -> None:
    async with api.db.transaction() as session:
        await session.execute(delete(MemberRow))
        members = ReferenceVersionRow.kind == ReferenceKind.MEMBERS.value
        await session.execute(delete(ReferenceVersionRow).where(members))
    registry, _tokens = api_credentials
    api.tokens.by_name["ncb:KP"] = registry.issue(CredentialHolder.for_ncb("KP"))[1]
    with caplog.at_level(logging.WARNING, logger="api.routes.ncb"):
        submitted = await api.call("ncb:KP", "POST", "/v1/requests", json=_from("KP", example_body(FRAUD)))
    assert submitted.status_code == 201, submitted.text
    assert "no members list is loaded" in caplog.text
