"""The screening activity: reads reference data from the registry and runs the pure screening logic.

Person indexes over the refugee and political-targeting lists are built once per worker and rebuilt
only when a new version of the list is loaded; nothing here is shared between workers.
"""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import activity

from models.activities import ScreenRequestInput
from models.findings import ScreeningResult
from models.reference import ReferenceKind
from registry.database import Database
from registry.references import ReferenceStore
from screening import PersonIndex, screen
from screening.persons import subject_names


class ScreeningActivities:
    def __init__(self, db: Database) -> None:
        self._store = ReferenceStore(db)
        self._indexes: dict[ReferenceKind, tuple[int, PersonIndex[Any]]] = {}
        self._lock = asyncio.Lock()

    async def _index(self, kind: ReferenceKind) -> PersonIndex[Any]:
        version = await self._store.version(kind)
        cached = self._indexes.get(kind)
        if cached and cached[0] == version:
            return cached[1]
        async with self._lock:
            cached = self._indexes.get(kind)
            if cached and cached[0] == version:
                return cached[1]
            if kind is ReferenceKind.REFUGEES:
                records: list[Any] = await self._store.all_refugees()
            else:
                records = await self._store.all_political_targets()
            index = await asyncio.to_thread(PersonIndex.build, records)
            self._indexes[kind] = (version, index)
            return index

    @activity.defn
    async def screen_request(self, input: ScreenRequestInput) -> ScreeningResult:
        request = input.request
        countries = sorted({request.requesting_ncb, *request.subject.nationalities})
        return screen(
            request,
            input.as_of,
            country_context=await self._store.country_context(countries),
            interstate_disputes=await self._store.interstate_disputes(countries),
            refugees=await self._index(ReferenceKind.REFUGEES),
            political_targeting=await self._index(ReferenceKind.POLITICAL_TARGETING),
            duplicates=await self._store.duplicate_candidates(
                input.request_id, [name for _, *names in subject_names(request) for name in names]
            ),
        )
