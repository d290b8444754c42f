"""What both long-running workflows share: activity options, the refusal of an action, the roster
check behind every reviewer action, and how a message to NCBs leaves a workflow."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from activities.dispatch import DispatchActivities
    from activities.registry import RegistryActivities
    from models.activities import OutboxMessage, ReviewerLookupInput, StartDeliveryInput
    from models.case import AnyMessage, Message
    from workflows.policy import ReviewerAction, may

DB_TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
"""Registry activities retry until they succeed: each is idempotent, and a case must not be lost."""


class Refused(Exception):
    """An action that is not valid now: nothing changes, the refusal is recorded, the sender is told."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


M = TypeVar("M", bound=Message)


def parse_signal(raw: AnyMessage, model: type[M]) -> M:
    """A signal's payload as its message; ``Refused("InvalidInput")`` naming each bad field otherwise."""
    try:
        return model.model_validate(raw.model_dump())
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}" for problem in error.errors()
        )
        raise Refused("InvalidInput", f"The {model.__name__} message is not valid: {problems}.") from None


def signal_actor(raw: AnyMessage) -> str:
    """Who sent a signal, as far as its payload says: recorded with its effect or its refusal."""
    fields = raw.model_dump()
    if fields.get("reviewer_id"):
        return str(fields["reviewer_id"])
    if fields.get("ncb"):
        return "ncb:" + str(fields["ncb"]).upper()
    return "unknown"


async def check_reviewer(reviewer_id: str, action: ReviewerAction) -> None:
    """Roles come from the roster at the time of the action, never from the caller."""
    found = await workflow.execute_activity_method(
        RegistryActivities.lookup_reviewer,
        ReviewerLookupInput(reviewer_id=reviewer_id),
        summary="check the reviewer roster",
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=RETRY,
    )
    if found.reviewer is None:
        raise Refused("NotInRoster", f"Reviewer '{reviewer_id}' is not in the NDTF reviewer roster.")
    if not may(found.reviewer.roles, action):
        roles = ", ".join(r.value for r in found.reviewer.roles) or "none"
        raise Refused(
            "RoleNotAllowed", f"Reviewer '{reviewer_id}' (roles: {roles}) may not {action.value.replace('_', ' ')}."
        )


async def send_message(message: OutboxMessage) -> None:
    """Queue the message in the outbox, then start its own delivery workflow; both steps idempotent."""
    await workflow.execute_activity_method(
        RegistryActivities.queue_message,
        message,
        summary=f"queue {message.kind.value} to {len(message.to_ncbs)} recipients",
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=RETRY,
    )
    await workflow.execute_activity_method(
        DispatchActivities.start_delivery,
        StartDeliveryInput(message_key=message.message_key),
        summary="start its delivery",
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=RETRY,
    )
