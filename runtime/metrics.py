"""Metrics for the people who run the service, beyond the Temporal SDK's own.

The worker serves them with the SDK's on one Prometheus endpoint (``METRICS_PORT``): they go through the
SDK runtime's metric meter, so workflows can record theirs with ``workflow.metric_meter()``, which
records nothing while a workflow replays (so a replay never counts a stage change twice). The worker
refreshes the gauges from Temporal's visibility (one count per stage, as the queue reads them: the
search attributes) and from the registry's outbox. The API's own (latency by route, refusals by kind)
are in ``api/metrics.py`` and ``api/problems.py``, on the API's ``/metrics``.

Names are constants here so the Grafana dashboard can be checked against them
(``tests/runtime/test_compose.py``). No label carries an id or personal data: stages, statuses, kinds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from temporalio.client import Client
from temporalio.common import MetricMeter
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from models.case import FINAL_STAGES, ReviewStage
from models.notice import NoticeStatus

log = logging.getLogger("notice.metrics")

STAGE_DURATION = "notice_review_stage_duration_seconds"
"""Histogram, from the request workflow: how long a case stayed in a stage, recorded when it leaves it
(labels ``stage``, ``kind``)."""
CASES = "notice_review_cases"
"""Gauge: open cases by ``stage`` (running request workflows, by their ``ReviewStage``)."""
NOTICES = "notice_review_notices"
"""Gauge: notices followed by a running lifetime workflow, by ``status``."""
CASES_OVERDUE = "notice_review_cases_overdue"
"""Gauge: open cases where an NCB missed a deadline (``Overdue=true``)."""
CASES_ESCALATED = "notice_review_cases_escalated"
"""Gauge: open cases past the review service level (``Escalated=true``)."""
DEADLINES_PASSED = "notice_review_deadlines_passed"
"""Gauge: running workflows whose ``NextDeadline`` is in the past by more than a minute, by ``workflow``
(``case``, ``notice``). A workflow acts on its deadline at once, so anything here is stuck: no worker,
or a failing workflow task."""
MESSAGES_WAITING = "notice_review_messages_waiting"
"""Gauge: recipients of outbox messages not delivered yet (the registry's ``outbox_deliveries``)."""
MESSAGES_OLDEST_WAITING = "notice_review_messages_oldest_waiting_seconds"
"""Gauge: age of the oldest message still waiting for a recipient (0 when none waits)."""
GAUGES_REFRESHED = "notice_review_gauges_refreshed_timestamp_seconds"
"""Gauge: when the gauges above were last refreshed (Unix time): a stale value means they are stale."""

API_REQUEST_DURATION = "notice_api_request_duration_seconds"
"""Histogram, from the API: time to answer, by ``method``, route template (``route``) and ``status``."""
API_REFUSALS = "notice_api_refusals_total"
"""Counter, from the API: problems answered, by ``kind`` (``WrongStage``, ``FourEyes``, ``Forbidden``…)
and ``status``."""

WORKER_METRICS = (
    STAGE_DURATION,
    CASES,
    NOTICES,
    CASES_OVERDUE,
    CASES_ESCALATED,
    DEADLINES_PASSED,
    MESSAGES_WAITING,
    MESSAGES_OLDEST_WAITING,
    GAUGES_REFRESHED,
)
API_METRICS = (API_REQUEST_DURATION, API_REFUSALS)

SDK_METRICS = (
    "temporal_workflow_completed",
    "temporal_workflow_failed",
    "temporal_workflow_task_execution_failed",
    "temporal_workflow_task_schedule_to_start_latency",
    "temporal_activity_execution_failed",
    "temporal_activity_execution_latency",
    "temporal_activity_schedule_to_start_latency",
    "temporal_worker_task_slots_available",
)
"""The SDK's own metrics the dashboard reads (the SDK serves many more)."""

OPEN_STAGES = tuple(stage for stage in ReviewStage if stage not in FINAL_STAGES)
STAGE_BUCKETS = (
    60.0,
    600.0,
    3600.0,
    6 * 3600.0,
    86400.0,
    3 * 86400.0,
    7 * 86400.0,
    14 * 86400.0,
    30 * 86400.0,
    60 * 86400.0,
    90 * 86400.0,
)
"""A minute to three months: screening takes seconds, an NCB has 30 days, a review its service level."""
REFRESH_EVERY = timedelta(seconds=30)
PAST_DUE_GRACE = timedelta(minutes=1)


def prometheus_runtime(port: int, host: str = "0.0.0.0") -> Runtime:
    """A Temporal runtime serving the SDK's metrics and ours on ``host:port`` (``/metrics``)."""
    return Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(
                bind_address=f"{host}:{port}",
                histogram_bucket_overrides={STAGE_DURATION: list(STAGE_BUCKETS)},
            )
        )
    )


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Outbox:
    """What waits in the registry's outbox: recipients not delivered yet, and the oldest one's age."""

    waiting: int
    oldest_seconds: float


