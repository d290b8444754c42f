"""Who is calling, and what they may do: the dependencies every route takes.

The caller comes from the bearer credential alone, through the ``Authenticator``; a reviewer's roles come
from the roster in the registry, read for every call (a reviewer taken off the roster is refused at once)
and read again by the workflow. Each caller then takes one token from its rate bucket.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from temporalio.client import Client, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from api.auth import IdentityProviderUnavailable
from api.limits import Limits, RateLimiter, within
from api.principal import Authenticator, Principal, PrincipalKind, Unauthenticated
from api.problems import FieldError, ProblemError, from_refusal, from_rpc
from models.activities import ReviewerLookupInput
from models.reference import Reviewer
from registry.database import Database
from registry.store import Registry
from runtime.config import Settings
from runtime.errors import ActionRefused, UnknownCase
from workflows.policy import ReviewerAction, may

T = TypeVar("T")


@dataclass
class Door:
    """What every route needs, built once per app: no state a second API process would need to share
    (the rate buckets are per process, by design: see ``api.limits``)."""

    client: Client
    db: Database
    settings: Settings
    authenticator: Authenticator
    task_queue: str
    limits: Limits
    limiter: RateLimiter
    registry: Registry

    async def temporal(self, call: Awaitable[T], what: str) -> T:
        """A Temporal call under the timeout; a refusal keeps its kind, an unknown id is a 404."""
        try:
            return await within(self.limits.temporal_timeout, call)
        except (ActionRefused, UnknownCase) as error:
            raise from_refusal(error, what) from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            raise ProblemError(
                "TemporalTimeout", "The workflow did not answer the action in time; it may still take effect: "
                "read the case or notice before trying again."
            ) from None
        except RPCError as error:
            raise from_rpc(error) from None
        except RuntimeError as error:
            if "client connect" not in str(error):  # the SDK's core says so when the server is gone
                raise
            raise ProblemError("TemporalUnavailable", "Temporal cannot be reached; try again later.") from None


def door(request: Request) -> Door:
    found: Door = request.app.state.door
    return found


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A credential issued to your NCB, to you as a reviewer, or to an administrator "
    "(`ndtf credentials issue`), or a JWT from the organisation's identity provider.",
)


def unauthenticated(reason: str) -> ProblemError:
    return ProblemError(
        "Unauthenticated",
        f"{reason} Send `Authorization: Bearer <your credential>`.",
        headers={"WWW-Authenticate": 'Bearer realm="notice-review"'},
    )


async def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    door: Annotated[Door, Depends(door)],
) -> Principal:
    """The caller, from the bearer credential only; then one token from the caller's bucket."""
    if credentials is None or not credentials.credentials.strip():
        door.limiter.check(f"anonymous:{_client_host(request)}")
        raise unauthenticated("No credential was presented.")
    try:
        found = await door.authenticator.authenticate(credentials.credentials.strip())
    except IdentityProviderUnavailable as error:
        raise ProblemError(
            "IdentityProviderUnavailable", f"Your credential cannot be checked now: {error.reason}. Try again later.",
            status=503, headers={"Retry-After": "30"},
        ) from None
    except Unauthenticated as error:
        door.limiter.check(f"anonymous:{_client_host(request)}")
        raise unauthenticated(f"The credential cannot be used: {error.reason}.") from None
    request.state.principal = found
    door.limiter.check(found.subject)
    return found


Caller = Annotated[Principal, Depends(principal)]


def _client_host(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _wrong_kind(caller: Principal, wanted: str) -> ProblemError:
    return ProblemError("Forbidden", f"This route is for {wanted}; your credential is for {caller.subject}.")


async def ncb_caller(caller: Caller) -> Principal:
    if caller.kind is not PrincipalKind.NCB or not caller.ncb:
        raise _wrong_kind(caller, "NCB integrations")
    return caller


async def administrator(caller: Caller) -> Principal:
    if caller.kind is not PrincipalKind.ADMINISTRATOR:
        raise _wrong_kind(caller, "administrators")
    return caller


@dataclass(frozen=True)
class Acting:
    """A reviewer as the roster knows them now."""

    principal: Principal
    reviewer: Reviewer

    @property
    def reviewer_id(self) -> str:
        return self.reviewer.reviewer_id

    def require(self, action: ReviewerAction) -> None:
        if not may(self.reviewer.roles, action):
            roles = ", ".join(role.value for role in self.reviewer.roles) or "none"
            raise ProblemError(
                "RoleNotAllowed",
                f"Reviewer '{self.reviewer_id}' (roles: {roles}) may not {action.value.replace('_', ' ')}.",
            )


async def rostered(caller: Principal, door: Door) -> Acting:
    if caller.kind is not PrincipalKind.REVIEWER or not caller.reviewer_id:
        raise _wrong_kind(caller, "NDTF reviewers")
    found = await door.registry.lookup_reviewer(ReviewerLookupInput(reviewer_id=caller.reviewer_id))
    if found.reviewer is None:
        raise ProblemError("NotInRoster", f"Reviewer '{caller.reviewer_id}' is not in the NDTF reviewer roster.")
    return Acting(caller, found.reviewer)


def reviewer(action: ReviewerAction | None = None) -> Callable[..., Awaitable[Acting]]:
    """A dependency: the caller must be a reviewer in the roster, with a role for ``action`` if given."""

    async def check(caller: Caller, door: Annotated[Door, Depends(door)]) -> Acting:
        acting = await rostered(caller, door)
        if action is not None:
            acting.require(action)
        return acting

    return check


async def reviewer_or_administrator(caller: Caller, door: Annotated[Door, Depends(door)]) -> Principal:
    if caller.kind is PrincipalKind.ADMINISTRATOR:
        return caller
    if caller.kind is PrincipalKind.REVIEWER:
        await rostered(caller, door)
        return caller
    raise _wrong_kind(caller, "NDTF reviewers and administrators")


def same_identity(given: str | None, actual: str | None, field: str) -> None:
    """A body may name the caller (old clients send it); naming anyone else is refused."""
    if given is None:
        return
    if actual is None or given.strip().upper() != actual.upper():
        raise ProblemError(
            "WrongPrincipal",
            f"The body names {field} '{given}', but your credential is for '{actual}'. Leave it out: the API "
            "takes who you are from your credential.",
            errors=[FieldError(field=field, message=f"must be '{actual}' (your credential) or left out")],
        )
