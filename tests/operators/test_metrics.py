"""The metrics the people who run the service read, scraped as Prometheus scrapes them: the worker's
(beside the SDK's, on its metrics port) move when a case moves, and the API's count a refused request
by its kind and time each route by its template."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from models.activities import MessageKind, OutboxMessage
from registry.database import Database
from registry.store import Registry
from registry.tables import OutboxDeliveryRow
from runtime import metrics
from runtime.config import Settings
from tests.operators.conftest import Stack, eventually, samples, scrape, value
from tests.runtime.test_compose import dashboard_metrics
from worker import outbox_waiting

FRAUD = "red-notice-fraud.json"  # from NCB FR: screened to legal assessment
ONLY_ON_FAILURE = {
    "temporal_workflow_failed",
    "temporal_workflow_task_execution_failed",
    "temporal_activity_execution_failed",
}


def count_of(text: str, stage: str) -> float:
    return value(text, metrics.STAGE_DURATION + "_count", stage=stage) or 0.0


@pytest.mark.devserver
async def test_worker_gauges_and_time_in_stage_move_when_a_case_moves(stack: Stack) -> None:
    before = await scrape(stack.metrics_url)
    left_assessment = count_of(before, "legal_assessment")
    left_screening = count_of(before, "initial_screening")

    request_id, _ = await stack.submit(FRAUD)
    await stack.reaches(request_id, "FR", "legal_assessment")

    async def gauges(expected: dict[str, float]) -> str | None:
        text = await scrape(stack.metrics_url)
        found = {stage: value(text, metrics.CASES, stage=stage) for stage in expected}
        return text if found == expected else None

    text = await eventually(
        lambda: gauges({"legal_assessment": 1, "awaiting_clarification": 0}), "one case counted in legal assessment"
    )
    assert count_of(text, "initial_screening") == left_screening + 1, "leaving screening is timed"
    assert value(text, metrics.CASES_OVERDUE) == 0 and value(text, metrics.CASES_ESCALATED) == 0
    assert value(text, metrics.DEADLINES_PASSED, workflow="case") == 0
    assert value(text, metrics.MESSAGES_WAITING) is not None
    refreshed = value(text, metrics.GAUGES_REFRESHED)
    assert refreshed is not None and time.time() - refreshed < 30

    asked = await stack.call(
        "reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/info-requests",
        json={"question": "Is the warrant still valid?", "due_days": 10},
    )
    assert asked.status_code == 200, asked.text
    text = await eventually(
        lambda: gauges({"legal_assessment": 0, "awaiting_clarification": 1}), "the case counted in its new stage"
    )
    assert count_of(text, "legal_assessment") == left_assessment + 1
    bucket_labels = {
        labels.get("le") for name, labels, _ in samples(text) if name == metrics.STAGE_DURATION + "_bucket"
    }
    assert {"60", "86400", "7776000"} <= {label.split(".")[0] for label in bucket_labels if label}, bucket_labels


@pytest.mark.devserver
async def test_api_counts_refusals_by_kind_and_times_routes_by_template(stack: Stack) -> None:
    request_id, _ = await stack.submit(FRAUD)
    await stack.reaches(request_id, "FR", "legal_assessment")
    before = (await stack.call(None, "GET", "/metrics")).text

    anonymous = await stack.call(None, "GET", f"/v1/requests/{request_id}")
    assert anonymous.status_code == 401
    wrong_stage = await stack.call(
        "reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/review-conclusion", json={"summary": "done"}
    )
    assert wrong_stage.status_code == 409, wrong_stage.text
    kind = wrong_stage.json()["kind"]

    scraped = await stack.call(None, "GET", "/metrics")
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    after = scraped.text

    def refusals(text: str, kind: str, status: str) -> float:
        return value(text, metrics.API_REFUSALS, kind=kind, status=status) or 0.0

    assert refusals(after, "Unauthenticated", "401") == refusals(before, "Unauthenticated", "401") + 1
    assert refusals(after, kind, "409") == refusals(before, kind, "409") + 1

    def timed(text: str, route: str, method: str, status: str) -> float:
        name = metrics.API_REQUEST_DURATION + "_count"
        return value(text, name, route=route, method=method, status=status) or 0.0

    route = "/v1/requests/{request_id}"
    assert timed(after, route, "GET", "401") == timed(before, route, "GET", "401") + 1
    assert timed(after, "/v1/requests", "POST", "201") >= 1
    assert timed(after, "/metrics", "GET", "200") >= 1
    assert request_id not in after, "a raw path (with its id) became a label"


@pytest.mark.devserver
async def test_every_metric_the_dashboard_reads_is_served(stack: Stack) -> None:
    """The Grafana dashboard's and the alerts' metrics, against what the worker and the API serve once a
    case has moved, a search has completed and a request was refused. The SDK's failure counters appear
    only once something fails."""
    request_id, _ = await stack.submit(FRAUD)
    await stack.reaches(request_id, "FR", "legal_assessment")
    await stack.ncb("FR").search(nationality="FR")
    assert (await stack.call(None, "GET", f"/v1/requests/{request_id}")).status_code == 401
    needed = set().union(*dashboard_metrics().values()) - ONLY_ON_FAILURE

    async def served() -> set[str] | None:
        texts = [await scrape(stack.metrics_url), (await stack.call(None, "GET", "/metrics")).text]
        names = {re.sub(r"_(bucket|count|sum)$", "", name) for text in texts for name, _, _ in samples(text)}
        return names if needed <= names else None

    names = await eventually(served, "every metric the dashboard reads", within=20)
    assert needed <= names


async def test_the_outbox_gauge_counts_recipients_not_delivered(registry_db: Database) -> None:
    assert (await outbox_waiting(registry_db)).waiting == 0
    created = datetime(2026, 1, 1, tzinfo=UTC)
    await Registry(registry_db, Settings(database_url="unused")).queue_message(
        OutboxMessage(
            message_key="R-FR-0/msg/1",
            kind=MessageKind.CLARIFICATION_REQUEST,
            to_ncbs=["FR", "DE", "IT"],
            subject="s",
            body="b",
            created_at=created,
            request_id="R-FR-0",
        )
    )
    waiting = await outbox_waiting(registry_db)
    assert waiting.waiting == 3
    assert waiting.oldest_seconds >= (datetime.now(UTC) - created).total_seconds() - 5
    async with registry_db.transaction() as session:
        await session.execute(
            update(OutboxDeliveryRow).where(OutboxDeliveryRow.ncb.in_(["FR", "DE"])).values(status="delivered")
        )
    assert (await outbox_waiting(registry_db)).waiting == 1
