"""Limits at the door: how big a body may be, how fast one caller may call, how long Temporal may take.

- Bodies are capped (``API_MAX_BODY_BYTES``, 256 KiB): from ``Content-Length`` before anything is read,
  and again while the body streams in (a chunked upload has no length to trust).
- Each caller has a token bucket (``API_RATE_PER_SECOND`` tokens a second, ``API_RATE_BURST`` at most),
  keyed by the principal's subject; callers without a usable credential share one bucket per address,
  so guessing tokens is throttled too. An empty bucket answers 429 with ``Retry-After``.
- Each Temporal call is given ``API_TEMPORAL_TIMEOUT`` seconds; past that the caller gets a 504 problem
  instead of a connection held open.

The buckets are per process: several API processes each allow the rate, which is what a per-instance
guard is for; a shared quota belongs in the gateway in front of them.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import FieldError, ProblemError, problem_response

T = TypeVar("T")


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


@dataclass(frozen=True)
class Limits:
    max_body_bytes: int = field(default_factory=lambda: int(_env_float("API_MAX_BODY_BYTES", 256 * 1024)))
    rate_per_second: float = field(default_factory=lambda: _env_float("API_RATE_PER_SECOND", 20.0))
    burst: int = field(default_factory=lambda: int(_env_float("API_RATE_BURST", 40)))
    temporal_timeout: float = field(default_factory=lambda: _env_float("API_TEMPORAL_TIMEOUT", 15.0))
    max_callers: int = 100_000
    """Buckets kept at most; the fullest (idle) ones are dropped first."""


def too_large(limit: int) -> ProblemError:
    return ProblemError(
        "BodyTooLarge",
        f"The request body is larger than the limit of {limit} bytes; send less.",
        errors=[FieldError(field="body", message=f"must be at most {limit} bytes")],
    )


class BodyLimit:
    """ASGI middleware: refuses a body over ``limit`` bytes with a 413 problem."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.limit:
                    await problem_response(too_large(self.limit).problem(scope.get("path")))(scope, receive, send)
                    return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise too_large(self.limit)
            return message

        await self.app(scope, counted, send)


class RateLimiter:
    """A token bucket per caller: ``rate`` tokens a second, up to ``burst``; one token a request."""

    def __init__(self, rate: float, burst: int, max_callers: int = 100_000) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.max_callers = max_callers
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, caller: str, now: float | None = None) -> float:
        """0 when the request may go ahead; else the seconds until a token is there."""
        now = time.monotonic() if now is None else now
        tokens, at = self._buckets.get(caller, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens >= 1:
            self._buckets[caller] = (tokens - 1, now)
            self._trim()
            return 0.0
        self._buckets[caller] = (tokens, now)
        return (1 - tokens) / self.rate if self.rate > 0 else 60.0

    def check(self, caller: str) -> None:
        wait = self.take(caller)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            raise ProblemError(
                "TooManyRequests",
                f"Too many requests from {caller}; at most {self.rate:g} a second (bursts of {self.burst}). "
                f"Try again in {seconds} s.",
                headers={"Retry-After": str(seconds)},
            )

    def _trim(self) -> None:
        if len(self._buckets) > self.max_callers:
            oldest = sorted(self._buckets.items(), key=lambda item: item[1][1])[: len(self._buckets) // 10]
            for caller, _ in oldest:
                del self._buckets[caller]


async def within(seconds: float, call: Awaitable[T]) -> T:
    """A Temporal call under the API's timeout: 504 problem when it takes longer."""
    try:
        return await asyncio.wait_for(call, timeout=seconds)
    except TimeoutError:
        raise ProblemError(
            "TemporalTimeout", f"Temporal did not answer within {seconds:g} s; an action may still take effect: "
            "read the case or notice before trying again."
        ) from None
