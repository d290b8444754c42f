"""Name search benchmark: ``ncb search --name`` against the scan it replaced, in the same run.

    .venv/bin/python -m benchmarks.search_bench                     # 70,000 published notices
    .venv/bin/python -m benchmarks.search_bench --size 10000 --queries 100   # quick

It fills a fresh SQLite registry with synthetic published notices (the matcher benchmark's people:
several naming cultures, Zipf-skewed so common names are common, some in Cyrillic), then runs the
same name queries (a list entry's family name, family name and forename, a typo, a prefix, a
transliteration, and names not on the list) through two implementations:

- **scan**: the former ``search_notices``, which reads every published notice and scores each with
  ``name_matches`` (``linear_search`` below, kept as the reference);
- **vocabulary**: today's ``Registry.search_notices``, which keeps the name tokens of the
  notices published so far (reading only those published since the last search), finds the tokens
  each searched token accepts, and scores only the filtered notices holding them. The first query
  builds the vocabulary, so its time is in the p99.

It checks that both return the same hits for every query, and reports each one's p50 / p99 latency
and the ratio of the medians. The ratio, not the absolute time, is the figure to compare across
machines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from benchmarks.synthetic import Person, make_people, make_queries
from models.activities import SearchNoticesInput, SearchResults
from models.notice import NoticeStatus
from registry.database import Database, migrate
from registry.store import Registry, _notice_hit
from registry.tables import NoticeRow, RequestRow, SequenceRow, name_key, nationality_codes
from runtime.config import Settings
from screening.vocabulary import TopHits


async def linear_search(db: Database, input: SearchNoticesInput) -> SearchResults:
    """The reference: every published notice scored with ``name_matches`` (newest first)."""
    ranked = TopHits(input.limit, input.name)
    query = (
        select(NoticeRow)
        .where(NoticeRow.status == NoticeStatus.PUBLISHED.value)
        .order_by(NoticeRow.published_at.desc(), NoticeRow.notice_id)
    )
    async with db.transaction() as session:
        for notice in await session.scalars(query):
            ranked.consider(_notice_hit(notice))
    return SearchResults(hits=ranked.hits())


async def fill(db: Database, size: int, seed: int = 7) -> list[str]:
    """``size`` published notices (and their requests); returns the names to search for."""
    people = make_people(size, seed=seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with db.transaction() as session:
        for first in range(0, size, 2000):
            chunk = list(enumerate(people[first : first + 2000], start=first))
            requests: list[dict[str, Any]] = []
            notices: list[dict[str, Any]] = []
            for i, person in chunk:
                when = start + timedelta(minutes=i)
                common = {
                    "family_name": person.family_name,
                    "forenames": person.forenames,
                    "date_of_birth": person.date_of_birth or None,
                    "nationalities": person.nationalities,
                    "nationality_codes": nationality_codes(person.nationalities),
                }
                requests.append({
                    "request_id": f"R-{i}", "workflow_id": f"wf-{i}", "requesting_ncb": "FR",
                    "ncb_reference": f"ref-{i}", "kind": "red_notice", "purpose": "prosecution",
                    "stage": "published", "request": {}, "registered_at": when, "updated_at": when, **common,
                })
                notices.append({
                    "notice_id": f"N-{i}", "request_id": f"R-{i}", "kind": "red_notice", "requesting_ncb": "FR",
                    "status": "published", "published_at": when, "status_changed_at": when,
                    "name_key": name_key(person.family_name, person.forenames), "seq": i + 1, **common,
                })
            await session.execute(insert(RequestRow), requests)
            await session.execute(insert(NoticeRow), notices)
        # as publish_notice leaves it: the counter at the last notice's place in publication order
        await session.execute(update(SequenceRow).where(SequenceRow.name == "notices").values(value=size))
    return names_to_search(people)


def names_to_search(people: list[Person], count: int = 200, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    names: list[str] = []
    for query in make_queries(people, count, seed=seed):
        first_forename = query.forenames.split()[0] if query.forenames else ""
        shape = rng.choice(["family", "family forename", "prefix", "as queried"])
        if shape == "family":
            names.append(query.family_name)
        elif shape == "family forename":
            names.append(f"{query.family_name} {first_forename}".strip())
        elif shape == "prefix":
            names.append(query.family_name[: max(3, len(query.family_name) // 2)])
        else:
            names.append(f"{query.forenames} {query.family_name}".strip())
    return names


def _ids(results: SearchResults) -> list[tuple[str | None, float | None]]:
    return [(hit.notice_id, hit.score) for hit in results.hits]


async def run(size: int, queries: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await migrate(url)
        db = Database.from_url(url)
        started = time.perf_counter()
        names = (await fill(db, size))[:queries]
        print(f"{size:,} published notices written in {time.perf_counter() - started:.1f} s; {len(names)} queries")
        registry = Registry(db, Settings())
        timings: dict[str, list[float]] = {"scan": [], "vocabulary": []}
        mismatches = 0
        for name in names:
            query = SearchNoticesInput(viewer_ncb="DE", name=name)
            begin = time.perf_counter()
            reference = await linear_search(db, query)
            timings["scan"].append(time.perf_counter() - begin)
            begin = time.perf_counter()
            results = await registry.search_notices(query)
            timings["vocabulary"].append(time.perf_counter() - begin)
            if _ids(results) != _ids(reference):
                mismatches += 1
                print(f"  different hits for {name!r}", file=sys.stderr)
        await db.dispose()
    print(f"{'':12}{'p50 ms':>10}{'p99 ms':>10}")
    for label, values in timings.items():
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(f"{label:12}{statistics.median(values) * 1000:10.1f}{p99 * 1000:10.1f}")
    ratio = statistics.median(timings["scan"]) / statistics.median(timings["vocabulary"])
    print(f"median speed-up (scan / vocabulary): {ratio:.1f}x; queries with different hits: {mismatches}")
    return 1 if mismatches else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=70_000, help="published notices")
    parser.add_argument("--queries", type=int, default=60)
    args = parser.parse_args(argv)
    code = asyncio.run(run(args.size, args.queries))
    sys.stdout.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
