"""A request traced from the NCB's call through its workflow and activities, with no personal data."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from models.case import ReviewStage
from registry.database import Database
from runtime.config import Settings
from runtime.tracing import tracing_interceptors
from starter.client import NcbClient
from tests.workflows.conftest import Mailbox, Service, example
from tests.workflows.test_notice_request import FRAUD, at, settle
from worker import build_worker


async def test_a_request_is_traced_through_its_workflow_and_activities_without_personal_data(
    time_skipping: WorkflowEnvironment, registry_db: Database, mailbox: Mailbox
) -> None:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    plain = time_skipping.client
    client = Client(
        plain.service_client,
        namespace=plain.namespace,
        data_converter=plain.data_converter,
        interceptors=tracing_interceptors(provider.get_tracer("test")),
    )
    queue = "traced"
    config = Settings(task_queue=queue, database_url="unused", smtp_host="127.0.0.1", smtp_port=mailbox.port)
    async with build_worker(client, registry_db, config, queue):
        request = example(FRAUD)
        submission = await NcbClient(client, "FR", queue).submit(request)
        await settle(
            Service(time_skipping, client, queue, registry_db, mailbox),
            submission.request_id,
            at(ReviewStage.LEGAL_ASSESSMENT),
        )

    names = {span.name for span in spans.get_finished_spans()}
    assert {
        "StartWorkflow:NoticeRequestWorkflow",
        "RunWorkflow:NoticeRequestWorkflow",
        "StartActivity:screen_request",
        "RunActivity:screen_request",
        "RunActivity:register_request",
    } <= names
    traced = {"StartWorkflow:NoticeRequestWorkflow", "RunActivity:register_request", "RunActivity:screen_request"}
    trace_ids = {span.context.trace_id for span in spans.get_finished_spans() if span.name in traced}
    assert len(trace_ids) == 1, "registration and screening belong to the trace the NCB's submission started"
    text = " ".join(
        f"{span.name} {dict(span.attributes or {})} {[e.attributes for e in span.events]}"
        for span in spans.get_finished_spans()
    )
    for personal in (request.subject.family_name, request.subject.forenames or "", request.ncb_reference):
        assert personal and personal.lower() not in text.lower()
