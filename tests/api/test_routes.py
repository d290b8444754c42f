"""The API end to end, as an NCB integration and the reviewers use it, and its answers when something is
wrong: problem details naming each field, the body cap, the rate limit, Temporal too slow or gone."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.credentials import LocalCredentials
from api.limits import Limits
from api.problems import PROBLEM_JSON
from models.case import NoticeRequestInput
from models.ids import request_id_for, workflow_id_for
from models.request import parse_request
from registry.database import Database
from runtime.client import data_converter
from tests.api.conftest import ROSTER_CSV, Api, Tokens, eventually, example_body, http_client, light_app
from workflows.notice_request import NoticeRequestWorkflow

FRAUD = "red-notice-fraud.json"


def problem(response: httpx.Response, status: int, kind: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, f"{response.status_code} {response.text}"
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    if kind is not None:
        assert (body["kind"], body["title"]) == (kind, kind) and body["type"].endswith(kind), body
    return body


async def stage_of(api: Api, request_id: str, ncb: str = "FR") -> str:
    response = await api.call(f"ncb:{ncb}", "GET", f"/v1/requests/{request_id}")
    assert response.status_code == 200, response.text
    stage: str = response.json()["stage"]
    return stage


async def reaches(api: Api, request_id: str, stage: str, ncb: str = "FR") -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        response = await api.call(f"ncb:{ncb}", "GET", f"/v1/requests/{request_id}")
        assert response.status_code == 200, response.text
        view: dict[str, Any] = response.json()
        return view if view["stage"] == stage else None

    return await eventually(check, f"{request_id} to reach {stage}")


# --- the whole path -------------------------------------------------------------------------------


async def test_a_request_goes_from_submission_to_a_cancelled_notice_through_the_api(api: Api) -> None:
    body = example_body(FRAUD)
    submitted = await api.call("ncb:FR", "POST", "/v1/requests", json=body)
    assert submitted.status_code == 201, submitted.text
    request_id = submitted.json()["request_id"]
    assert submitted.json()["created"] is True and request_id == request_id_for("FR", body["ncb_reference"])
    again = await api.call("ncb:FR", "POST", "/v1/requests", json=body)
    assert again.status_code == 200 and again.json()["request_id"] == request_id and again.json()["created"] is False

    await reaches(api, request_id, "legal_assessment")
    queue = (await api.call("reviewer:legal.ana", "GET", "/v1/cases", params={"stage": "legal_assessment"})).json()
    assert [e["request_id"] for e in queue["entries"] if e["request_id"] == request_id] == [request_id]
    assert queue["counts"]["legal_assessment"] >= 1 and queue["total"] == queue["counts"]["legal_assessment"]

    asked = await api.call("reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/info-requests",
                           json={"question": "Is the warrant still valid?", "due_days": 10})
    assert asked.status_code == 200, asked.text
    assert asked.json()["stage"] == "awaiting_clarification"
    view = await reaches(api, request_id, "awaiting_clarification")
    assert [a["question"] for a in view["awaited"]] == ["Is the warrant still valid?"]
    waiting = (await api.call("reviewer:police.ben", "GET", "/v1/cases", params={"all": "true"})).json()
    assert any(e["request_id"] == request_id for e in waiting["entries"])

    replied = await api.call("ncb:FR", "POST", f"/v1/requests/{request_id}/replies",
                             json={"answer": "Yes, valid until it is executed."})
    assert replied.status_code == 200, replied.text
    await reaches(api, request_id, "detailed_review")

    concluded = await api.call("reviewer:police.ben", "POST", f"/v1/cases/{request_id}/review-conclusion",
                               json={"summary": "Warrant confirmed by the NCB."})
    assert concluded.status_code == 200 and concluded.json()["stage"] == "legal_assessment", concluded.text
    assessed = await api.call("reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/assessment",
                              json={"verdict": "compliant", "basis": "Ordinary-law fraud.", "articles": ["Art. 2"]})
    assert assessed.status_code == 200 and assessed.json()["stage"] == "awaiting_decision", assessed.text

    own = await api.call("reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/decision",
                         json={"outcome": "approve", "reason": "Compliant."})
    problem(own, 409, "FourEyes")
    decided = await api.call("reviewer:sup.dana", "POST", f"/v1/cases/{request_id}/decision",
                             json={"outcome": "approve", "reason": "Compliant with the Rules."})
    assert decided.status_code == 200, decided.text
    view = await reaches(api, request_id, "published")
    notice_id = view["notice_id"]
    assert view["outcome"] == "approved" and notice_id

    case = (await api.call("reviewer:legal.ana", "GET", f"/v1/cases/{request_id}")).json()
    assert case["decision"]["decided_by"] == "sup.dana" and case["assessment"]["assessor"] == "legal.ana"

    async def found_by_de() -> list[dict[str, Any]] | None:
        hits: list[dict[str, Any]] = (await api.call(
            "ncb:DE", "GET", "/v1/notices", params={"name": "MARCHETTI", "requesting_ncb": "FR"}
        )).json()["hits"]
        return [h for h in hits if h["notice_id"] == notice_id] or None

    [hit] = await eventually(found_by_de, "the published notice in another NCB's search")
    assert hit["status"] == "published" and hit["request_id"] == request_id

    blocked = await api.call("reviewer:legal.ana", "POST", f"/v1/ndtf/notices/{notice_id}/block",
                             json={"reason": "Information received that the subject is a recognised refugee."})
    assert blocked.status_code == 200 and blocked.json()["status"] == "blocked", blocked.text
    hits = (await api.call("ncb:DE", "GET", "/v1/notices", params={"name": "MARCHETTI"})).json()["hits"]
    assert not [h for h in hits if h["notice_id"] == notice_id], "a blocked notice leaves search at once"

    acked = await api.call("ncb:DE", "POST", f"/v1/notices/{notice_id}/acknowledgements", json={})
    assert acked.status_code == 200, acked.text
    acks = (await api.call("reviewer:sup.dana", "GET", f"/v1/ndtf/notices/{notice_id}/acks")).json()
    assert "DE" in acks["instructions"][0]["acknowledged"] and "FR" in acks["instructions"][0]["pending"]

    cancelled = await api.call("reviewer:sup.dana", "POST", f"/v1/ndtf/notices/{notice_id}/cancel",
                               json={"reason": "Refugee status confirmed."})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    state = (await api.call("reviewer:police.ben", "GET", f"/v1/ndtf/notices/{notice_id}")).json()
    assert state["status"] == "cancelled"
    problem(await api.call("reviewer:sup.dana", "POST", f"/v1/ndtf/notices/{notice_id}/unblock",
                           json={"reason": "too late"}), 409, "NoticeEnded")

    verified = await api.call("admin", "GET", "/v1/audit/verification")
    assert verified.status_code == 200 and verified.json()["ok"] is True, verified.text


async def test_an_administrator_loads_reference_data_all_or_nothing(api: Api) -> None:
    same = await api.call("admin", "PUT", "/v1/reference-data/reviewers", content=ROSTER_CSV.read_bytes(),
                          headers={"Content-Type": "text/csv"})
    assert same.status_code == 200 and same.json()["changed"] is False, same.text
    bad = "reviewer_id,name,roles\nlegal.zoe,Zoe,legal\n,Nobody,legal\nx.y,Xavier,astronaut\n"
    refused = await api.call("admin", "PUT", "/v1/reference-data/reviewers", content=bad.encode(),
                             headers={"Content-Type": "text/csv"})
    body = problem(refused, 422, "InvalidReferenceData")
    assert [(e["line"], e["field"]) for e in body["errors"]] == [(3, "reviewer_id"), (4, "roles")]
    still = await api.call("reviewer:legal.ana", "GET", "/v1/cases")
    assert still.status_code == 200, "the roster was left as it was"
    problem(await api.call("admin", "PUT", "/v1/reference-data/reviewers", content=b"{}",
                           headers={"Content-Type": "application/json"}), 415, "UnsupportedMediaType")
    problem(await api.call("admin", "PUT", "/v1/reference-data/planets", content=b"a\n",
                           headers={"Content-Type": "text/csv"}), 422)


# --- what is wrong, by field -----------------------------------------------------------------------


def bearer(tokens: Tokens, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[who]}"}


async def test_an_invalid_request_lists_each_bad_field_and_starts_nothing(
    dev_env: WorkflowEnvironment, registry_db: Database, api_credentials: tuple[LocalCredentials, Tokens]
) -> None:
    registry, tokens = api_credentials
    body = example_body(FRAUD)
    body["kind"] = "blue_notice"
    body["subject"]["date_of_birth"] = "1979-13-40"
    body["contact"]["email"] = "not an address"
    body["judicial"]["charges"] = []
    body["colour"] = "red"
    async with http_client(light_app(dev_env.client, registry_db, registry, Limits())) as http:
        response = await http.post("/v1/requests", json=body, headers=bearer(tokens, "ncb:FR"))
        errors = problem(response, 422)["errors"]
        fields = {e["field"] for e in errors}
        assert {"kind", "subject.date_of_birth", "contact.email", "judicial.charges", "colour"} <= fields, errors
        assert all(e["message"] for e in errors)

        future = example_body(FRAUD)
        future["judicial"]["offence_date"] = "2099-01-01"
        later = problem(await http.post("/v1/requests", json=future, headers=bearer(tokens, "ncb:FR")), 422,
                        "InvalidRequest")
        assert [e["field"] for e in later["errors"]] == ["judicial.offence_date"]

        reply = await http.post("/v1/requests/R-FR-0000000000000000/replies", json={"answer": " ", "extra": 1},
                                headers=bearer(tokens, "ncb:FR"))
        assert {e["field"] for e in problem(reply, 422)["errors"]} == {"answer", "extra"}
        search = await http.get("/v1/notices", params={"nationality": "XX"}, headers=bearer(tokens, "ncb:FR"))
        assert [e["field"] for e in problem(search, 422)["errors"]] == ["nationality"]
    request_id = request_id_for("FR", body["ncb_reference"])
    assert not [w async for w in dev_env.client.list_workflows(f"WorkflowId = '{workflow_id_for(request_id)}'")]


async def test_a_body_over_the_cap_is_refused_with_413_naming_the_limit(
    dev_env: WorkflowEnvironment, registry_db: Database, api_credentials: tuple[LocalCredentials, Tokens]
) -> None:
    registry, tokens = api_credentials
    limits = Limits(max_body_bytes=2048, rate_per_second=100, burst=100)
    big = example_body(FRAUD)
    big["judicial"]["facts_summary"] = "x" * 5000
    async with http_client(light_app(dev_env.client, registry_db, registry, limits)) as http:
        declared = await http.post("/v1/requests", json=big, headers=bearer(tokens, "ncb:FR"))
        assert "2048 bytes" in problem(declared, 413, "BodyTooLarge")["detail"]

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b" " * 512

        streamed = await http.post("/v1/requests", content=chunks(),
                                   headers={**bearer(tokens, "ncb:FR"), "Content-Type": "application/json"})
        assert "2048 bytes" in problem(streamed, 413, "BodyTooLarge")["detail"]
        csv = await http.put("/v1/reference-data/refugees", content=chunks(),
                             headers={**bearer(tokens, "admin"), "Content-Type": "text/csv"})
        problem(csv, 413, "BodyTooLarge")


async def test_a_burst_past_the_limit_gets_429_with_retry_after(
    dev_env: WorkflowEnvironment, registry_db: Database, api_credentials: tuple[LocalCredentials, Tokens]
) -> None:
    registry, tokens = api_credentials
    limits = Limits(rate_per_second=0.5, burst=3)
    async with http_client(light_app(dev_env.client, registry_db, registry, limits)) as http:
        answers = [await http.get("/v1/audit/verification", headers=bearer(tokens, "admin")) for _ in range(5)]
        assert [r.status_code for r in answers] == [200, 200, 200, 429, 429]
        limited = problem(answers[3], 429, "TooManyRequests")
        assert int(answers[3].headers["Retry-After"]) >= 1 and "a second" in limited["detail"]
        other = await http.get("/v1/audit/verification", headers=bearer(tokens, "reviewer:legal.ana"))
        assert other.status_code == 200, "the bucket is the caller's own"
        anonymous = [await http.get("/v1/cases") for _ in range(4)]
        assert [r.status_code for r in anonymous] == [401, 401, 401, 429], "guessing is throttled too"


async def test_temporal_too_slow_is_504_and_unreachable_is_503(
    dev_env: WorkflowEnvironment, registry_db: Database, api_credentials: tuple[LocalCredentials, Tokens]
) -> None:
    registry, tokens = api_credentials
    queue = f"no-worker-{uuid.uuid4().hex[:8]}"
    request = parse_request(example_body(FRAUD))
    request_id = request_id_for("FR", request.ncb_reference)
    await dev_env.client.start_workflow(
        NoticeRequestWorkflow.run, NoticeRequestInput(request_id=request_id, request=request),
        id=workflow_id_for(request_id), task_queue=queue,
    )
    limits = Limits(temporal_timeout=1)
    async with http_client(light_app(dev_env.client, registry_db, registry, limits, queue)) as http:
        slow = await http.get(f"/v1/requests/{request_id}", headers=bearer(tokens, "ncb:FR"))
        problem(slow, 504, "TemporalTimeout")
    await dev_env.client.get_workflow_handle(workflow_id_for(request_id)).terminate("test over")

    gone = await Client.connect("127.0.0.1:1", lazy=True, data_converter=data_converter())
    async with http_client(light_app(gone, registry_db, registry, Limits(temporal_timeout=5))) as http:
        down = await http.get(f"/v1/requests/{request_id}", headers=bearer(tokens, "ncb:FR"))
        problem(down, 503, "TemporalUnavailable")


async def test_the_openapi_document_and_the_docs_are_served(
    dev_env: WorkflowEnvironment, registry_db: Database, api_credentials: tuple[LocalCredentials, Tokens]
) -> None:
    registry, _ = api_credentials
    async with http_client(light_app(dev_env.client, registry_db, registry, Limits())) as http:
        spec = (await http.get("/openapi.json")).json()
        assert (await http.get("/docs")).status_code == 200
    assert "/v1/cases/{request_id}/decision" in spec["paths"] and "bearer" in spec["components"]["securitySchemes"]
    assert all(path.startswith("/v1/") for path in spec["paths"])
