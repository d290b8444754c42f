"""The one way every process here connects to Temporal: pydantic payloads, optional encryption, traces."""

from __future__ import annotations

import dataclasses

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.runtime import Runtime

from runtime.config import Settings, settings
from runtime.tracing import tracing_interceptors


def data_converter(config: Settings | None = None) -> DataConverter:
    config = config or settings()
    if not config.payload_key:
        return pydantic_data_converter
    from runtime.codec import EncryptionCodec

    return dataclasses.replace(pydantic_data_converter, payload_codec=EncryptionCodec.from_base64(config.payload_key))


async def connect(
    config: Settings | None = None, *, serve_metrics: bool = False, runtime: Runtime | None = None
) -> Client:
    """``serve_metrics``: the worker exposes the SDK's Prometheus metrics (and ours, ``runtime.metrics``) on
    METRICS_PORT when it is set; ``runtime``: a Temporal runtime of the caller's own (it wins)."""
    config = config or settings()
    if runtime is None and serve_metrics and config.metrics_port:
        from runtime.metrics import prometheus_runtime

        runtime = prometheus_runtime(config.metrics_port)
    return await Client.connect(
        config.temporal_address,
        namespace=config.temporal_namespace,
        data_converter=data_converter(config),
        interceptors=tracing_interceptors(),
        runtime=runtime,
    )
