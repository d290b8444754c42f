"""Steps both long-running workflows take through activities: the roster check behind every reviewer
action, the member list a broadcast goes to, and how a message to NCBs leaves a workflow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    import workflows.texts as texts
    from activities.dispatch import DispatchActivities
    from activities.registry import RegistryActivities
    from models.activities import (
        MembersInput,
        OutboxMessage,
        ReviewerLookupInput,
        SendMessagesInput,
        StartDeliveryInput,
    )
    from workflows.checks import Refused
    from workflows.legacy_members import ISO_3166_BEFORE_REFERENCE_MEMBERS
    from workflows.policy import ReviewerAction, may

In = TypeVar("In")
Out = TypeVar("Out")

DB_TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
"""Registry activities retry until they succeed: each is idempotent, and a case must not be lost."""

MEMBERS_FROM_REFERENCE_DATA = "members-from-reference-data"
NCB_WORKING_LANGUAGE = "ncb-working-language"
"""Patch: each message to NCBs is written in each recipient's working language (the member list's
``language``), one message per language. Histories recorded before it (no marker) replay as they ran:
in English, one message to all the recipients."""
READS_LOCAL = "registry-reads-local"
"""Patch: the registry reads a workflow makes on its way (the roster check behind each reviewer action,
the member list and its languages) run as local activities: their answers are still in the history (a
marker each), without the three events and the workflow task of an activity's round trip through the
server. Histories recorded before it (no marker) replay them as the activities they ran as."""
MESSAGES_SENT_TOGETHER = "messages-sent-together"
"""Patch: the messages a workflow sends at one moment (a broadcast's language groups) are queued and
their deliveries started by one activity (``send_messages``). Histories recorded before it (no marker)
replay as they ran: ``queue_message`` then ``start_delivery`` for each message."""


async def _read(activity: Callable[[Any, In], Awaitable[Out]], input: In, summary: str) -> Out:
    """A registry read: local behind ``registry-reads-local``, an activity in histories from before it."""
    if workflow.patched(READS_LOCAL):
        return await workflow.execute_local_activity_method(
            activity, input, summary=summary, start_to_close_timeout=DB_TIMEOUT, retry_policy=RETRY
        )
    return await workflow.execute_activity_method(
        activity, input, summary=summary, start_to_close_timeout=DB_TIMEOUT, retry_policy=RETRY
    )


async def check_reviewer(reviewer_id: str, action: ReviewerAction) -> None:
    """Roles come from the roster at the time of the action, never from the caller."""
    found = await _read(
        RegistryActivities.lookup_reviewer, ReviewerLookupInput(reviewer_id=reviewer_id), "check the reviewer roster"
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
    members = await _read(RegistryActivities.member_ncbs, MembersInput(), "read the member list")
    return members.ncbs


async def working_languages(ncbs: list[str]) -> dict[str, str] | None:
    """The working language of each of these NCBs, through the member list's activity (so a replay
    writes in the languages the run wrote in); None in a history from before the languages (English)."""
    if not workflow.patched(NCB_WORKING_LANGUAGE):
        return None
    members = await _read(
        RegistryActivities.member_ncbs,
        MembersInput(purpose="languages", languages_of=ncbs),
        f"read the working language of {len(ncbs)} NCBs",
    )
    return members.languages


async def members_and_languages() -> tuple[list[str], dict[str, str] | None]:
    """Every member NCB and its working language, read together (one activity); the languages are None
    in a history from before them, and the list is the one ``member_ncbs`` gives such a history."""
    if workflow.patched(NCB_WORKING_LANGUAGE) and workflow.patched(MEMBERS_FROM_REFERENCE_DATA):
        members = await _read(
            RegistryActivities.member_ncbs, MembersInput(with_languages=True), "read the member list and its languages"
        )
        return members.ncbs, members.languages
    ncbs = await member_ncbs()
    return ncbs, await working_languages(ncbs)


def language_groups(to: list[str], languages: dict[str, str] | None) -> list[tuple[str, list[str]]]:
    """The recipients by working language, each NCB in exactly one group; with no languages (a history
    from before them), one group in English."""
    groups = texts.by_language(to, languages) if languages is not None else []
    return groups or [(texts.ENGLISH, to)]


async def send_in_languages(
    send: Callable[[list[str], str, str], Awaitable[str]],
    to: list[str],
    languages: dict[str, str] | None,
    compose: Callable[[str], tuple[str, str]],
) -> list[tuple[str, str]]:
    """One message per working language among ``to`` (``compose(language)`` is its subject and body).
    ``send(recipients, subject, body)`` sends one and gives its key; the (key, subject) of each message
    sent, in order. The way of histories from before ``messages-sent-together``."""
    sent: list[tuple[str, str]] = []
    for language, group in language_groups(to, languages):
        subject, body = compose(language)
        sent.append((await send(group, subject, body), subject))
    return sent


async def send_messages(messages: list[OutboxMessage]) -> None:
    """Queue the messages in the outbox and start their deliveries, in one activity (idempotent: keyed
    by each message)."""
    recipients = sum(len(message.to_ncbs) for message in messages)
    await workflow.execute_activity_method(
        DispatchActivities.send_messages,
        SendMessagesInput(messages=messages),
        summary=f"queue {messages[0].kind.value} to {recipients} recipients in {len(messages)} message(s), and"
        " start their delivery",
        start_to_close_timeout=DB_TIMEOUT,
        retry_policy=RETRY,
    )


async def send_message(message: OutboxMessage) -> None:
    """Queue the message in the outbox, then start its own delivery workflow; both steps idempotent.
    The way of histories from before ``messages-sent-together``."""
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
