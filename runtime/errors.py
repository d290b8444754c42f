"""Turning Temporal's errors into what a client's user can act on.

Temporal is imported where an error is examined, not with the module: the commands (`ncb`, `ndtf`) raise
and catch the two exceptions below without ever loading the SDK (a quarter of a second).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from temporalio.exceptions import ApplicationError


class ActionRefused(Exception):
    """The workflow refused the action; ``kind`` is the ApplicationError type (e.g. ``WrongStage``)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class UnknownCase(Exception):
    """No request or notice has that id."""


def refusal_from(error: BaseException) -> ActionRefused | UnknownCase | None:
    """The user-facing form of an update/query failure, or None when it is not one."""
    from temporalio.client import WorkflowQueryFailedError, WorkflowUpdateFailedError
    from temporalio.exceptions import ApplicationError
    from temporalio.service import RPCError, RPCStatusCode

    if isinstance(error, WorkflowUpdateFailedError):
        cause: BaseException | None = error.cause
        while cause is not None and not isinstance(cause, ApplicationError):
            cause = cause.__cause__
        if isinstance(cause, ApplicationError):
            invalid = _invalid_input(cause)
            if invalid is not None:
                return invalid
            return ActionRefused(cause.type or "Refused", cause.message)
        return ActionRefused("Refused", str(error.cause or error))
    if isinstance(error, WorkflowQueryFailedError):
        message = str(error)
        kind = "NotYourRequest" if "another NCB" in message else "QueryFailed"
        return ActionRefused(kind, message)
    if isinstance(error, RPCError) and error.status == RPCStatusCode.NOT_FOUND:
        return UnknownCase("No such request or notice.")
    return None


def _invalid_input(error: ApplicationError) -> ActionRefused | None:
    """A message the worker could not decode (sent past the client's own checks, e.g. from the
    Temporal UI): the workflow never saw it; say which field is wrong, as pydantic put it."""
    from temporalio.exceptions import ApplicationError

    nested = error.cause
    if not (isinstance(nested, ApplicationError) and nested.type == "ValidationError"):
        return None
    lines = [line for line in nested.message.splitlines() if "errors.pydantic.dev" not in line]
    return ActionRefused("InvalidInput", "\n".join(lines))
