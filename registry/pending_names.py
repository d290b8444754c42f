"""The pending requests' names, kept as an index the duplicate check reads instead of every pending
request: ``pending_names`` rows written with the request (registered, amended, closed), and a worker's
vocabulary of them that reads only the rows changed since it last looked.

Before, every screening read every pending request and tokenised each name again (transliteration
included): linear in the open cases, 56 ms at 3,200. Now a request's tokens are computed once, when it
is written, and a screening reads only what changed since the previous one.
"""

from __future__ import annotations

import asyncio
from itertools import chain
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from registry.database import insert_ignore
from registry.tables import PendingNameRow, SequenceRow, alias_names, name_key
from screening.vocabulary import NameVocabulary

COUNTER = "pending_names"


def request_name_key(request: dict[str, Any]) -> str:
    """Every name token on file for a request (its JSON, as ``requests.request`` holds it): the
    subject's family name and forenames, then each alias's."""
    subject = request.get("subject") or {}
    return name_key(
        subject.get("family_name"), subject.get("forenames"), *chain.from_iterable(alias_names(subject.get("aliases")))
    )


async def write_pending_name(session: AsyncSession, request_id: str, key: str, pending: bool) -> None:
    """Record a request's names (or, ``pending`` false, that it is pending no longer) under the next
    value of the counter, whose row lock is held to commit: values become visible in their order."""
    seq = (
        await session.execute(
            update(SequenceRow)
            .where(SequenceRow.name == COUNTER)
            .values(value=SequenceRow.value + 1)
            .returning(SequenceRow.value)
        )
    ).scalar_one()
    values = {"name_key": key if pending else "", "pending": pending, "seq": seq}
    if not await insert_ignore(session, PendingNameRow, {"request_id": request_id, **values}):
        await session.execute(update(PendingNameRow).where(PendingNameRow.request_id == request_id).values(**values))


async def close_pending_name(session: AsyncSession, request_id: str) -> None:
    """The request is pending no longer (closed, or published: it is then a notice)."""
    held = await session.get(PendingNameRow, request_id)
    if held is not None and held.pending:
        await write_pending_name(session, request_id, "", False)


class _Vocabulary(NameVocabulary):
    """A name vocabulary a holder can leave: a pending request's names change (amended) and go (closed)."""

    def remove(self, holder: str, key: str) -> None:
        for token in set(key.split()):
            holders = self.holders.get(token)
            if holders and holder in holders:
                holders.remove(holder)


class PendingNames:
    """A worker's vocabulary of the pending requests' name tokens, holders being request ids.

    Before each use it reads the ``pending_names`` rows changed since (``seq``); the first read takes
    only the pending ones. A request amended or closed leaves the vocabulary under its old tokens."""

    def __init__(self) -> None:
        self._vocabulary = _Vocabulary()
        self._keys: dict[str, str] = {}
        self._seen = 0
        self._lock = asyncio.Lock()

    @property
    def vocabulary(self) -> NameVocabulary:
        return self._vocabulary

    async def refreshed(self, session: AsyncSession) -> NameVocabulary:
        async with self._lock:
            changed = select(PendingNameRow.request_id, PendingNameRow.name_key, PendingNameRow.pending,
                             PendingNameRow.seq).where(PendingNameRow.seq > self._seen)
            if self._seen == 0:
                changed = changed.where(PendingNameRow.pending.is_(True))
            for request_id, key, pending, seq in await session.execute(changed):
                held = self._keys.pop(request_id, None)
                if held:
                    self._vocabulary.remove(request_id, held)
                if pending and key:
                    self._vocabulary.add(request_id, key)
                    self._keys[request_id] = key
                self._seen = max(self._seen, seq)
        return self._vocabulary

    def __len__(self) -> int:
        return len(self._keys)
