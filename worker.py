"""Runs the workflows and activities on one task queue; configured by the environment.

Several of these can serve the same task queue: nothing in them is shared between processes.

Every activity that fails is logged once more by ``OutageLog``: which activity, for which request (or
notice, or message), which attempt, what is failing (the database, the mail server, Temporal) and that
Temporal retries it; the exception's type only, never its text or the activity's input, which may hold
a subject's name. ``NOTICE_FAULT_KILL`` (set by the fault harness, ``make chaos``, and by nothing else)
SIGKILLs this process on the Nth call of a named activity, before or after its work:
``register_request@2:after,deliver_message@1:before``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from temporalio import activity
from temporalio.client import Client
from temporalio.common import MetricMeter
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Worker,
)

from activities.dispatch import DispatchActivities
from activities.mail import MailActivities
from activities.registry import RegistryActivities
from activities.rescreen import RescreenActivities
from activities.screening import ScreeningActivities
from registry.database import Database
from registry.tables import OutboxDeliveryRow, OutboxRow
from runtime.client import connect
from runtime.config import Settings, settings
from runtime.logs import configure_logging
from runtime.metrics import Outbox, ServiceGauges, prometheus_runtime
from runtime.tracing import configure_tracing
from workflows.message_delivery import MessageDeliveryWorkflow
from workflows.notice_request import NoticeRequestWorkflow
from workflows.notice_search import NoticeSearchWorkflow
from workflows.published_notice import PublishedNoticeWorkflow
from workflows.rescreen import RescreenWorkflow

WORKFLOWS = [
    NoticeRequestWorkflow,
    PublishedNoticeWorkflow,
    MessageDeliveryWorkflow,
    NoticeSearchWorkflow,
    RescreenWorkflow,
]

log = logging.getLogger("notice.worker")
outage_log = logging.getLogger("notice.worker.retry")

FAULT_KILL_ENV = "NOTICE_FAULT_KILL"


def _subject_of(workflow_id: str | None) -> str:
    """What an activity works for, from its workflow id (derived from hashes and codes, no names)."""
    if not workflow_id:
        return "no workflow"
    for prefix, what in (("notice-request-", "request"), ("published-notice-", "notice"), ("deliver-", "message")):
        if workflow_id.startswith(prefix):
            return f"{what} {workflow_id.removeprefix(prefix)}"
    return f"workflow {workflow_id}"


DEPENDENCIES = (
    (("sqlalchemy", "asyncpg", "sqlite3", "aiosqlite", "psycopg", "registry"), "the database"),
    (("smtplib", "aiosmtplib"), "the mail server"),
    (("temporalio",), "Temporal"),
)


def _dependency(module: str) -> str | None:
    for prefixes, name in DEPENDENCIES:
        if module.split(".")[0] in prefixes:
            return name
    return None


def _what_fails(error: BaseException) -> str:
    """The dependency an activity's error points at, named without the error's text (which may quote
    the SQL parameters, hence a name): the innermost of our dependencies its traceback went through."""
    if isinstance(error, ApplicationError) and error.type == "MailDeliveryFailed":
        return "the mail server"
    seen: BaseException | None = error
    while seen is not None:
        found = _dependency(type(seen).__module__)
        trace = seen.__traceback__
        while trace is not None:
            found = _dependency(str(trace.tb_frame.f_globals.get("__name__", ""))) or found
            trace = trace.tb_next
        if found:
            return found
        seen = seen.__cause__ or seen.__context__
    return "a connection" if isinstance(error, OSError) else "the activity"


class _OutageLogInbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await self.next.execute_activity(input)
        except Exception as error:
            info = activity.info()
            retried = not (isinstance(error, ApplicationError) and error.non_retryable)
            outage_log.warning(
                "%s for %s failed on attempt %d: %s is failing (%s); %s",
                info.activity_type, _subject_of(info.workflow_id), info.attempt, _what_fails(error),
                type(error).__name__, "Temporal retries it" if retried else "not retried",
            )
            raise


class OutageLog(Interceptor):
    """One line per failed activity attempt: what is failing, for which request, and that it is retried."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _OutageLogInbound(next)


@dataclass(frozen=True)
class KillPoint:
    """Where the fault harness kills this worker: the Nth call (in this process) of an activity."""

    activity: str
    call: int
    after: bool


def parse_kill_points(spec: str) -> list[KillPoint]:
    """``register_request@2:after,screen_request@1`` (``before`` when left out)."""
    points = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, rest = item.partition("@")
        call, _, phase = rest.partition(":")
        if not name or not call.isdigit() or phase not in ("", "before", "after"):
            raise ValueError(f"{FAULT_KILL_ENV}: {item!r} is not ACTIVITY@N[:before|:after]")
        points.append(KillPoint(name, int(call), phase == "after"))
    return points


