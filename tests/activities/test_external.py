"""External, credible sources in screening (activities/external.py) against a local stand-in for a yente
``/match`` service on 127.0.0.1 that answers in the real API's shape (yente/data/common.py:
``EntityMatchResponse`` of ``EntityMatches`` of ``ScoredEntityResponse``)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.external import ExternalScreening
from activities.screening import ScreeningActivities
from models.activities import ScreenRequestInput
from models.case import CaseState, ReviewStage
from models.findings import Finding, RiskLevel, Severity
from models.request import NoticeRequest
from registry.database import Database
from runtime.config import Settings
from tests.workflows.conftest import Mailbox, Service, example, free_port
from worker import build_worker

FRAUD = "red-notice-fraud.json"  # MARCHETTI Lucien Paul, born 1979-04-12, FR and IT, alias MARKETTI Luciano
INCOMPLETE = "red-notice-incomplete.json"  # rule findings of its own
TODAY = date(2026, 3, 1)


def hit(score: float, entity_id: str = "NK-marchetti", **changes: Any) -> dict[str, Any]:
    """A ``ScoredEntityResponse`` as yente serialises it."""
    result = {
        "id": entity_id,
        "caption": "Lucien MARCHETTI",
        "schema": "Person",
        "properties": {
            "name": ["Lucien MARCHETTI"],
            "birthDate": ["1979-04-12"],
            "nationality": ["fr"],
            "topics": ["sanction"],
        },
        "datasets": ["eu_fsf", "us_ofac_sdn"],
        "referents": ["eu-fsf-12345", "ofac-67890"],
        "target": True,
        "first_seen": "2024-02-01T00:00:00",
        "last_seen": "2026-02-27T00:00:00",
        "last_change": "2025-06-11T00:00:00",
        "score": score,
        "explanations": {"name_literal_match": {"score": 1.0, "detail": "Lucien MARCHETTI ~ Lucien Paul MARCHETTI"}},
        "match": score >= 0.7,
    }
    result.update(changes)
    return result


@dataclass
class Received:
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeYente:
    """An HTTP server in a thread that answers ``POST /match/<dataset>`` as yente does."""

    port: int = 0
    hits: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """The results per name searched (yente's ``name`` property); any other name finds nothing."""
    mode: str = "ok"
    """ok, error (500), html (200 that is not JSON), shape (JSON that is not the API's), slow (answers late)."""
    delay: float = 2.0
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, body: Any) -> tuple[int, str, bytes]:
        if self.mode == "error":
            return 500, "application/json", json.dumps({"detail": "Index is not ready"}).encode()
        if self.mode == "html":
            return 200, "text/html", b"<html><body>Gateway login</body></html>"
        if self.mode == "shape":
            return 200, "application/json", json.dumps({"results": [hit(0.9)]}).encode()
        if self.mode == "slow":
            time.sleep(self.delay)
        responses = {}
        for key, query in body["queries"].items():
            results = [r for name in query["properties"]["name"] for r in self.hits.get(name, [])]
            responses[key] = {
                "status": 200,
                "results": results,
                "total": {"value": len(results), "relation": "eq"},
                "query": {"id": None, "schema": query["schema"], "properties": query["properties"]},
            }
        return 200, "application/json", json.dumps({"responses": responses, "limit": 5}).encode()


