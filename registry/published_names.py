"""A worker's vocabulary of published notices' names, kept current from the database."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.tables import NoticeRow
from screening.vocabulary import NameVocabulary


class PublishedNames:
    """A worker's vocabulary of the names of every notice published so far, holders being request ids.

    Before each use it reads only the notices published since (``notices.seq``, which commit in their
    order), so it is never behind what the database has committed. It keeps notices that were blocked
    or cancelled since: whoever uses it applies status and filters to the candidates in SQL.
    """

    def __init__(self) -> None:
        self._vocabulary = NameVocabulary()
        self._seen = 0
        self._lock = asyncio.Lock()

    async def refreshed(self, session: AsyncSession) -> NameVocabulary:
        async with self._lock:
            since = select(NoticeRow.request_id, NoticeRow.name_key, NoticeRow.seq).where(
                NoticeRow.seq > self._seen
            )
            for request_id, key, seq in await session.execute(since):
                self._vocabulary.add(request_id, key)
                self._seen = max(self._seen, seq)
        return self._vocabulary
