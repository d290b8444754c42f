"""Who may call what: every route against every kind of caller, with real local credentials.

Callers: no credential, a bad token, an expired key, a revoked key, the requesting NCB (FR), another NCB
(DE), one reviewer per role in data/reference/reviewers.csv (legal, police, supervisor, operations), a
reviewer not in the roster, and the administrator. The cases are set up so that every caller the door
lets through reaches the workflow, and the workflow's own refusal (409) shows they got that far: case A
waits for a decision after a non-compliant assessment, case B is published and its notice cancelled.

For every refusal (401, 403, the 404 that hides another NCB's request, 409) one entry is appended to
the audit trail naming who, what and why, and nothing else changes: the cases' stages, timelines and
refused messages, and the notice's status and timeline, are compared before and after.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from admin.client import ReviewerClient
from models.case import DecisionOutcome, ReviewStage, Verdict
from tests.api.conftest import ROSTER_CSV, Api, eventually, example_body

FRAUD = "red-notice-fraud.json"

UNUSABLE = ("anonymous", "bad", "expired", "revoked")
CALLERS = (
    *UNUSABLE,
    "ncb:FR",
    "ncb:DE",
    "reviewer:legal.ana",
    "reviewer:police.ben",
    "reviewer:sup.hiro",
    "reviewer:ops.chen",
    "reviewer:ghost.reviewer",
    "admin",
)
REVIEWERS = ("reviewer:legal.ana", "reviewer:police.ben", "reviewer:sup.hiro", "reviewer:ops.chen")
"""One per role: legal (legal.ana), police (police.ben), supervisor (sup.hiro: supervisor;police),
operations (ops.chen). ghost.reviewer holds a valid credential but is not in the roster."""


@dataclass
class Route:
    method: str
    template: str
    allowed: dict[str, int]
    """Caller -> status for the callers the door lets through; every other usable caller gets 403, an
    unusable credential 401."""
    values: dict[str, str] = field(default_factory=dict)
    body: Any = None
    csv: bytes | None = None
    refused: dict[str, int] = field(default_factory=dict)
    """Refusals other than the default 403 (the 404 hiding another NCB's request)."""

    def expected(self, caller: str) -> int:
        if caller in UNUSABLE:
            return 401
        return self.allowed.get(caller, self.refused.get(caller, 403))

    def path(self) -> str:
        return self.template.format(**self.values)


def actor_of(caller: str) -> str:
    return "anonymous" if caller in UNUSABLE else "admin:local" if caller == "admin" else caller


async def to_legal_assessment(api: Api, request_id: str) -> None:
    reviewer = api.reviewer("police.ben")

    async def settled() -> ReviewStage | None:
        stage = (await reviewer.show(request_id)).stage
        return stage if stage in (ReviewStage.LEGAL_ASSESSMENT, ReviewStage.DETAILED_REVIEW) else None

    if await eventually(settled, "screening to finish") is ReviewStage.DETAILED_REVIEW:
        await reviewer.conclude_review(request_id, "Checked.")
    await eventually(lambda: stage_is(reviewer, request_id, ReviewStage.LEGAL_ASSESSMENT), "legal assessment")


async def stage_is(reviewer: ReviewerClient, request_id: str, stage: ReviewStage) -> bool:
    return (await reviewer.show(request_id)).stage is stage


async def submit(api: Api, body: dict[str, Any]) -> str:
    response = await api.call("ncb:FR", "POST", "/v1/requests", json=body)
    assert response.status_code == 201, response.text
    request_id: str = response.json()["request_id"]
    return request_id


@dataclass
class World:
    case_a: str
    """Awaiting decision, assessed non-compliant by legal.eli: every decision is refused by the workflow."""
    case_b: str
    """Published (its workflow finished); its notice cancelled, still awaiting NCBs' confirmations."""
    body_b: dict[str, Any]
    notice: str


async def build_world(api: Api) -> World:
    body_b = example_body(FRAUD)
    case_b = await submit(api, body_b)
    await to_legal_assessment(api, case_b)
    await api.reviewer("legal.ana").assess(case_b, Verdict.COMPLIANT, "Ordinary-law fraud.")
    await api.reviewer("sup.dana").decide(case_b, DecisionOutcome.APPROVE, "Compliant.")
    await eventually(lambda: stage_is(api.reviewer(), case_b, ReviewStage.PUBLISHED), "publication")
    notice = (await api.case(case_b)).notice_id
    assert notice is not None

    async def running() -> bool:
        try:
            await api.notice(notice)
            return True
        except Exception:  # noqa: BLE001 - not started yet
            return False

    await eventually(running, "the notice's workflow")
    await api.reviewer("sup.dana").cancel(notice, "Refugee status confirmed.")

    case_a = await submit(api, example_body(FRAUD))
    await to_legal_assessment(api, case_a)
    await api.reviewer("legal.eli").assess(case_a, Verdict.NON_COMPLIANT, "Predominantly political.")
    await eventually(lambda: stage_is(api.reviewer(), case_a, ReviewStage.AWAITING_DECISION), "awaiting decision")
    return World(case_a, case_b, body_b, notice)


def routes(world: World) -> list[Route]:
    b = {"request_id": world.case_b}
    a = {"request_id": world.case_a}
    n = {"notice_id": world.notice}
    everyone = dict.fromkeys(REVIEWERS, 200)
    return [
        # NCB integrations
        Route("POST", "/v1/requests", {"ncb:FR": 200}, body=world.body_b),
        Route("GET", "/v1/requests/{request_id}", {"ncb:FR": 200}, b, refused={"ncb:DE": 404}),
        Route("POST", "/v1/requests/{request_id}/replies", {"ncb:FR": 409}, b, {"answer": "Yes."},
              refused={"ncb:DE": 404}),
        Route("POST", "/v1/requests/{request_id}/withdrawal", {"ncb:FR": 409}, b, {"reason": "Arrested."},
              refused={"ncb:DE": 404}),
        Route("GET", "/v1/notices", {"ncb:FR": 200, "ncb:DE": 200}),
        Route("POST", "/v1/notices/{notice_id}/acknowledgements", {"ncb:FR": 200, "ncb:DE": 200}, n, {}),
        Route("POST", "/v1/notices/{notice_id}/renewal", {"ncb:FR": 409}, n, {"reason": "Still wanted."}),
        # reviewers, reading
        Route("GET", "/v1/cases", everyone),
        Route("GET", "/v1/cases/{request_id}", everyone, a),
        Route("GET", "/v1/ndtf/notices/{notice_id}", everyone, n),
        Route("GET", "/v1/ndtf/notices/{notice_id}/acks", everyone, n),
        # reviewers, acting: the roles the door lets through reach the workflow, which refuses (409)
        Route("POST", "/v1/cases/{request_id}/info-requests", dict.fromkeys(REVIEWERS, 409), a,
              {"question": "Anything new?"}),
        Route("POST", "/v1/cases/{request_id}/sources", dict.fromkeys(REVIEWERS, 409), b,
              {"source": "https://example.org/report", "summary": "A report on the case."}),
        Route("POST", "/v1/cases/{request_id}/claim", dict.fromkeys(REVIEWERS, 409), b, {}),
        Route("POST", "/v1/cases/{request_id}/release", dict.fromkeys(REVIEWERS, 409), b, {}),
        Route("POST", "/v1/cases/{request_id}/review-conclusion", dict.fromkeys(REVIEWERS, 409), a,
              {"summary": "Done."}),
        Route("POST", "/v1/cases/{request_id}/assessment", {"reviewer:legal.ana": 409}, a,
              {"verdict": "compliant", "basis": "Fine."}),
        Route("POST", "/v1/cases/{request_id}/decision", {"reviewer:legal.ana": 409, "reviewer:sup.hiro": 409}, a,
              {"outcome": "approve", "reason": "Fine."}),
        Route("POST", "/v1/ndtf/notices/{notice_id}/block", {"reviewer:legal.ana": 409, "reviewer:sup.hiro": 409}, n,
              {"reason": "Doubts."}),
        Route("POST", "/v1/ndtf/notices/{notice_id}/unblock", {"reviewer:sup.hiro": 409}, n, {"reason": "Cleared."}),
        Route("POST", "/v1/ndtf/notices/{notice_id}/cancel", {"reviewer:sup.hiro": 409}, n, {"reason": "Again."}),
        # administration
        Route("PUT", "/v1/reference-data/{kind}", {"admin": 200}, {"kind": "reviewers"}, csv=ROSTER_CSV.read_bytes()),
        Route("GET", "/v1/audit/verification", {**everyone, "admin": 200}),
        Route("POST", "/v1/queue/backfill", {"admin": 200}),
    ]


async def snapshot(api: Api, world: World) -> dict[str, Any]:
    """What a refusal must leave as it was."""
    a, b, notice = await api.case(world.case_a), await api.case(world.case_b), await api.notice(world.notice)
    return {
        "a": (a.stage, [e.model_dump() for e in a.timeline], len(a.rejected), a.decision, a.info_requests),
        "b": (b.stage, len(b.timeline), len(b.rejected), b.withdrawal_reason),
        "notice": (notice.status, notice.expires_at, notice.renewals, [e.model_dump() for e in notice.timeline],
                   len(notice.rejected)),
    }


async def send(api: Api, route: Route, caller: str) -> httpx.Response:
    kwargs: dict[str, Any] = {}
    if route.csv is not None:
        kwargs = {"content": route.csv, "headers": {"Content-Type": "text/csv"}}
    elif route.body is not None:
        kwargs = {"json": route.body}
    who = None if caller == "anonymous" else caller
    return await api.call(who, route.method, route.path(), **kwargs)


async def test_every_route_answers_every_caller_as_the_matrix_says_and_audits_each_refusal(api: Api) -> None:
    world = await build_world(api)
    table = routes(world)
    assert {(r.method, r.template) for r in table} == {
        (method, path) for path, item in (await api.http.get("/openapi.json")).json()["paths"].items()
        for method in (m.upper() for m in item)
    }, "the matrix covers every route the API serves"
    mismatches: list[str] = []
    for route in table:
        for caller in CALLERS:
            expected = route.expected(caller)
            refusal = expected in (401, 403, 404, 409)
            before = await snapshot(api, world) if refusal else None
            audited = await api.refusals()
            response = await send(api, route, caller)
            where = f"{route.method} {route.template} as {caller}"
            if response.status_code != expected:
                mismatches.append(f"{where}: {response.status_code} (expected {expected}) {response.text[:200]}")
                continue
            if not refusal:
                continue
            assert response.headers["content-type"].startswith("application/problem+json"), where
            if expected == 401:
                assert response.headers["WWW-Authenticate"].startswith("Bearer"), where
            assert await snapshot(api, world) == before, f"{where} changed something"
            entries = await api.refusal_entries()
            assert len(entries) == audited + 1, f"{where}: expected one audit entry"
            entry = entries[-1]
            detail = json.loads(entry.detail)
            assert (entry.actor, detail["method"], detail["route"], detail["status"]) == (
                actor_of(caller), route.method, route.template, expected
            ), f"{where}: {entry.actor} {detail}"
            assert detail["reason"] and detail["kind"] and detail["http_request_id"]
            if "request_id" in route.values:
                assert entry.subject_id == route.values["request_id"], where
    assert not mismatches, "\n".join(mismatches)
    verified = await api.call("admin", "GET", "/v1/audit/verification")
    assert verified.json()["ok"] is True, "the refusals were chained like every other entry"


async def test_another_ncbs_request_is_answered_exactly_as_an_unknown_one(api: Api) -> None:
    request_id = await submit(api, example_body(FRAUD))
    unknown = "R-FR-0000000000000000"
    audited = await api.refusals()
    hidden = await api.call("ncb:DE", "GET", f"/v1/requests/{request_id}")
    assert await api.refusals() == audited + 1, "the attempt on another NCB's request is audited"
    missing = await api.call("ncb:FR", "GET", f"/v1/requests/{unknown}")
    assert hidden.status_code == missing.status_code == 404
    strip = lambda r: {k: v for k, v in r.json().items() if k != "instance"}  # noqa: E731
    assert strip(hidden) == strip(missing)
    for path, body in ((f"/v1/requests/{request_id}/withdrawal", {"reason": "x"}),
                       (f"/v1/requests/{request_id}/replies", {"answer": "x"})):
        answer = await api.call("ncb:DE", "POST", path, json=body)
        assert answer.status_code == 404 and strip(answer) == strip(missing), answer.text
    amend = await api.call("ncb:DE", "POST", f"/v1/requests/{request_id}/replies",
                           json={"answer": "x", "amendments": {"purpose": "prosecution"}})
    assert amend.status_code == 403 and amend.json()["errors"][0]["field"] == "amendments"


async def test_a_body_naming_someone_else_is_refused_and_the_caller_need_not_name_itself(api: Api) -> None:
    request_id = await submit(api, example_body(FRAUD))
    await to_legal_assessment(api, request_id)
    before = await api.case(request_id)
    audited = await api.refusals()
    other_ncb = await api.call("ncb:FR", "POST", f"/v1/requests/{request_id}/withdrawal",
                               json={"reason": "x", "ncb": "DE"})
    assert other_ncb.status_code == 403 and other_ncb.json()["kind"] == "WrongPrincipal"
    assert other_ncb.json()["errors"] == [{"field": "ncb", "message": "must be 'FR' (your credential) or left out"}]
    other_reviewer = await api.call("reviewer:police.ben", "POST", f"/v1/cases/{request_id}/info-requests",
                                    json={"question": "?", "reviewer_id": "sup.dana"})
    assert other_reviewer.status_code == 403 and other_reviewer.json()["errors"][0]["field"] == "reviewer_id"
    foreign = example_body(FRAUD)
    foreign_submit = await api.call("ncb:DE", "POST", "/v1/requests", json=foreign)
    assert foreign_submit.status_code == 403 and foreign_submit.json()["errors"][0]["field"] == "requesting_ncb"
    assert await api.refusals() == audited + 3
    after = await api.case(request_id)
    assert (after.stage, after.timeline, after.info_requests) == (before.stage, before.timeline, before.info_requests)

    named = await api.call("reviewer:police.ben", "POST", f"/v1/cases/{request_id}/info-requests",
                           json={"question": "Is the warrant still valid?", "reviewer_id": "police.ben"})
    assert named.status_code == 200, named.text
    assert (await api.case(request_id)).info_requests[0].asked_by == "police.ben", "the credential's reviewer acts"


async def test_a_reviewer_taken_off_the_roster_is_refused_at_once(api: Api) -> None:
    assert (await api.call("reviewer:police.ben", "GET", "/v1/cases")).status_code == 200
    roster = b"\n".join(line for line in ROSTER_CSV.read_bytes().splitlines() if not line.startswith(b"police.ben"))
    loaded = await api.call("admin", "PUT", "/v1/reference-data/reviewers", content=roster + b"\n",
                            headers={"Content-Type": "text/csv"})
    assert loaded.status_code == 200 and loaded.json()["changed"] is True, loaded.text
    refused = await api.call("reviewer:police.ben", "GET", "/v1/cases")
    assert refused.status_code == 403 and refused.json()["kind"] == "NotInRoster"


async def test_approving_over_blocking_findings_is_a_supervisors_and_is_checked_at_the_door(api: Api) -> None:
    """The override is refused by role before any workflow is asked, whatever the case."""
    path = "/v1/cases/R-FR-0000000000000000/decision"
    body = {"outcome": "approve", "reason": "Urgent.", "override_justification": "Particular importance."}
    refused = await api.call("reviewer:legal.ana", "POST", path, json=body)
    assert refused.status_code == 403 and refused.json()["kind"] == "RoleNotAllowed", refused.text
    passed = await api.call("reviewer:sup.hiro", "POST", path, json=body)
    assert passed.status_code == 404, "a supervisor gets through the door, to a case that does not exist"
