"""The HTTP API: NCB integrations and NDTF reviewers call it; it is the only door to the workflows.

Who calls comes from the bearer credential alone (``Authorization: Bearer …``, turned into a
``Principal`` by the ``Authenticator``); no route takes identity from a parameter or a body field, and a
body naming someone else is refused. Reviewers' roles are read from the roster in the registry here,
and checked again by the workflow. Every refusal (401, 403, 409, and a 404 that hides another NCB's
request) is written to the registry's hash-chained audit trail: who, what, why.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import Client
from temporalio.service import RPCError

from api import console
from api.limits import BodyLimit, Limits, RateLimiter
from api.metrics import RequestMetrics, metrics_endpoint
from api.principal import Authenticator, Principal
from api.problems import (
    AUDITED_STATUSES,
    ProblemError,
    from_http_exception,
    from_refusal,
    from_rpc,
    problem_response,
    validation_problem,
)
from api.routes import admin, ncb, reviewers
from api.routes.access import Door
from registry.audit import append_audit
from registry.database import Database
from registry.store import Registry
from runtime.config import Settings
from runtime.errors import ActionRefused, UnknownCase

log = logging.getLogger("notice.api")

API_VERSION = "1"
REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


# --- auditing refusals ---------------------------------------------------------------------------


def http_request_id(request: Request) -> str:
    existing = getattr(request.state, "request_id", None)
    if isinstance(existing, str):
        return existing
    given = request.headers.get(REQUEST_ID_HEADER, "")
    value = given if _SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex
    request.state.request_id = value
    return value


def route_template(request: Request) -> str:
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else request.url.path


async def audit_refusal(request: Request, problem: ProblemError) -> None:
    """One entry per refused HTTP request: who, what (method, route, ids), why."""
    found: Door | None = getattr(request.app.state, "door", None)
    if found is None:
        return
    caller: Principal | None = getattr(request.state, "principal", None)
    params = {key: str(value) for key, value in request.path_params.items()}
    subject_type, subject_id = "api", route_template(request)
    if "request_id" in params:
        subject_type, subject_id = "request", params["request_id"]
    elif "notice_id" in params:
        subject_type, subject_id = "notice", params["notice_id"]
    if problem.audit_subject:
        subject_type, subject_id = problem.audit_subject
    request_id = http_request_id(request)
    detail: dict[str, Any] = {
        "method": request.method,
        "route": route_template(request),
        "path_params": params,
        "http_request_id": request_id,
        "status": problem.status_code,
        "kind": problem.kind,
        "reason": problem.message,
    }
    if problem.hidden_refusal:
        detail["answered_as"] = "404 NotFound"
    if caller is not None and caller.credential_id:
        detail["credential_id"] = caller.credential_id
    try:
        async with found.db.transaction() as session:
            await append_audit(
                session,
                event_key=f"api:{request_id}:{uuid.uuid4().hex[:8]}",
                actor=caller.subject if caller is not None else "anonymous",
                action="api_refused",
                subject_type=subject_type,
                subject_id=subject_id,
                at=datetime.now(UTC),
                detail=detail,
            )
    except Exception:  # noqa: BLE001 - the caller still gets its answer; operators see the log
        log.exception("could not audit a refused %s %s", request.method, route_template(request))


async def answer_problem(request: Request, problem: ProblemError) -> JSONResponse:
    if problem.status_code in AUDITED_STATUSES or problem.hidden_refusal:
        await audit_refusal(request, problem)
    headers = dict(problem.headers or {})
    headers[REQUEST_ID_HEADER] = http_request_id(request)
    return problem_response(problem.problem(request.url.path), headers)


def install_problem_handlers(app: FastAPI) -> None:
    async def on_http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        return await answer_problem(request, from_http_exception(error))

    async def on_validation(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return await answer_problem(request, validation_problem(error))

    async def on_refusal(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ActionRefused | UnknownCase)
        return await answer_problem(request, from_refusal(error, "case or notice"))

    async def on_rpc(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RPCError)
        return await answer_problem(request, from_rpc(error))

    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ActionRefused, on_refusal)
    app.add_exception_handler(UnknownCase, on_refusal)
    app.add_exception_handler(RPCError, on_rpc)


# --- the app ----------------------------------------------------------------------------------------


def create_app(
    client: Client,
    db: Database,
    settings: Settings,
    authenticator: Authenticator,
    *,
    task_queue: str | None = None,
    limits: Limits | None = None,
) -> FastAPI:
    """The API over one Temporal client and the registry; ``task_queue`` is where it starts workflows
    (default: the settings')."""
    limits = limits or Limits()
    app = FastAPI(
        title="Notice review API",
        version=API_VERSION,
        summary="Submit and follow INTERPOL Red Notice and Wanted Person Diffusion requests (NCBs), review and "
        "decide them (NDTF reviewers), load reference data (administrators).",
        description="Every call carries a bearer credential; who you are comes from it alone. Errors are RFC 9457 "
        "problem details (`application/problem+json`) naming each field.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.door = Door(
        client=client,
        db=db,
        settings=settings,
        authenticator=authenticator,
        task_queue=task_queue or settings.task_queue,
        limits=limits,
        limiter=RateLimiter(limits.rate_per_second, limits.burst, limits.max_callers),
        registry=Registry(db, settings),
    )
    install_problem_handlers(app)
    app.add_middleware(BodyLimit, limit=limits.max_body_bytes)
    app.add_middleware(RequestMetrics)  # outermost: a body refused at the door is timed too
    app.add_api_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.include_router(ncb.router)
    app.include_router(reviewers.router)
    app.include_router(admin.router)
    console.install(app, app.state.door, audit_refusal)
    return app
