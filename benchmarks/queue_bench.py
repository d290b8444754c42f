"""The reviewers' queue and the duplicate check at N open cases, against the registry alone.

    .venv/bin/python -m benchmarks.queue_bench                       # 10,000 open cases, SQLite
    .venv/bin/python -m benchmarks.queue_bench --open 2000 --runs 50  # quick
    .venv/bin/python -m benchmarks.queue_bench --database-url postgresql+asyncpg://postgres@127.0.0.1/test

**Queue.** Fills a fresh, migrated registry with ``--open`` synthetic rows of ``case_queue`` (every open
stage, 30 NCBs, a tenth without a deadline, some claimed), then times ``registry.queue.query_queue`` (the
first page, a page deep in the queue through its cursor, filters, every page of the default filter) and
the API's ``GET /v1/cases`` in-process (the real app over ``httpx.ASGITransport``, a local credential, a
Temporal client that nothing answers: the route never calls it). It checks the first page is the oldest
deadlines and that paging returns every case once.

**Duplicate check.** Registers ``--pending`` synthetic pending requests (the matcher benchmark's people:
several naming cultures, Zipf-skewed), then times ``ReferenceStore.duplicate_candidates`` against the
pending names' index, beside ``rebuilt_each_time`` below: the check as it was, reading every pending
request and tokenising every name for each screening.

Times are wall clock (``time.perf_counter``) per call, p50 and p95 over ``--runs`` calls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text, update

from benchmarks.synthetic import make_people
from models.queue import MAX_PAGE, QUEUE_STAGES, QueueFilter
from registry.database import Database, migrate
from registry.pending_names import request_name_key
from registry.queue import query_queue
from registry.references import ReferenceStore
from registry.tables import (
    NO_DEADLINE,
    NOT_PENDING_STAGES,
    REQUEST_ALIASES,
    CaseQueueRow,
    PendingNameRow,
    RequestRow,
    SequenceRow,
    alias_names,
    name_key,
    nationality_codes,
)
from screening.vocabulary import NameVocabulary

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
NCBS = ["FR", "DE", "BR", "RU", "TR", "IN", "CN", "US", "MX", "NG", "EG", "AR", "ES", "IT", "PL", "UA", "KE", "ZA",
        "ID", "PK", "BD", "IR", "IQ", "SA", "MA", "CO", "PE", "VE", "PH", "TH"]
REVIEWERS = ["legal.ana", "legal.eli", "police.ben", "ops.chen", "sup.dana"]


async def fill_queue(db: Database, size: int, seed: int = 5) -> None:
    """``size`` open cases in ``case_queue``, as the workflows' snapshots would leave them."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    weights = [1, 2, 30, 20, 30, 17]  # most cases wait for reviewers
    for n in range(size):
        deadline = None if rng.random() < 0.1 else NOW + timedelta(minutes=rng.randint(-30 * 1440, 60 * 1440))
        claimed = rng.random() < 0.2
        rows.append({
            "request_id": f"R-{NCBS[n % len(NCBS)]}-{n:016x}", "stage": rng.choices(QUEUE_STAGES, weights)[0],
            "kind": "red_notice" if rng.random() < 0.8 else "wanted_person_diffusion",
            "requesting_ncb": NCBS[n % len(NCBS)], "risk": rng.choice(["low", "low", "medium", "high"]),
            "next_deadline": deadline, "sort_deadline": deadline or NO_DEADLINE,
            "overdue": bool(deadline and deadline < NOW), "escalated": rng.random() < 0.05,
            "blocking": rng.randint(0, 2), "doubts": rng.randint(0, 4),
            "assignee": rng.choice(REVIEWERS) if claimed else None,
            "claimed_until": NOW + timedelta(hours=rng.randint(-4, 8)) if claimed else None,
            "last_action": "screened", "updated_at": NOW, "version": rng.randint(3, 40),
        })
    async with db.transaction() as session:
        for start in range(0, size, 2000):
            await session.execute(insert(CaseQueueRow), rows[start : start + 2000])


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


Figure = tuple[str, float, float, float]
"""What, wall p50 and p95 (ms), and the process's CPU per call (ms): on a shared machine the CPU time is
the figure that does not move with the neighbours' load."""


async def timed(call: Callable[[], Awaitable[Any]], runs: int) -> tuple[float, float, float]:
    await call()  # warm: the first call pays the connection and the statement cache
    samples = []
    cpu = time.process_time()
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return (*percentiles(samples), (time.process_time() - cpu) / runs * 1000)


