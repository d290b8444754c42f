"""Errors as RFC 9457 problem details (``application/problem+json``), and which status each refusal is.

Every error the API answers is a ``Problem``: ``type`` and ``title`` name the kind (a workflow's refusal
keeps its own, e.g. ``WrongStage`` or ``FourEyes``), ``detail`` says what to do, and ``errors`` names
each field that is wrong. A route raises ``ProblemError``; the handlers here turn it, FastAPI's own
validation errors, and Temporal's errors into that shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import Counter
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError, RPCStatusCode

from models.request import RequestProblem
from runtime.errors import ActionRefused, UnknownCase
from runtime.metrics import API_REFUSALS

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:notice-review:problem:"
"""``type`` is this prefix and the kind: a URI that names the problem without pretending to be a page."""


class FieldError(BaseModel):
    field: str
    """Dotted path of the field (``subject.date_of_birth``), a query or path parameter, or ``header``."""
    message: str
    line: int | None = None
    """For a CSV upload: the line of the file."""


class Problem(BaseModel):
    """RFC 9457 problem details, with ``kind`` (the refusal's name) and ``errors`` (one per bad field)."""

    type: str
    title: str
    status: int
    detail: str
    kind: str
    instance: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


KIND_STATUS: dict[str, int] = {
    # who the caller is, or is not
    "Unauthenticated": 401,
    "Forbidden": 403,
    "NotYourRequest": 403,
    "NotYourNotice": 403,
    "NotInRoster": 403,
    "RoleNotAllowed": 403,
    "WrongPrincipal": 403,
    "NotFound": 404,
    "UnknownCase": 404,
    "MethodNotAllowed": 405,
    "UnsupportedMediaType": 415,
    "BodyTooLarge": 413,
    # what was sent does not validate
    "InvalidRequest": 422,
    "InvalidInput": 422,
    "InvalidAmendment": 422,
    "InvalidUntil": 422,
    "InvalidReferenceData": 422,
    "TooManyRequests": 429,
    "TemporalUnavailable": 503,
    "IdentityProviderUnavailable": 503,
    "TemporalTimeout": 504,
    "InternalError": 500,
}
"""Kind -> HTTP status. Any other kind a workflow refuses with (``WrongStage``, ``FourEyes``,
``CaseClosed``, ``NoticeEnded``, ``NothingAwaited``, ``BlockingFindings``…) is a conflict with the
case's state: 409."""

AUDITED_STATUSES = frozenset({401, 403, 409})
"""Refusals that go to the audit trail (plus a 404 that hides another NCB's request)."""

TITLES: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "BodyTooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidInput",
    429: "TooManyRequests",
    500: "InternalError",
    503: "TemporalUnavailable",
    504: "TemporalTimeout",
}


def status_for(kind: str) -> int:
    return KIND_STATUS.get(kind, 409)


class ProblemError(StarletteHTTPException):
    """Raised anywhere in a request to answer with a problem. A subclass of Starlette's HTTPException,
    so FastAPI passes it through unchanged even when raised while it reads the body."""

    def __init__(
        self,
        kind: str,
        detail: str,
        *,
        status: int | None = None,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
        audit_subject: tuple[str, str] | None = None,
    ) -> None:
        code = status or status_for(kind)
        super().__init__(status_code=code, detail=detail, headers=dict(headers or {}))
        self.kind = kind
        self.message = detail
        self.errors = list(errors)
        self.hidden_refusal = False
        """A refusal answered as 404 so the existence of another NCB's request does not leak; audited."""
        self.audit_subject = audit_subject

    def problem(self, instance: str | None = None) -> Problem:
        return Problem(
            type=TYPE_PREFIX + self.kind,
            title=self.kind,
            status=self.status_code,
            detail=self.message,
            kind=self.kind,
            instance=instance,
            errors=self.errors,
        )


REFUSALS = Counter(API_REFUSALS, "Problems the API answered, by kind and status", ["kind", "status"])
"""Every problem answered, counted where it becomes a response (a refusal at the door, a workflow's
refusal, a body too large before any route): operators see what callers are refused and why."""


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    REFUSALS.labels(problem.kind, str(problem.status)).inc()
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=dict(headers or {}),
    )


def not_found(what: str) -> ProblemError:
    return ProblemError("NotFound", f"No {what} with that id is visible to you.", status=404)


