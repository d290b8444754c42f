"""Steps both long-running workflows take through activities: the roster check behind every reviewer
action, the member list a broadcast goes to, and how a message to NCBs leaves a workflow."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.dispatch import DispatchActivities
    from activities.registry import RegistryActivities
    from models.activities import MembersInput, OutboxMessage, ReviewerLookupInput, StartDeliveryInput
    from workflows.checks import Refused
    from workflows.legacy_members import ISO_3166_BEFORE_REFERENCE_MEMBERS
    from workflows.policy import ReviewerAction, may

DB_TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
"""Registry activities retry until they succeed: each is idempotent, and a case must not be lost."""

MEMBERS_FROM_REFERENCE_DATA = "members-from-reference-data"


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


async def member_ncbs() -> list[str]:
    """Every member NCB, from the reference data through an activity: the list is in the history, so a
    replay sends to the same NCBs whatever the list is today. Histories from before this step (no
    marker) replay with the list they were run with."""
    if not workflow.patched(MEMBERS_FROM_REFERENCE_DATA):
        return list(ISO_3166_BEFORE_REFERENCE_MEMBERS)
    members = await workflow.execute_activity_method(
        RegistryActivities.member_ncbs,
        MembersInput(),
        summary="read the member list",
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=RETRY,
    )
    return members.ncbs


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