async def queue_figures(db: Database, size: int, runs: int) -> list[Figure]:
    figures = []
    first = await query_queue(db, QueueFilter(), now=NOW)
    deep_cursor = first.next_cursor
    for _ in range(min(60, first.total // first.limit - 1)):
        page = await query_queue(db, QueueFilter(cursor=deep_cursor), now=NOW)
        deep_cursor = page.next_cursor
    # correctness at this size: every page of the default filter, in order, each case once
    seen: list[tuple[datetime, str]] = []
    cursor: str | None = None
    started = time.perf_counter()
    pages = 0
    while True:
        page = await query_queue(db, QueueFilter(cursor=cursor, limit=MAX_PAGE), now=NOW)
        pages += 1
        seen += [(e.next_deadline or NO_DEADLINE, e.request_id) for e in page.entries]
        cursor = page.next_cursor
        if cursor is None:
            break
    all_pages = time.perf_counter() - started
    assert seen == sorted(seen) and len(set(seen)) == len(seen) == first.total, "complete and in order"
    label = f"every page at {MAX_PAGE} ({pages} pages, {first.total} cases), total"
    figures.append((label, all_pages * 1000, 0.0, 0.0))
    cases = [
        ("first page (50), counts per stage", QueueFilter()),
        ("a page deep in the queue (cursor)", QueueFilter(cursor=deep_cursor)),
        ("one stage, one NCB", QueueFilter(stages=["legal_assessment"], requesting_ncb="FR")),
        ("claimed by one reviewer", QueueFilter(assignee="legal.ana")),
        ("unassigned, overdue", QueueFilter(unassigned=True, overdue=True)),
        ("every open stage, 500 a page", QueueFilter(stages=list(QUEUE_STAGES), limit=MAX_PAGE)),
    ]
    for label, wanted in cases:
        figures.append((label, *await timed(partial(query_queue, db, wanted, now=NOW), runs)))
    return figures


async def api_figures(db: Database, runs: int, tmp: Path) -> list[Figure]:
    """``GET /v1/cases`` through the real app, in-process."""
    import httpx
    from temporalio.client import Client

    from api.app import create_app
    from api.credentials import CredentialHolder, LocalAuthenticator, LocalCredentials
    from api.limits import Limits
    from models.reference import ReferenceKind
    from runtime.client import data_converter
    from runtime.config import Settings

    await ReferenceStore(db).load_text(ReferenceKind.REVIEWERS, "reviewer_id,name,roles\nlegal.ana,Ana,legal\n")
    credentials = LocalCredentials(path=tmp / "api-credentials.json")
    token = credentials.issue(CredentialHolder.for_reviewer("legal.ana"))[1]
    nowhere = await Client.connect("127.0.0.1:1", lazy=True, data_converter=data_converter())
    limits = Limits(rate_per_second=1_000_000, burst=1_000_000)
    app = create_app(nowhere, db, Settings(database_url="unused"), LocalAuthenticator(credentials), limits=limits)
    headers = {"Authorization": f"Bearer {token}"}
    figures = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as http:
        first = await http.get("/v1/cases", headers=headers)
        assert first.status_code == 200, first.text
        cursor = first.json()["next_cursor"]
        for label, params in (
            ("GET /v1/cases (first page)", {}),
            ("GET /v1/cases?cursor=… (second page)", {"cursor": cursor}),
            ("GET /v1/cases?assignee=me", {"assignee": "me"}),
        ):
            async def get(p: dict[str, str] = params) -> None:
                answer = await http.get("/v1/cases", headers=headers, params=p)
                assert answer.status_code == 200, answer.text

            figures.append((label, *await timed(get, runs)))
    return figures


# --- the duplicate check -----------------------------------------------------------------------------


async def rebuilt_each_time(db: Database, request_id: str, names: list[str]) -> set[str]:
    """The duplicate check's prefilter over pending requests as it was: every pending request read, every
    name tokenised again, for each screening."""
    wanted = {token for name in names for token in name_key(name).split()}
    async with db.transaction() as session:
        pending = NameVocabulary()
        rows = await session.execute(
            select(RequestRow.request_id, RequestRow.family_name, RequestRow.forenames, REQUEST_ALIASES)
            .where(RequestRow.stage.not_in(list(NOT_PENDING_STAGES)))
        )
        for other, family_name, forenames, aliases in rows:
            pending.add(other, name_key(family_name, forenames, *chain.from_iterable(alias_names(aliases))))
    return {holder for token in wanted for holder in pending.holding_any(token)} - {request_id}


async def fill_pending(db: Database, size: int) -> list[list[str]]:
    """``size`` pending requests and their names in the index; the names to check, some of them theirs."""
    people = make_people(size, seed=13)
    requests, names = [], []
    for i, person in enumerate(people):
        body = {"subject": {"family_name": person.family_name, "forenames": person.forenames, "aliases": []}}
        requests.append({
            "request_id": f"R-P-{i}", "workflow_id": f"wf-{i}", "requesting_ncb": "FR", "ncb_reference": f"p-{i}",
            "kind": "red_notice", "purpose": "prosecution", "stage": "detailed_review", "request": body,
            "family_name": person.family_name, "forenames": person.forenames, "date_of_birth": None,
            "nationalities": person.nationalities, "nationality_codes": nationality_codes(person.nationalities),
            "registered_at": NOW, "updated_at": NOW,
        })
        names.append({"request_id": f"R-P-{i}", "name_key": request_name_key(body), "pending": True, "seq": i + 1})
    async with db.transaction() as session:
        for start in range(0, size, 2000):
            await session.execute(insert(RequestRow), requests[start : start + 2000])
            await session.execute(insert(PendingNameRow), names[start : start + 2000])
        await session.execute(update(SequenceRow).where(SequenceRow.name == "pending_names").values(value=size))
    rng = random.Random(3)
    return [[p.family_name, p.forenames] for p in rng.sample(people, 40)]


def _cycling(names: list[list[str]], check: Callable[[list[str]], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
    """A call that checks the next of ``names`` each time."""
    each = iter(names * 1000)
    return lambda: check(next(each))


async def duplicate_figures(url: str, sizes: list[int], runs: int) -> list[Figure]:
    figures = []
    for size in sizes:
        db = Database.from_url(url)
        try:
            async with db.transaction() as session:
                await session.execute(text("DELETE FROM pending_names"))
                await session.execute(text("DELETE FROM requests WHERE request_id LIKE 'R-P-%'"))
            checks = await fill_pending(db, size)
            store = ReferenceStore(db)
            index = await timed(_cycling(checks, partial(store.duplicate_candidates, "R-new")), runs)
            rebuilt = await timed(_cycling(checks, partial(rebuilt_each_time, db, "R-new")), max(5, runs // 5))
            for check in checks[:10]:
                found = {c.request_id for c in await store.duplicate_candidates("R-new", check)}
                assert found == await rebuilt_each_time(db, "R-new", check), "the index finds what the scan found"
        finally:
            await db.dispose()
        figures.append((f"duplicate check, {size:,} pending: the index", *index))
        figures.append((f"duplicate check, {size:,} pending: rebuilt each time (before)", *rebuilt))
    return figures


def print_table(title: str, figures: list[Figure]) -> None:
    print(f"\n{title}")
    print(f"| {'what':<62} | {'p50 ms':>8} | {'p95 ms':>8} | {'CPU ms':>8} |")
    print(f"|{'-' * 64}|{'-' * 10}|{'-' * 10}|{'-' * 10}|")
    for label, p50, p95, cpu in figures:
        cells = [f"{p50:8.1f}", f"{p95:8.1f}" if p95 else " " * 8, f"{cpu:8.1f}" if cpu else " " * 8]
        print(f"| {label:<62} | {' | '.join(cells)} |")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'queue-bench.db'}"
        await migrate(url)
        db = Database.from_url(url)
        try:
            async with db.transaction() as session:
                await session.execute(text("DELETE FROM case_queue"))
            await fill_queue(db, args.open)
            queue = await queue_figures(db, args.open, args.runs)
            api = await api_figures(db, args.runs, tmp)
        finally:
            await db.dispose()
        duplicates = await duplicate_figures(url, args.pending, max(10, args.runs // 2)) if args.pending else []
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print_table(f"queue at {args.open:,} open cases ({backend}), registry.queue.query_queue", queue)
    print_table("the API, in-process (httpx.ASGITransport), a reviewer's credential", api)
    if duplicates:
        print_table(f"duplicate check prefilter over pending requests ({backend})", duplicates)
    return {"queue": queue, "api": api, "duplicates": duplicates}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=10_000, help="open cases in the queue")
    parser.add_argument("--runs", type=int, default=100, help="timed calls per figure")
    parser.add_argument("--pending", type=int, nargs="*", default=[1_000, 10_000],
                        help="pending requests for the duplicate check (none: skip it)")
    parser.add_argument("--database-url", default=None, help="a migrated-or-empty database (default: a fresh SQLite)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    if args.json:
        print(json.dumps(figures))
    sys.stdout.flush()
    os._exit(0)  # temporalio/sdk-python#300


if __name__ == "__main__":
    main()
