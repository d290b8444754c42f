"""Runs the workflows and activities on one task queue; configured by the environment.

Several of these can serve the same task queue: nothing in them is shared between processes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from temporalio.client import Client
from temporalio.common import MetricMeter
from temporalio.worker import Worker

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


def build_worker(client: Client, db: Database, config: Settings, task_queue: str | None = None) -> Worker:
    """The worker, wired: used by `python -m worker` and by the tests alike."""
    registry = RegistryActivities(db, config)
    screening = ScreeningActivities(db, config)
    mail = MailActivities(db, config)
    rescreen = RescreenActivities(db)
    dispatch = DispatchActivities(client, MessageDeliveryWorkflow.run, PublishedNoticeWorkflow.run)
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
        ],
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
    worker = build_worker(client, db, config)
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