@pytest.fixture
def yente() -> Iterator[FakeYente]:
    fake = FakeYente()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server hook
            parts = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.loads(raw)
            fake.received.append(Received(parts.path, parse_qs(parts.query), dict(self.headers.items()), body))
            status, content_type, content = fake.answer(body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
            except OSError:  # the client gave up (the slow case)
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def config(url: str | None, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": "unused",
        "external_screening_url": url,
        "external_screening_dataset": "default",
        "external_screening_api_key": None,
        "external_screening_threshold": 0.7,
        "external_screening_timeout": 5.0,
        **changes,
    }
    return Settings(**values)


def request(name: str = FRAUD) -> NoticeRequest:
    return example(name)


async def screen_via_activity(db: Database, settings: Settings, name: str = FRAUD) -> list[Finding]:
    activities = ScreeningActivities(db, settings)
    result = await ActivityEnvironment().run(
        activities.screen_request, ScreenRequestInput(request_id=f"RQ-{uuid.uuid4().hex[:8]}",
                                                      request=request(name), as_of=TODAY)
    )
    return result.findings


def external(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.source == "external"]


# --- the adapter on its own -------------------------------------------------------------------------


async def test_a_hit_above_the_threshold_is_an_external_finding_with_its_evidence(yente: FakeYente) -> None:
    yente.hits["Lucien Paul MARCHETTI"] = [hit(0.83)]
    source = ExternalScreening.from_settings(config(yente.url))
    assert source is not None
    before = datetime.now().astimezone()
    [finding] = await source.screen(request())

    assert finding.rule_id == "external.match"
    assert finding.source == "external"
    assert finding.severity is Severity.DOUBT
    assert finding.article == "RPD Art. 34(3)"
    assert finding.field == "subject"
    assert finding.score == 83.0
    assert finding.message == (
        "The subject appears on eu_fsf, us_ofac_sdn as Lucien MARCHETTI (score 0.83, listed for sanction); "
        "check whether it is the same person and whether the listing bears on Article 3."
    )
    evidence = finding.evidence
    assert evidence["source_url"] == f"{yente.url}/match/default"
    assert evidence["datasets"] == "eu_fsf;us_ofac_sdn"
    assert evidence["entity_id"] == "NK-marchetti"
    assert evidence["caption"] == "Lucien MARCHETTI"
    assert evidence["score"] == "0.83"
    assert evidence["topics"] == "sanction"
    assert evidence["list_birth_dates"] == "1979-04-12"
    assert evidence["list_nationalities"] == "fr"
    assert evidence["searched_name"] == "Lucien Paul MARCHETTI"
    retrieved = datetime.fromisoformat(evidence["retrieved_at"])
    assert abs((retrieved - before).total_seconds()) < 5


async def test_a_hit_below_the_threshold_is_no_finding(yente: FakeYente) -> None:
    yente.hits["Lucien Paul MARCHETTI"] = [hit(0.69)]
    source = ExternalScreening.from_settings(config(yente.url))
    assert source is not None
    assert await source.screen(request()) == []
    assert len(yente.received) == 1


async def test_an_alias_hit_names_the_alias_and_each_entity_is_reported_once_with_its_best_score(
    yente: FakeYente,
) -> None:
    yente.hits["Lucien Paul MARCHETTI"] = [hit(0.75)]
    other = hit(0.72, "NK-other", caption="Luciano MARKETTI", datasets=["ru_wanted"],
                properties={"name": ["Luciano MARKETTI"], "topics": ["wanted"]})
    yente.hits["Luciano MARKETTI"] = [hit(0.91), other]
    source = ExternalScreening.from_settings(config(yente.url))
    assert source is not None
    findings = await source.screen(request())

    assert [(f.evidence["entity_id"], f.field, f.evidence["score"]) for f in findings] == [
        ("NK-marchetti", "subject.aliases[0]", "0.91"),
        ("NK-other", "subject.aliases[0]", "0.72"),
    ]
    assert findings[0].message.startswith("The subject (through the alias 'Luciano MARKETTI') appears on eu_fsf")
    assert "listed for wanted" in findings[1].message


async def test_the_request_is_yentes_match_shape_with_every_name_birth_date_and_nationality(yente: FakeYente) -> None:
    source = ExternalScreening.from_settings(config(yente.url, external_screening_dataset="sanctions"))
    assert source is not None
    await source.screen(request())

    [sent] = yente.received
    assert sent.path == "/match/sanctions"
    assert sent.params == {"algorithm": ["best"], "threshold": ["0.7"], "limit": ["5"]}
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.body == {
        "queries": {
            "q0": {"schema": "Person", "properties": {
                "name": ["Lucien Paul MARCHETTI"], "birthDate": ["1979-04-12"], "nationality": ["fr", "it"],
            }},
            "q1": {"schema": "Person", "properties": {
                "name": ["Luciano MARKETTI"], "birthDate": ["1979-04-12"], "nationality": ["fr", "it"],
            }},
        }
    }
    assert "Authorization" not in sent.headers


async def test_the_api_key_is_sent_when_configured_and_never_shown(yente: FakeYente) -> None:
    source = ExternalScreening.from_settings(config(yente.url, external_screening_api_key="s3cret-key"))
    assert source is not None
    yente.mode = "error"
    [finding] = await source.screen(request())

    assert yente.received[0].headers["Authorization"] == "ApiKey s3cret-key"
    assert "s3cret-key" not in finding.message + json.dumps(finding.evidence)


# --- the service down, slow or answering garbage: screening goes on -----------------------------------


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("down", "ConnectError"),
        ("slow", "no answer within 0.5 s"),
        ("error", "HTTP 500: Index is not ready"),
        ("html", "the answer is not JSON"),
        ("shape", "the answer is not the /match response shape"),
    ],
)
async def test_an_unavailable_service_is_one_info_finding_and_screening_returns_the_rest(
    yente: FakeYente, registry_db: Database, mode: str, error: str
) -> None:
    url = yente.url
    if mode == "down":
        url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    else:
        yente.mode = mode
    without = await screen_via_activity(registry_db, config(None), INCOMPLETE)
    assert without, "the example has findings of its own"

    started = time.monotonic()
    findings = await screen_via_activity(registry_db, config(url, external_screening_timeout=0.5), INCOMPLETE)
    assert time.monotonic() - started < 3

    assert findings[: len(without)] == without
    [unavailable] = findings[len(without):]
    assert unavailable.rule_id == "external.unavailable"
    assert unavailable.source == "external"
    assert unavailable.severity is Severity.INFO
    assert unavailable.field == "subject"
    assert error in unavailable.evidence["error"]
    assert unavailable.evidence["source_url"] == f"{url}/match/default"
    assert f"{url}/match/default could not be consulted ({unavailable.evidence['error']})" in unavailable.message