class ServiceGauges:
    """Counts the service's open work and sets the gauges; ``run`` refreshes them until cancelled.

    ``task_queue`` keeps the counts to this service's workflows when the namespace holds others too."""

    def __init__(
        self,
        client: Client,
        meter: MetricMeter,
        outbox: Callable[[], Awaitable[Outbox]],
        task_queue: str | None = None,
    ) -> None:
        self.client = client
        self.outbox = outbox
        self.scope = f" AND TaskQueue={_quoted(task_queue)}" if task_queue else ""
        self.cases = meter.create_gauge(CASES, "Open cases by review stage")
        self.notices = meter.create_gauge(NOTICES, "Notices followed by a running lifetime workflow, by status")
        self.overdue = meter.create_gauge(CASES_OVERDUE, "Open cases where an NCB missed a deadline")
        self.escalated = meter.create_gauge(CASES_ESCALATED, "Open cases past the review service level")
        self.passed = meter.create_gauge(DEADLINES_PASSED, "Running workflows whose next deadline has passed")
        self.waiting = meter.create_gauge(MESSAGES_WAITING, "Outbox recipients not delivered yet")
        self.oldest = meter.create_gauge_float(MESSAGES_OLDEST_WAITING, "Age of the oldest undelivered message", "s")
        self.refreshed = meter.create_gauge_float(GAUGES_REFRESHED, "When these gauges were last refreshed", "s")

    async def _count(self, workflow_type: str, condition: str = "") -> int:
        query = f'WorkflowType="{workflow_type}" AND ExecutionStatus="Running"{self.scope}'
        if condition:
            query += f" AND {condition}"
        return (await self.client.count_workflows(query)).count

    async def refresh(self, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        cases = "NoticeRequestWorkflow"
        notices = "PublishedNoticeWorkflow"
        for stage in OPEN_STAGES:
            self.cases.set(await self._count(cases, f"ReviewStage={_quoted(stage.value)}"), {"stage": stage.value})
        for status in NoticeStatus:
            self.notices.set(
                await self._count(notices, f"ReviewStage={_quoted(status.value)}"), {"status": status.value}
            )
        self.overdue.set(await self._count(cases, "Overdue=true"))
        self.escalated.set(await self._count(cases, "Escalated=true"))
        cutoff = (now - PAST_DUE_GRACE).isoformat(timespec="seconds").replace("+00:00", "Z")
        for label, workflow_type in (("case", cases), ("notice", notices)):
            self.passed.set(await self._count(workflow_type, f'NextDeadline < "{cutoff}"'), {"workflow": label})
        outbox = await self.outbox()
        self.waiting.set(outbox.waiting)
        self.oldest.set(outbox.oldest_seconds)
        self.refreshed.set(now.timestamp())

    async def run(self, every: timedelta = REFRESH_EVERY) -> None:
        """Refresh now, then every ``every``; a failed refresh is logged and tried again next time."""
        while True:
            try:
                await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - metrics must never stop the worker
                log.exception("could not refresh the service gauges")
            await asyncio.sleep(every.total_seconds())
