"""Runs the workflows and activities on one task queue; configured by the environment.

Several of these can serve the same task queue: nothing in them is shared between processes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from temporalio.client import Client
from temporalio.worker import Worker

from activities.dispatch import DispatchActivities
from activities.mail import MailActivities
from activities.registry import RegistryActivities
from activities.screening import ScreeningActivities
from registry.database import Database
from runtime.client import connect
from runtime.config import Settings, settings
from runtime.logs import configure_logging
from runtime.tracing import configure_tracing
from workflows.message_delivery import MessageDeliveryWorkflow
from workflows.notice_request import NoticeRequestWorkflow
from workflows.notice_search import NoticeSearchWorkflow
from workflows.published_notice import PublishedNoticeWorkflow

WORKFLOWS = [NoticeRequestWorkflow, PublishedNoticeWorkflow, MessageDeliveryWorkflow, NoticeSearchWorkflow]

log = logging.getLogger("notice.worker")


def build_worker(client: Client, db: Database, config: Settings, task_queue: str | None = None) -> Worker:
    """The worker, wired: used by `python -m worker` and by the tests alike."""
    registry = RegistryActivities(db, config)
    screening = ScreeningActivities(db, config)
    mail = MailActivities(db, config)
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
            mail.deliver_message,
            dispatch.start_delivery,
            dispatch.start_notice_lifetime,
        ],
    )


async def serve(config: Settings) -> None:
    tracing = configure_tracing(config, "notice-worker")
    client = await connect(config, serve_metrics=True)
    db = Database.from_url(config.database_url)
    worker = build_worker(client, db, config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker serving task queue %s on %s", config.task_queue, config.temporal_address)
    async with worker:
        await stop.wait()
        log.info("stopping: finishing in-flight tasks")
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
