"""The pending requests' name index the duplicate check reads: kept current by the registry's writes, read
incrementally by each worker, and filled by migration 0010 for the requests pending before it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import insert, select
from sqlalchemy.pool import NullPool

from models.activities import CaseEvent, RegisterRequestInput
from models.case import ReviewStage
from models.request import NoticeRequest
from registry.database import Database, alembic_config, migrate
from registry.references import ReferenceStore
from registry.store import Registry
from registry.tables import PendingNameRow, RequestRow, nationality_codes
from runtime.config import Settings
from tests.data.conftest import BACKENDS, NOW, make_request
from tests.data.test_migrations import _database_at_0005, _schema_matches_models


def _with_aliases(reference: str, family_name: str, *aliases: dict[str, Any]) -> NoticeRequest:
    data = make_request(reference=reference, family_name=family_name, forenames="Jan").model_dump(mode="json")
    data["subject"]["aliases"] = list(aliases)
    return NoticeRequest.model_validate(data)


async def _register(registry: Registry, request_id: str, request: NoticeRequest) -> None:
    await registry.register_request(
        RegisterRequestInput(request_id=request_id, workflow_id=f"wf-{request_id}", request=request, registered_at=NOW)
    )


async def _found(store: ReferenceStore, *names: str) -> list[str]:
    return [c.request_id for c in await store.duplicate_candidates("req-new", list(names))]


async def test_a_workers_index_follows_registrations_amendments_and_closings_made_elsewhere(fresh_db: Database) -> None:
    registry = Registry(fresh_db, Settings())
    worker = ReferenceStore(fresh_db)  # another worker's vocabulary: it learns only from the index
    await _register(registry, "req-a", _with_aliases("a", "KOWALCZYK", {"family_name": "ZIELINSKI"}))
    assert await _found(worker, "Zielinski") == ["req-a"]

    # registered after the worker first read the index
    await _register(registry, "req-b", _with_aliases("b", "NOWICKI"))
    assert await _found(worker, "Nowicki") == ["req-b"]

    # an amendment that drops the alias: the old name no longer finds the case, the new one does
    await registry.record_case_event(CaseEvent(
        event_key="req-a/event/5", request_id="req-a", actor="ncb:FR", action="reply_received",
        stage=ReviewStage.DETAILED_REVIEW, at=NOW, request=_with_aliases("a", "KOWALCZYK", {"family_name": "WRONA"}),
    ))
    assert await _found(worker, "Zielinski") == []
    assert await _found(worker, "Wrona") == ["req-a"]

    # closed, then published: neither is a pending request any more
    await registry.record_case_event(CaseEvent(
        event_key="req-b/event/9", request_id="req-b", actor="system", action="stage:denied",
        stage=ReviewStage.DENIED, at=NOW,
    ))
    assert await _found(worker, "Nowicki") == []
    async with fresh_db.reading() as session:
        rows = {row.request_id: (row.pending, row.name_key) for row in await session.scalars(select(PendingNameRow))}
    assert rows["req-b"] == (False, ""), "a closed request keeps an empty row, so every worker learns of it"
    assert rows["req-a"][0] is True and "wrona" in rows["req-a"][1] and "zielinski" not in rows["req-a"][1]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_migration_indexes_the_requests_pending_before_it(backend: str, tmp_path: Path) -> None:
    async with _database_at_0005(backend, tmp_path) as url:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "0009")
        db = Database.from_url(url, poolclass=NullPool)
        try:
            async with db.transaction() as session:
                for request_id, stage, request in (
                    ("req-pending", "legal_assessment", _with_aliases("p", "KOWALCZYK", {"family_name": "Жуков"})),
                    ("req-closed", "withdrawn", _with_aliases("c", "KOWALCZYK")),
                    ("req-notice", "published", _with_aliases("n", "KOWALCZYK")),
                ):
                    subject = request.subject
                    await session.execute(insert(RequestRow).values(
                        request_id=request_id, workflow_id=f"wf-{request_id}", requesting_ncb="FR",
                        ncb_reference=request.ncb_reference, kind="red_notice", purpose="prosecution", stage=stage,
                        request=request.model_dump(mode="json"), family_name=subject.family_name,
                        forenames=subject.forenames or "", date_of_birth=subject.date_of_birth,
                        nationalities=subject.nationalities, nationality_codes=nationality_codes(["FR"]),
                        screening_round=1, registered_at=NOW, updated_at=NOW,
                    ))
            await migrate(url)
            await _schema_matches_models(url)
            store = ReferenceStore(db)
            assert await _found(store, "Kowalczyk") == ["req-pending"]
            assert await _found(store, "Zhukov") == ["req-pending"], "aliases too, transliterated"
            registry = Registry(db, Settings())
            await _register(registry, "req-after", _with_aliases("after", "KOWALCZYK"))
            assert await _found(store, "Kowalczyk") == ["req-after", "req-pending"], "the counter carries on"

            await asyncio.to_thread(command.downgrade, alembic_config(url), "0009")
            await migrate(url)
            assert await _found(ReferenceStore(db), "Kowalczyk") == ["req-after", "req-pending"]
        finally:
            await db.dispose()
