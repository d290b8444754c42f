"""A worker's vocabularies of published notices' names and aliases, kept current from the database."""

from __future__ import annotations

import asyncio
from itertools import chain

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.tables import REQUEST_ALIASES, NoticeRow, RequestRow, alias_names, name_key
from screening.vocabulary import NameVocabulary


class PublishedNames:
    """A worker's vocabularies of every notice published so far, holders being request ids: the name
    tokens of the notices (family name and forenames, what a name search reads), and apart from them
    the name tokens of their subjects' aliases (read from the notice's request, ``subject.aliases``),
    which the duplicate check reads as well.

    Before each use it reads only the notices published since (``notices.seq``, which commit in their
    order), so it is never behind what the database has committed. It keeps notices that were blocked
    or cancelled since: whoever uses it applies status and filters to the candidates in SQL.
    """

    def __init__(self) -> None:
        self._vocabulary = NameVocabulary()
        self._aliases = NameVocabulary()
        self._seen = 0
        self._lock = asyncio.Lock()

    async def refreshed(self, session: AsyncSession) -> NameVocabulary:
        """The notices' own names (family name and forenames)."""
        await self._refresh(session)
        return self._vocabulary

    async def refreshed_with_aliases(self, session: AsyncSession) -> tuple[NameVocabulary, NameVocabulary]:
        """The notices' own names, and their aliases' names."""
        await self._refresh(session)
        return self._vocabulary, self._aliases

    async def _refresh(self, session: AsyncSession) -> None:
        async with self._lock:
            since = (
                select(NoticeRow.request_id, NoticeRow.name_key, NoticeRow.seq, REQUEST_ALIASES)
                .select_from(NoticeRow)
                .outerjoin(RequestRow, RequestRow.request_id == NoticeRow.request_id)
                .where(NoticeRow.seq > self._seen)
            )
            for request_id, key, seq, aliases in await session.execute(since):
                self._vocabulary.add(request_id, key)
                self._aliases.add(request_id, name_key(*chain.from_iterable(alias_names(aliases))))
                self._seen = max(self._seen, seq)
