"""Claiming through the API (POST /v1/cases/{id}/claim, /release) and the queue that shows who holds
what: a claim held by another reviewer is refused in words (409 ClaimedByOther), audited like every
refusal; the console's queue filters on "assigned to me" and "unassigned"."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar, cast

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner, Result

from admin.cli import app as ndtf_app
from api.console.queue import QueueFilters, load_queue
from api.routes.access import Door
from registry.database import Database
from registry.tables import CaseQueueRow
from runtime.credentials import store_token
from tests.console.conftest import Stack
from tests.console.test_session import sign_in
from tests.data.conftest import sqlite_database

T = TypeVar("T")


async def queue_rows(stack: Stack, query: str) -> str:
    answer = await stack.http.get(f"/console/queue?{query}", headers={"HX-Request": "true",
                                                                      "HX-Target": "queue-results"})
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section id="queue-results"'), "only the results, for htmx"
    return answer.text


def count_of(page: str, stage: str) -> int:
    found = re.search(rf'data-stage="{stage}"[^>]*>[^<]*<span class="count">(\d+)</span>', page)
    assert found, f"a tab for {stage}"
    return int(found.group(1))


async def test_a_case_held_by_one_reviewer_is_refused_to_another_in_words_until_released(stack: Stack) -> None:
    request_id = await stack.submit("red-notice-fraud.json")
    await stack.settle(request_id, "legal_assessment")

    claimed = await stack.api("reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/claim")
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["detail"].startswith("you hold the case until")

    refused = await stack.api("reviewer:legal.eli", "POST", f"/v1/cases/{request_id}/claim", json={})
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["kind"] == "ClaimedByOther"
    assert problem["detail"].startswith("The case is held by legal.ana until ")
    wrong = await stack.api("reviewer:legal.eli", "POST", f"/v1/cases/{request_id}/claim",
                            json={"reviewer_id": "legal.ana"})
    assert wrong.status_code == 403 and wrong.json()["kind"] == "WrongPrincipal"
    assert (await stack.api("reviewer:legal.eli", "POST", f"/v1/cases/{request_id}/release")).status_code == 409
    assert (await stack.api("ncb:FR", "POST", f"/v1/cases/{request_id}/claim")).status_code == 403

    await sign_in(stack, "reviewer:legal.ana")
    for _ in range(100):  # the list is eventually consistent
        mine = await queue_rows(stack, "holder=me")
        if request_id in mine:
            break
        await asyncio.sleep(0.2)
    assert request_id in mine
    assert request_id not in await queue_rows(stack, "holder=nobody")

    released = await stack.api("reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/release")
    assert released.status_code == 200
    assert (await stack.case(request_id))["assignee"] is None
    for _ in range(100):
        unassigned = await queue_rows(stack, "holder=nobody")
        if request_id in unassigned:
            break
        await asyncio.sleep(0.2)
    assert request_id in unassigned
    assert request_id not in await queue_rows(stack, "holder=me")
    timeline = [event["event"] for event in (await stack.case(request_id))["timeline"]]
    assert timeline[-2:] == ["claimed", "released"]


async def test_the_queue_pages_filters_and_counts_per_stage(stack: Stack) -> None:
    ids = [await stack.submit(name) for name in ("red-notice-fraud.json", "red-notice-defamation.json")]
    await stack.settle(ids[0], "legal_assessment")
    await stack.settle(ids[1], "detailed_review")
    await sign_in(stack, "reviewer:legal.ana")
    for _ in range(100):
        page = await queue_rows(stack, "")
        if all(request_id in page for request_id in ids):
            break
        await asyncio.sleep(0.2)
    assert count_of(page, "legal_assessment") == 1 and count_of(page, "detailed_review") == 1
    assert count_of(page, "awaiting_decision") == 0
    only_pe = await queue_rows(stack, "ncb=pe")
    assert ids[1] in only_pe and ids[0] not in only_pe
    high = await queue_rows(stack, "risk=high&stage=detailed_review")
    assert ids[1] in high and ids[0] not in high
    assert ids[0] not in await queue_rows(stack, "overdue=yes")
    assert "No case matches these filters." in await queue_rows(stack, "kind=wanted_person_diffusion")


# --- paging, through the adapter, without a server --------------------------------------------------


class _Door:
    def __init__(self, db: Database) -> None:
        self.db = db


async def test_the_queue_is_paged_by_cursor_nearest_deadline_first(tmp_path: Path) -> None:
    """The console's page over the registry's read model: the nearest deadline first, forward cursors
    with the position carried, who holds what, a claim that lapsed counted as none."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    now = datetime.now(UTC)
    async with sqlite_database(tmp_path) as url:
        db = Database.from_url(url)
        try:
            async with db.transaction() as session:
                for n in range(60):
                    deadline = start + timedelta(days=60 - n)
                    await session.execute(insert(CaseQueueRow).values(
                        request_id=f"R-FR-{n:03d}", stage="detailed_review", kind="red_notice",
                        requesting_ncb="FR", risk="low", next_deadline=deadline, sort_deadline=deadline,
                        assignee="legal.ana" if n in (59, 10) else None,
                        claimed_until=now + timedelta(hours=1) if n == 59 else now - timedelta(hours=1),
                        last_action="screened", updated_at=now, version=1,
                    ))
            door = cast(Door, _Door(db))
            first = await load_queue(door, QueueFilters())
            assert [r.request_id for r in first.rows][:2] == ["R-FR-059", "R-FR-058"], "nearest deadline first"
            assert first.rows[0].assignee == "legal.ana" and first.total == 60 and first.previous_cursor is None
            assert first.counts["detailed_review"] == 60 and first.next_cursor and first.offset == 0
            second = await load_queue(door, QueueFilters(cursor=first.next_cursor, at=25))
            assert second.rows[0].request_id == "R-FR-034" and second.previous_cursor == "" and second.offset == 25
            assert second.next_cursor
            last = await load_queue(door, QueueFilters(cursor=second.next_cursor, at=50))
            assert len(last.rows) == 10 and last.next_cursor is None
            seen = [r.request_id for page in (first, second, last) for r in page.rows]
            assert sorted(seen) == sorted(f"R-FR-{n:03d}" for n in range(60)), "every case once"
            mine = await load_queue(door, QueueFilters(assignee="legal.ana"))
            assert [r.request_id for r in mine.rows] == ["R-FR-059"], "R-FR-010's claim lapsed"
            assert (await load_queue(door, QueueFilters(unassigned=True))).total == 59
            mangled = await load_queue(door, QueueFilters(cursor="not-a-cursor", at=25))
            assert mangled.offset == 0 and mangled.rows[0].request_id == "R-FR-059", "a bad cursor: first page"
        finally:
            await db.dispose()


async def test_ndtf_claim_and_release_hold_and_free_a_case(
    stack: Stack, served: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = await stack.submit("red-notice-fraud.json")
    await stack.settle(request_id, "legal_assessment")
    store = tmp_path / "credentials.json"
    for reviewer_id in ("legal.ana", "legal.eli"):
        store_token(f"reviewer:{reviewer_id}", stack.tokens[f"reviewer:{reviewer_id}"], store)
    monkeypatch.setenv("NOTICE_API", served)
    monkeypatch.setenv("NOTICE_CREDENTIALS", str(store))
    runner = CliRunner()

    async def ndtf(*args: str) -> Result:
        return await asyncio.to_thread(lambda: runner.invoke(ndtf_app, list(args)))

    claimed = await ndtf("claim", request_id, "--as", "legal.ana", "--json")
    assert claimed.exit_code == 0, claimed.output
    assert "you hold the case until" in claimed.output
    refused = await ndtf("claim", request_id, "--as", "legal.eli")
    assert refused.exit_code == 3 and "ClaimedByOther" in refused.output
    released = await ndtf("release", request_id, "--as", "legal.ana")
    assert released.exit_code == 0, released.output
    assert (await stack.case(request_id))["assignee"] is None
