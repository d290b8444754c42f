"""Traces that follow a request from the NCB's call through its workflow and every activity, with the
Temporal SDK's OpenTelemetry interceptor.

Spans carry workflow and activity ids and types only, never payloads, so no personal data leaves in
them. They are exported when OpenTelemetry's own variables ask for it: ``OTEL_EXPORTER_OTLP_ENDPOINT``
(OTLP over HTTP, to a collector) or ``OTEL_TRACES_EXPORTER=console``; otherwise the tracer is a no-op.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from temporalio.client import Interceptor
from temporalio.contrib.opentelemetry import TracingInterceptor

from runtime.config import Settings


def tracing_interceptors(tracer: trace.Tracer | None = None) -> list[Interceptor]:
    """On the client, so workers built from it trace too. Workflow spans are made even when the
    starter did not trace (an NCB's own system, the Temporal UI), so operators always see them."""
    return [TracingInterceptor(tracer, always_create_workflow_spans=True)]


def configure_tracing(config: Settings, service_name: str) -> TracerProvider | None:
    """Install the exporting tracer provider the environment asks for; None when it asks for none.
    Call ``shutdown()`` on it before the process leaves, so the last spans are sent."""
    exporter: SpanExporter
    if config.otel_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()  # reads OTEL_EXPORTER_OTLP_* itself
    elif config.otel_console:
        exporter = ConsoleSpanExporter()
    else:
        return None
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider
