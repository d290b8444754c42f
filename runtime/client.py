"""The one way every process here connects to Temporal: pydantic payloads, optional encryption, traces."""

from __future__ import annotations

import dataclasses

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from runtime.config import Settings, settings
from runtime.tracing import tracing_interceptors


def data_converter(config: Settings | None = None) -> DataConverter:
    config = config or settings()
    if not config.payload_key:
        return pydantic_data_converter
    from runtime.codec import EncryptionCodec

    return dataclasses.replace(pydantic_data_converter, payload_codec=EncryptionCodec.from_base64(config.payload_key))


async def connect(config: Settings | None = None, *, serve_metrics: bool = False) -> Client:
    """``serve_metrics``: the worker exposes the SDK's Prometheus metrics on METRICS_PORT when it is set."""
    config = config or settings()
    runtime = None
    if serve_metrics and config.metrics_port:
        from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

        runtime = Runtime(
            telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"0.0.0.0:{config.metrics_port}"))
        )
    return await Client.connect(
        config.temporal_address,
        namespace=config.temporal_namespace,
        data_converter=data_converter(config),
        interceptors=tracing_interceptors(),
        runtime=runtime,
    )
