"""A charge's category is a code of the offence classification (``offence_classification``, UNODC's ICCS):
an unknown code, or free text, is refused at submission (422, naming ``judicial.charges.N.category`` and
saying what is expected) before anything reaches Temporal; while no classification is loaded (the
transition) nothing is refused and free text is accepted."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from temporalio.testing import WorkflowEnvironment

from api.problems import PROBLEM_JSON
from models.ids import request_id_for, workflow_id_for
from models.reference import ReferenceKind
from registry.tables import OffenceClassificationRow, ReferenceVersionRow
from tests.api.conftest import Api, example_body

FRAUD = "red-notice-fraud.json"
EXPECTED = "expected an ICCS code of the loaded offence classification, such as 0701 (Fraud)"


def _refused(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, f"{response.status_code} {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert (body["kind"], body["status"]) == ("UnknownOffenceCode", 422), body
    return [(e["field"], e["message"]) for e in body["errors"]]


async def _started(env: WorkflowEnvironment, body: dict[str, Any]) -> bool:
    request_id = request_id_for(body["requesting_ncb"], body["ncb_reference"])
    query = f"WorkflowId = '{workflow_id_for(request_id)}'"
    return bool([w async for w in env.client.list_workflows(query)])


def _categories(body: dict[str, Any], *categories: str) -> dict[str, Any]:
    pairs = zip(body["judicial"]["charges"], categories, strict=True)
    charges = [{**charge, "category": category} for charge, category in pairs]
    return {**body, "judicial": {**body["judicial"], "charges": charges}}


async def test_an_unknown_code_and_free_text_are_refused_naming_each_charge(
    api: Api, dev_env: WorkflowEnvironment
) -> None:
    body = _categories(example_body(FRAUD), "0799", "white_collar_stuff")
    response = await api.call("ncb:FR", "POST", "/v1/requests", json=body)
    assert _refused(response) == [
        ("judicial.charges.0.category", f"0799 is not a code of the offence classification: {EXPECTED}"),
        ("judicial.charges.1.category", "'white_collar_stuff' is neither a code of the offence classification nor "
                                        f"a category it maps: {EXPECTED}"),
    ]
    assert not await _started(dev_env, body)


async def test_known_codes_are_accepted(api: Api) -> None:
    body = _categories(example_body(FRAUD), "07011", "07041")
    submitted = await api.call("ncb:FR", "POST", "/v1/requests", json=body)
    assert submitted.status_code == 201, submitted.text


async def test_an_amendment_setting_an_unknown_code_is_refused_before_temporal(api: Api) -> None:
    request_id = request_id_for("FR", "FR-never-submitted")
    amendments = {"judicial": {"charges": [{"offence": "Organised fraud", "category": "sharp_practice"}]}}
    response = await api.call(
        "ncb:FR", "POST", f"/v1/requests/{request_id}/replies", json={"answer": "Corrected.", "amendments": amendments}
    )
    assert _refused(response) == [
        ("amendments.judicial.charges.0.category",
         f"'sharp_practice' is neither a code of the offence classification nor a category it maps: {EXPECTED}"),
    ]


async def test_without_a_classification_free_text_is_accepted(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    async with api.db.transaction() as session:
        await session.execute(delete(OffenceClassificationRow))
        loaded = ReferenceVersionRow.kind == ReferenceKind.OFFENCE_CLASSIFICATION.value
        await session.execute(delete(ReferenceVersionRow).where(loaded))
    body = _categories(example_body(FRAUD), "fraud", "money_laundering")
    with caplog.at_level(logging.WARNING, logger="api.routes.ncb"):
        submitted = await api.call("ncb:FR", "POST", "/v1/requests", json=body)
    assert submitted.status_code == 201, submitted.text
    assert "no offence classification is loaded" in caplog.text


async def test_the_request_contracts_named_categories_stand_for_their_codes(api: Api) -> None:
    """DESIGN's examples (and integrations written to that contract) name categories: each the
    classification maps is accepted, `other` included."""
    body = _categories(example_body(FRAUD), "money_laundering", "other")
    submitted = await api.call("ncb:FR", "POST", "/v1/requests", json=body)
    assert submitted.status_code == 201, submitted.text
