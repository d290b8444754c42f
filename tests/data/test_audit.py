"""The audit chain shows any entry changed or removed after it was written."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import delete, update

from models.activities import RegisterRequestInput
from registry.audit import append_audit, verify_audit
from registry.database import Database
from registry.store import Registry
from registry.tables import AuditEntryRow
from runtime.config import Settings
from tests.data.conftest import NOW, make_request


async def _write_entries(db: Database, count: int) -> None:
    for n in range(1, count + 1):
        async with db.transaction() as session:
            await append_audit(
                session,
                event_key=f"e{n}",
                actor="rev-1",
                action="assessed",
                subject_type="request",
                subject_id=f"req-{n}",
                at=NOW + timedelta(seconds=n),
                detail={"n": n, "verdict": "compliant"},
            )


async def test_untouched_chain_verifies(fresh_db: Database) -> None:
    await _write_entries(fresh_db, 4)
    result = await verify_audit(fresh_db)
    assert (result.ok, result.entries, result.first_bad_id) == (True, 4, None)


async def test_repeated_event_key_is_not_appended_twice(fresh_db: Database) -> None:
    await _write_entries(fresh_db, 2)
    await _write_entries(fresh_db, 2)
    assert (await verify_audit(fresh_db)).entries == 2


async def test_changed_entry_is_detected(fresh_db: Database) -> None:
    await _write_entries(fresh_db, 4)
    async with fresh_db.transaction() as session:
        await session.execute(
            update(AuditEntryRow).where(AuditEntryRow.id == 2).values(detail='{"n":2,"verdict":"non_compliant"}')
        )
    result = await verify_audit(fresh_db)
    assert (result.ok, result.first_bad_id) == (False, 2)


async def test_removed_entry_is_detected(fresh_db: Database) -> None:
    await _write_entries(fresh_db, 4)
    async with fresh_db.transaction() as session:
        await session.execute(delete(AuditEntryRow).where(AuditEntryRow.id == 3))
    result = await verify_audit(fresh_db)
    assert (result.ok, result.first_bad_id) == (False, 3)


async def test_removed_newest_entry_is_detected(fresh_db: Database) -> None:
    await _write_entries(fresh_db, 4)
    async with fresh_db.transaction() as session:
        await session.execute(delete(AuditEntryRow).where(AuditEntryRow.id == 4))
    result = await verify_audit(fresh_db)
    assert (result.ok, result.first_bad_id) == (False, 4)


async def test_rehashed_entry_still_breaks_the_link_to_the_next(fresh_db: Database) -> None:
    await _write_entries(fresh_db, 3)
    async with fresh_db.transaction() as session:
        await session.execute(update(AuditEntryRow).where(AuditEntryRow.id == 1).values(entry_hash="f" * 64))
    result = await verify_audit(fresh_db)
    assert (result.ok, result.first_bad_id) == (False, 1)


async def test_concurrent_writers_do_not_fork_the_chain(fresh_db: Database) -> None:
    registry = Registry(fresh_db, Settings())

    def registration(n: int) -> RegisterRequestInput:
        return RegisterRequestInput(
            request_id=f"req-{n}", workflow_id=f"wf-{n}", request=make_request(reference=f"R{n}"), registered_at=NOW
        )

    distinct = [registry.register_request(registration(n)) for n in range(12)]
    same = [registry.register_request(registration(99)) for _ in range(4)]
    results = await asyncio.gather(*distinct, *same)

    assert sum(result.created for result in results[12:]) == 1
    verification = await verify_audit(fresh_db)
    assert (verification.ok, verification.entries) == (True, 13)
