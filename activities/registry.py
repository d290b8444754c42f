"""The registry's activities: thin adapters over ``registry.store.Registry``.

Each is idempotent because the write behind it is (keyed by ids the workflow derives), so Temporal may
retry it, or run it again after a crash, without changing what the first attempt committed. A write
the registry refuses for good becomes a non-retryable ``ApplicationError`` of the same type.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from models.activities import (
    AcknowledgementInput,
    CaseEvent,
    EventRecorded,
    Members,
    MembersInput,
    MessageQueued,
    NoticePublished,
    NoticeStatusChange,
    OutboxMessage,
    PublishNoticeInput,
    RegisterRequestInput,
    RequestRegistered,
    ReviewerLookup,
    ReviewerLookupInput,
    SearchNoticesInput,
    SearchResults,
)
from registry.database import Database
from registry.references import ReferenceStore
from registry.store import Registry, RegistryError
from runtime.config import Settings

T = TypeVar("T")


async def refusing(call: Awaitable[T]) -> T:
    """The registry's refusal for good as a non-retryable failure of its kind; anything else retried."""
    try:
        return await call
    except RegistryError as error:
        raise ApplicationError(str(error), type=error.kind, non_retryable=True) from None


class RegistryActivities:
    """One instance per worker, sharing the database engine and the name vocabulary."""

    def __init__(self, db: Database, config: Settings | None = None) -> None:
        self.registry = Registry(db, config)
        self.references = ReferenceStore(db)

    @activity.defn
    async def register_request(self, input: RegisterRequestInput) -> RequestRegistered:
        return await refusing(self.registry.register_request(input))

    @activity.defn
    async def record_case_event(self, event: CaseEvent) -> EventRecorded:
        return await refusing(self.registry.record_case_event(event))

    @activity.defn
    async def queue_message(self, message: OutboxMessage) -> MessageQueued:
        return await refusing(self.registry.queue_message(message))

    @activity.defn
    async def publish_notice(self, input: PublishNoticeInput) -> NoticePublished:
        return await refusing(self.registry.publish_notice(input))

    @activity.defn
    async def change_notice_status(self, change: NoticeStatusChange) -> EventRecorded:
        return await refusing(self.registry.change_notice_status(change))

    @activity.defn
    async def record_acknowledgement(self, input: AcknowledgementInput) -> EventRecorded:
        return await refusing(self.registry.record_acknowledgement(input))

    @activity.defn
    async def lookup_reviewer(self, input: ReviewerLookupInput) -> ReviewerLookup:
        return await self.registry.lookup_reviewer(input)

    @activity.defn
    async def search_notices(self, input: SearchNoticesInput) -> SearchResults:
        return await self.registry.search_notices(input)

    @activity.defn
    async def member_ncbs(self, input: MembersInput) -> Members:
        """The members as loaded (``ndtf data load members``; every ISO 3166-1 country, with a warning,
        while none is). Read through an activity, so a running workflow sees the list it was given on
        replay, even after the list changed.

        With ``with_languages``, each member's working language too; with ``languages_of``, only those
        NCBs' languages (an NCB the list does not hold, or any while none is loaded, has none: English)."""
        ncbs = (
            await self.references.member_ncbs()
            if input.languages_of is None
            else sorted({ncb.upper() for ncb in input.languages_of})
        )
        if not input.with_languages and input.languages_of is None:
            return Members(ncbs=ncbs)
        known = await self.references.member_languages()
        return Members(ncbs=ncbs, languages={ncb: known[ncb] for ncb in ncbs if ncb in known})
