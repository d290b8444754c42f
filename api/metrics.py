"""The API's metrics for the people who run it, on ``GET /metrics`` (Prometheus text format): how long
each route takes to answer, by its template (``/v1/cases/{request_id}``, never the path with its ids),
and the problems answered by kind (``api/problems.py``). With them, the process's own (CPU, memory,
open files) from prometheus-client. The worker serves the case metrics (``runtime/metrics.py``)."""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime.metrics import API_REQUEST_DURATION

REQUEST_DURATION = Histogram(
    API_REQUEST_DURATION,
    "Time to answer an API request, by method, route template and status",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0),
)
UNMATCHED = "unmatched"
"""The route label of a request no route matched (a 404 for an unknown path): raw paths would let any
caller add label values without end."""


def route_label(scope: Scope) -> str:
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else UNMATCHED


class RequestMetrics:
    """ASGI middleware, outermost: times every HTTP request to its last byte, by route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            REQUEST_DURATION.labels(scope.get("method", ""), route_label(scope), str(status)).observe(
                time.perf_counter() - started
            )


async def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
