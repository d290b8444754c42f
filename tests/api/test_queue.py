"""GET /v1/cases: the queue a page at a time, answered from the registry (no Temporal call: the app here
has none that answers), with the old query parameters, the cursor, the claims and the counts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from api.credentials import LocalCredentials
from api.limits import Limits
from models.activities import CaseEvent, RegisterRequestInput
from models.case import ReviewStage
from models.queue import QueueSnapshot
from registry.database import Database
from registry.store import Registry
from runtime.client import data_converter
from runtime.config import Settings
from tests.api.conftest import Tokens, http_client, light_app
from tests.api.test_routes import bearer, problem
from tests.data.conftest import make_request

NOW = datetime.now(UTC).replace(microsecond=0)
CASES = 120
STAGES = (ReviewStage.DETAILED_REVIEW, ReviewStage.LEGAL_ASSESSMENT, ReviewStage.AWAITING_CLARIFICATION)


async def _case(registry: Registry, n: int, stage: ReviewStage, assignee: str | None = None) -> str:
    request_id = f"R-Q-{n:04d}"
    ncb = "FR" if n % 2 else "DE"
    await registry.register_request(RegisterRequestInput(
        request_id=request_id, workflow_id=f"wf-{request_id}", registered_at=NOW,
        request=make_request(ncb=ncb, reference=request_id),
    ))
    snapshot = QueueSnapshot(
        version=2, kind="red_notice", requesting_ncb=ncb, risk="high" if n % 5 == 0 else "low",
        next_deadline=NOW + timedelta(hours=(n * 37) % 500), assignee=assignee,
        claimed_until=NOW + timedelta(hours=2) if assignee else None,
    )
    await registry.record_case_event(CaseEvent(
        event_key=f"{request_id}/event/2", request_id=request_id, actor="system", action=f"stage:{stage.value}",
        stage=stage, at=NOW, queue=snapshot,
    ))
    return request_id


@pytest.fixture
async def queue_http(
    registry_db: Database, api_credentials: tuple[LocalCredentials, Tokens]
) -> AsyncIterator[tuple[httpx.AsyncClient, Tokens]]:
    """The API over a registry holding ``CASES`` open cases, and a Temporal nothing listens on."""
    registry = Registry(registry_db, Settings())
    for n in range(CASES):
        await _case(registry, n, STAGES[n % len(STAGES)], assignee="legal.ana" if n % 7 == 0 else None)
    credentials, tokens = api_credentials
    nowhere = await Client.connect("127.0.0.1:1", lazy=True, data_converter=data_converter())
    limits = Limits(rate_per_second=1000, burst=1000)
    async with http_client(light_app(nowhere, registry_db, credentials, limits)) as http:
        yield http, tokens


async def test_the_queue_pages_through_every_case_oldest_deadline_first_with_its_counts(
    queue_http: tuple[httpx.AsyncClient, Tokens],
) -> None:
    http, tokens = queue_http
    me = bearer(tokens, "reviewer:legal.ana")
    pages: list[dict[str, Any]] = [(await http.get("/v1/cases", headers=me)).json()]
    while pages[-1]["next_cursor"]:
        answer = await http.get("/v1/cases", headers=me, params={"cursor": pages[-1]["next_cursor"]})
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
    entries = [e for page in pages for e in page["entries"]]
    reviewing = [n for n in range(CASES) if STAGES[n % len(STAGES)] is not ReviewStage.AWAITING_CLARIFICATION]
    assert [len(page["entries"]) for page in pages] == [50, 30], "the default page is 50"
    assert sorted(e["request_id"] for e in entries) == [f"R-Q-{n:04d}" for n in reviewing]
    deadlines = [(e["next_deadline"], e["request_id"]) for e in entries]
    assert deadlines == sorted(deadlines)
    assert pages[0]["total"] == len(reviewing)
    assert pages[0]["counts"] == {
        "registered": 0, "initial_screening": 0, "detailed_review": 40, "awaiting_clarification": 40,
        "legal_assessment": 40, "awaiting_decision": 0,
    }

    # the old parameters still work: `all` adds the cases awaiting an NCB, `stage` picks one
    everything = (await http.get("/v1/cases", headers=me, params={"all": "true", "limit": 500})).json()
    assert everything["total"] == len(everything["entries"]) == CASES and everything["next_cursor"] is None
    waiting = (await http.get("/v1/cases", headers=me, params={"stage": "awaiting_clarification"})).json()
    assert waiting["total"] == 40 and {e["stage"] for e in waiting["entries"]} == {"awaiting_clarification"}
    french_high = (await http.get("/v1/cases", headers=me, params={
        "requesting_ncb": "FR", "risk": "high", "stage": ["detailed_review", "legal_assessment"], "limit": 500,
    })).json()
    assert french_high["entries"] and all(
        (e["requesting_ncb"], e["risk"]) == ("FR", "high") for e in french_high["entries"])
    assert french_high["total"] == len(french_high["entries"])


async def test_me_is_the_caller_and_unassigned_leaves_out_the_claimed(
    queue_http: tuple[httpx.AsyncClient, Tokens],
) -> None:
    http, tokens = queue_http
    claimed = {f"R-Q-{n:04d}" for n in range(CASES) if n % 7 == 0 and STAGES[n % 3] is not STAGES[2]}
    mine = (await http.get("/v1/cases", headers=bearer(tokens, "reviewer:legal.ana"),
                           params={"assignee": "me", "limit": 500})).json()
    assert {e["request_id"] for e in mine["entries"]} == claimed and mine["total"] == len(claimed)
    assert all(e["assignee"] == "legal.ana" and e["claimed_until"] for e in mine["entries"])
    bens = (await http.get("/v1/cases", headers=bearer(tokens, "reviewer:police.ben"),
                           params={"assignee": "me"})).json()
    assert bens["entries"] == [] and bens["total"] == 0
    free = (await http.get("/v1/cases", headers=bearer(tokens, "reviewer:police.ben"),
                           params={"unassigned": "true", "limit": 500})).json()
    assert free["total"] == 80 - len(claimed) and not {e["request_id"] for e in free["entries"]} & claimed


async def test_a_bad_cursor_a_page_too_large_or_a_closed_stage_is_refused_naming_the_parameter(
    queue_http: tuple[httpx.AsyncClient, Tokens],
) -> None:
    http, tokens = queue_http
    me = bearer(tokens, "reviewer:legal.ana")
    bad = problem(await http.get("/v1/cases", headers=me, params={"cursor": "garbage"}), 422, "InvalidCursor")
    assert bad["errors"][0]["field"] == "cursor"
    problem(await http.get("/v1/cases", headers=me, params={"limit": 501}), 422)
    problem(await http.get("/v1/cases", headers=me, params={"stage": "published"}), 422, "ClosedStage")
    problem(await http.get("/v1/cases", headers=bearer(tokens, "ncb:FR")), 403)
    problem(await http.post("/v1/queue/backfill", headers=me), 403)