def from_refusal(error: ActionRefused | UnknownCase, what: str) -> ProblemError:
    """A workflow's refusal (its kind kept) or an unknown id, as the problem the caller gets."""
    if isinstance(error, UnknownCase):
        return not_found(what)
    errors: list[FieldError] = []
    if error.kind == "InvalidInput":
        errors = _fields_from_pydantic_text(error.message)
    elif error.kind == "InvalidAmendment":
        errors = _fields_from_amendment_text(error.message)
    return ProblemError(error.kind, error.message, errors=errors)


def from_request_problems(problems: Sequence[RequestProblem]) -> ProblemError:
    count = len(problems)
    return ProblemError(
        "InvalidRequest",
        f"The request is invalid ({count} problem{'s' if count != 1 else ''}); nothing was started. Fix each field.",
        errors=[FieldError(field=p.field, message=p.message) for p in problems],
    )


def from_rpc(error: RPCError) -> ProblemError:
    if error.status == RPCStatusCode.DEADLINE_EXCEEDED:
        return ProblemError("TemporalTimeout", "Temporal did not answer in time; try again.")
    return ProblemError("TemporalUnavailable", f"Temporal cannot be reached ({error.status.name}); try again later.")


def _fields_from_pydantic_text(message: str) -> list[FieldError]:
    """pydantic's text (``field\\n  message``), as the worker reported an input it could not decode."""
    lines = [line for line in message.splitlines() if line.strip()]
    found: list[FieldError] = []
    for name, text in zip(lines, lines[1:], strict=False):
        if not name.startswith(" ") and text.startswith(" "):
            found.append(FieldError(field=name.strip(), message=text.strip().split(" [", 1)[0]))
    return found


AMENDMENT_PROBLEMS = "The amendments do not validate: "
"""How the workflow's ``InvalidAmendment`` refusal (``workflows.checks.reply``) lists its problems:
``field: message; field: message``, each field a path of the request."""


def _fields_from_amendment_text(message: str) -> list[FieldError]:
    """The fields an amendment got wrong, under ``amendments.``, as the reply's body names them."""
    _, found_list, listed = message.partition(AMENDMENT_PROBLEMS)
    found: list[FieldError] = []
    for piece in listed.split("; ") if found_list else []:
        name, separator, text = piece.partition(": ")
        if separator and name and " " not in name:
            field = name if name.startswith("amendments.") else f"amendments.{name}"
            found.append(FieldError(field=field, message=text))
    return found


def validation_errors(error: RequestValidationError) -> list[FieldError]:
    """FastAPI's validation errors by field: the location without its ``body``/``query``/``path`` head;
    the request contract's cross-field checks (``field: message; field: message``) split per field."""
    found: list[FieldError] = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        if location and location[0] in {"body", "query", "path", "header"}:
            head, location = location[0], location[1:]
        else:
            head = "body"
        field = ".".join(location) or head
        message = str(item.get("msg", "is invalid"))
        kind = item.get("type")
        if kind == "json_invalid":  # its location is the body and the character where the JSON broke off
            reason = (item.get("ctx") or {}).get("error")
            at = f" at character {location[0]}" if location else ""
            found.append(FieldError(field=head, message=f"is not valid JSON{at}" + (f" ({reason})" if reason else "")))
            continue
        if kind == "value_error":
            for piece in message.removeprefix("Value error, ").split("; "):
                name, _, text = piece.partition(": ")
                found.append(FieldError(field=name if text else field, message=text or name))
            continue
        if kind == "extra_forbidden":
            message = "is not a field of this message"
        elif kind == "missing":
            message = "is required"
        found.append(FieldError(field=field, message=message))
    return found


def validation_problem(error: RequestValidationError) -> ProblemError:
    errors = validation_errors(error)
    count = len(errors)
    return ProblemError(
        "InvalidInput",
        f"{count} field{'s are' if count != 1 else ' is'} invalid; nothing was done. Fix each field.",
        errors=errors,
    )


def from_http_exception(error: StarletteHTTPException) -> ProblemError:
    if isinstance(error, ProblemError):
        return error
    title = TITLES.get(error.status_code, f"Http{error.status_code}")
    detail = error.detail if isinstance(error.detail, str) else str(error.detail)
    return ProblemError(title, detail, status=error.status_code, headers=error.headers)


def instance_of(request: Request) -> str:
    return request.url.path


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` a route documents in OpenAPI: each status as a problem."""
    return {
        status: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": TITLES.get(status, "Conflict")}
        for status in statuses
    }