def _die(point: KillPoint) -> None:
    log.warning(
        "fault injection: SIGKILL in %s (call %d, %s its work)", point.activity, point.call,
        "after" if point.after else "before",
    )
    for handler in logging.getLogger().handlers:
        handler.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class _FaultInbound(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, faults: FaultInjection) -> None:
        super().__init__(next)
        self.faults = faults

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        name = activity.info().activity_type
        self.faults.calls[name] += 1
        point = self.faults.points.get((name, self.faults.calls[name]))
        if point is not None and not point.after:
            _die(point)
        result = await self.next.execute_activity(input)
        if point is not None:
            _die(point)  # the work is done and committed; its completion never reaches Temporal
        return result


class FaultInjection(Interceptor):
    """The harness's SIGKILL inside an activity. Present only when ``NOTICE_FAULT_KILL`` is set."""

    def __init__(self, points: list[KillPoint]) -> None:
        self.points = {(p.activity, p.call): p for p in points}
        self.calls: Counter[str] = Counter()

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _FaultInbound(next, self)


def interceptors_from_env() -> list[Interceptor]:
    """The outage log always; the fault injection when the harness asked for it."""
    spec = os.environ.get(FAULT_KILL_ENV, "").strip()
    found: list[Interceptor] = [OutageLog()]
    if spec:
        points = parse_kill_points(spec)
        log.warning("fault injection armed: %s", ", ".join(f"{p.activity}@{p.call}" for p in points))
        found.append(FaultInjection(points))
    return found


def build_worker(
    client: Client, db: Database, config: Settings, task_queue: str | None = None,
    interceptors: list[Interceptor] | None = None,
) -> Worker:
    """The worker, wired: used by `python -m worker` and by the tests alike."""
    registry = RegistryActivities(db, config)
    screening = ScreeningActivities(db, config)
    mail = MailActivities(db, config)
    rescreen = RescreenActivities(db)
    dispatch = DispatchActivities(client, registry.registry, MessageDeliveryWorkflow.run, PublishedNoticeWorkflow.run)
    return Worker(
        client,
        task_queue=task_queue or config.task_queue,
        workflows=WORKFLOWS,
        activities=[
            registry.register_request,
            registry.record_case_event,
            registry.queue_message,
            registry.publish_notice,
            registry.change_notice_status,
            registry.lookup_reviewer,
            registry.search_notices,
            registry.record_acknowledgement,
            registry.member_ncbs,
            screening.screen_request,
            rescreen.match_changed_entries,
            mail.deliver_message,
            dispatch.start_delivery,
            dispatch.start_notice_lifetime,
            dispatch.send_messages,
        ],
        interceptors=[OutageLog()] if interceptors is None else interceptors,
        max_cached_workflows=config.max_cached_workflows,
        max_concurrent_activities=config.max_concurrent_activities,
    )


async def outbox_waiting(db: Database) -> Outbox:
    """Recipients of outbox messages not delivered yet, and how long the oldest has waited."""
    async with db.transaction() as session:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(OutboxRow.created_at))
                .select_from(OutboxDeliveryRow)
                .join(OutboxRow, OutboxRow.message_key == OutboxDeliveryRow.message_key)
                .where(OutboxDeliveryRow.status != "delivered")
            )
        ).one()
    if oldest is None:
        return Outbox(waiting=int(count or 0), oldest_seconds=0.0)
    if oldest.tzinfo is None:  # SQLite keeps UTC without its offset
        oldest = oldest.replace(tzinfo=UTC)
    return Outbox(waiting=int(count), oldest_seconds=max(0.0, (datetime.now(UTC) - oldest).total_seconds()))


def service_gauges(client: Client, db: Database, config: Settings, meter: MetricMeter) -> ServiceGauges:
    """The gauges the worker keeps beside the SDK's metrics: cases by stage, overdue, the outbox."""
    return ServiceGauges(client, meter, lambda: outbox_waiting(db), config.task_queue)


async def serve(config: Settings) -> None:
    tracing = configure_tracing(config, "notice-worker")
    runtime = prometheus_runtime(config.metrics_port) if config.metrics_port else None
    client = await connect(config, runtime=runtime)
    db = Database.from_url(config.database_url)
    worker = build_worker(client, db, config, interceptors=interceptors_from_env())
    gauges: asyncio.Task[None] | None = None
    if runtime is not None:
        every = timedelta(seconds=config.metrics_refresh_seconds)
        gauges = asyncio.create_task(service_gauges(client, db, config, runtime.metric_meter).run(every))
        log.info("metrics on :%d/metrics, gauges refreshed every %s", config.metrics_port, every)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker serving task queue %s on %s", config.task_queue, config.temporal_address)
    async with worker:
        await stop.wait()
        log.info("stopping: finishing in-flight tasks")
    if gauges is not None:
        gauges.cancel()
    await db.dispose()
    if tracing is not None:
        tracing.shutdown()  # sends the last spans before the process leaves with os._exit


def main() -> None:
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    code = 0
    try:
        asyncio.run(serve(settings()))
    except Exception:
        log.exception("worker failed")
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # temporalio/sdk-python#300: avoid an abort at interpreter exit


if __name__ == "__main__":
    main()
