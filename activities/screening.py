"""The screening activity: reads reference data from the registry and runs the pure screening logic.

Person indexes over the refugee and political-targeting lists are built once per worker and rebuilt
only when a new version of the list is loaded; nothing here is shared between workers. The duplicate
check reads the pending requests' and the notices' name indexes (``registry.pending_names``,
``registry.published_names``), not every pending request, and the matching runs in a thread.

When an external screening service is configured (``EXTERNAL_SCREENING_URL``, activities/external.py),
it is asked about the subject while the rest runs, bounded by its own timeout (10 s by default, well
inside the activity's five minutes); its findings join the others. It never fails the activity: an
outage is one ``external.unavailable`` finding.
"""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import activity

from activities.external import ExternalScreening
from models.activities import ScreenRequestInput
from models.findings import Finding, ScreeningResult, risk_of
from models.reference import ReferenceKind
from registry.database import Database
from registry.references import ReferenceStore
from runtime.config import Settings
from screening import PersonIndex, screen
from screening.persons import subject_names


class ScreeningActivities:
    def __init__(self, db: Database, config: Settings | None = None) -> None:
        self._store = ReferenceStore(db)
        self._external = ExternalScreening.from_settings(config) if config is not None else None
        """None when no external screening service is configured: no external source is consulted."""
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
        external: asyncio.Task[list[Finding]] | None = None
        if self._external is not None:
            external = asyncio.create_task(self._external.screen(request))
        try:
            result = await self._screen(input)
        except BaseException:
            if external is not None:
                external.cancel()
            raise
        if external is None:
            return result
        findings = [*result.findings, *await external]
        return ScreeningResult(findings=findings, risk=risk_of(findings))

    async def _screen(self, input: ScreenRequestInput) -> ScreeningResult:
        """Reads on the event loop, then the rules and the person matching (CPU work, seconds of it on
        large lists) in a thread, as the SDK advises for synchronous work: the worker's other
        activities and workflow tasks keep running meanwhile."""
        request = input.request
        countries = sorted({request.requesting_ncb, *request.subject.nationalities})
        return await asyncio.to_thread(
            screen,
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