async def test_no_url_means_no_external_finding_and_no_network_call(
    yente: FakeYente, registry_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_network(*args: Any, **kwargs: Any) -> httpx.Response:
        raise AssertionError("no external screening service is configured: nothing may be called")

    monkeypatch.setattr(httpx.AsyncClient, "send", no_network)
    assert ExternalScreening.from_settings(config(None)) is None
    findings = await screen_via_activity(registry_db, config(None))
    assert external(findings) == []
    assert ScreeningActivities(registry_db)._external is None  # the default: nothing configured
    assert yente.received == []


# --- through the activity and the worker ---------------------------------------------------------------


async def test_the_activity_adds_the_external_finding_to_the_others_and_to_the_risk(
    yente: FakeYente, registry_db: Database
) -> None:
    yente.hits["Lucien Paul MARCHETTI"] = [hit(0.83)]
    without = await screen_via_activity(registry_db, config(None))
    assert not [f for f in without if f.severity is not Severity.INFO]

    activities = ScreeningActivities(registry_db, config(yente.url))
    result = await ActivityEnvironment().run(
        activities.screen_request, ScreenRequestInput(request_id="RQ-ext-1", request=request(), as_of=TODAY)
    )
    assert result.findings[: len(without)] == without
    [finding] = external(result.findings)
    assert finding.rule_id == "external.match"
    assert result.risk is RiskLevel.MEDIUM


@pytest.fixture
async def service_with_yente(
    time_skipping: WorkflowEnvironment, registry_db: Database, mailbox: Mailbox, yente: FakeYente
) -> AsyncIterator[Service]:
    task_queue = f"tq-{uuid.uuid4().hex[:10]}"
    settings = config(yente.url, task_queue=task_queue, smtp_host="127.0.0.1", smtp_port=mailbox.port)
    async with build_worker(time_skipping.client, registry_db, settings, task_queue):
        yield Service(time_skipping, time_skipping.client, task_queue, registry_db, mailbox)


async def test_the_external_finding_reaches_the_case(service_with_yente: Service, yente: FakeYente) -> None:
    service = service_with_yente
    yente.hits["Lucien Paul MARCHETTI"] = [hit(0.83)]
    submitted = request()
    submission = await service.ncb(submitted.requesting_ncb).submit(submitted)

    reviewer = service.reviewer("legal.ana")
    state: CaseState = await reviewer.show(submission.request_id)
    for _ in range(300):
        if state.stage not in (ReviewStage.REGISTERED, ReviewStage.INITIAL_SCREENING):
            break
        await asyncio.sleep(0.1)
        state = await reviewer.show(submission.request_id)

    [finding] = external(state.findings)
    assert finding.rule_id == "external.match"
    assert finding.evidence["entity_id"] == "NK-marchetti"
    assert state.stage is ReviewStage.DETAILED_REVIEW  # a doubt: the clean fraud request now goes to a reviewer
    assert state.risk is RiskLevel.MEDIUM
    assert len(yente.received) == 1
