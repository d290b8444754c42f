"""Reference data loads: all of a good file, none of a bad one (every problem listed), nothing twice."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from activities.registry import RegistryActivities
from models.activities import RegisterRequestInput, ReviewerLookupInput
from models.reference import ReferenceKind, ReviewerRole
from registry.database import Database
from registry.references import ReferenceDataError, ReferenceStore
from runtime.config import Settings
from tests.data.conftest import NOW, make_request

REFUGEES = """family_name,forenames,date_of_birth,nationalities,granted_by,persecution_country,status,decided_on
NÚÑEZ,Carlos,1980-05,VE,ES,VE,granted,2021-06-01
Okafor,Chidi,,NG;GB,GB,NG,revoked,
"""

BAD_REFUGEES = """family_name,forenames,date_of_birth,nationalities,granted_by,persecution_country,status,decided_on
Good,Row,1980,VE,ES,VE,granted,2021-06-01
,Nameless,1980-13,VE;QQ,ES,VE,granted,2021-06-01
Bad,Status,1975,VE,ZZ,VE,pending,01/02/2020
Short,Row
"""

CONTEXT = """country,kind,from,to,note
VE,unrest,2019-01-10,,protests
RU,armed_conflict,2022-02-24,,
BR,election,2022-10-02,2022-10-30,
"""

DISPUTES = """country_a,country_b,from,to,note
RU,UA,2014-02-20,,
"""

REVIEWERS = """reviewer_id,name,roles
rev-legal,Ana Legal,legal
rev-super,Sam Super,supervisor;legal
"""


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


async def test_good_file_loads_and_screening_reads_it(fresh_db: Database, tmp_path: Path) -> None:
    store = ReferenceStore(fresh_db)
    report = await store.load_csv(ReferenceKind.REFUGEES, _write(tmp_path, "refugees.csv", REFUGEES))

    assert (report.rows, report.changed, report.version) == (2, True, 1)
    refugees = await store.all_refugees()
    assert [(r.family_name, r.nationalities, r.status, r.decided_on) for r in refugees] == [
        ("NÚÑEZ", ("VE",), "granted", date(2021, 6, 1)),
        ("Okafor", ("NG", "GB"), "revoked", None),
    ]
    assert await store.version(ReferenceKind.REFUGEES) == 1
    assert await store.version(ReferenceKind.POLITICAL_TARGETING) == 0


async def test_file_with_bad_rows_reports_each_by_line_and_loads_nothing(fresh_db: Database, tmp_path: Path) -> None:
    store = ReferenceStore(fresh_db)
    with pytest.raises(ReferenceDataError) as refused:
        await store.load_csv(ReferenceKind.REFUGEES, _write(tmp_path, "bad.csv", BAD_REFUGEES))

    problems = {(p.line, p.field) for p in refused.value.problems}
    assert problems == {
        (3, "family_name"),
        (3, "date_of_birth"),
        (3, "nationalities"),
        (4, "granted_by"),
        (4, "status"),
        (4, "decided_on"),
        (5, "row"),
    }
    assert await store.all_refugees() == []
    assert await store.version(ReferenceKind.REFUGEES) == 0


async def test_wrong_header_is_refused(fresh_db: Database) -> None:
    with pytest.raises(ReferenceDataError) as refused:
        await ReferenceStore(fresh_db).load_text(ReferenceKind.REVIEWERS, "id,name,roles\nx,y,legal\n")
    assert [(p.line, p.field) for p in refused.value.problems] == [(1, "header")]


async def test_reloading_the_same_content_changes_nothing(fresh_db: Database, tmp_path: Path) -> None:
    store = ReferenceStore(fresh_db)
    path = _write(tmp_path, "context.csv", CONTEXT)
    first = await store.load_csv(ReferenceKind.COUNTRY_CONTEXT, path)
    again = await store.load_csv(ReferenceKind.COUNTRY_CONTEXT, path)
    crlf = await store.load_text(ReferenceKind.COUNTRY_CONTEXT, CONTEXT.replace("\n", "\r\n"))
    changed = await store.load_text(ReferenceKind.COUNTRY_CONTEXT, CONTEXT + "FR,unrest,2023-06-27,2023-07-05,\n")

    assert (first.changed, first.version) == (True, 1)
    assert (again.changed, again.version, again.rows) == (False, 1, 3)
    assert (crlf.changed, crlf.version) == (False, 1)
    assert (changed.changed, changed.version, changed.rows) == (True, 2, 4)
    venezuela = await store.country_context(["ve", "BR"])
    assert [(c.country, c.kind, c.end) for c in venezuela] == [
        ("BR", "election", date(2022, 10, 30)),
        ("VE", "unrest", None),
    ]


async def test_disputes_are_found_from_either_side(fresh_db: Database) -> None:
    store = ReferenceStore(fresh_db)
    await store.load_text(ReferenceKind.INTERSTATE_DISPUTES, DISPUTES)
    assert [(d.country_a, d.country_b) for d in await store.interstate_disputes(["UA"])] == [("RU", "UA")]
    assert await store.interstate_disputes(["FR"]) == []


async def test_reviewer_roster_gives_roles(fresh_db: Database) -> None:
    await ReferenceStore(fresh_db).load_text(ReferenceKind.REVIEWERS, REVIEWERS)
    found = await RegistryActivities(fresh_db, Settings()).lookup_reviewer(ReviewerLookupInput(reviewer_id="rev-super"))
    assert found.reviewer is not None
    assert found.reviewer.roles == [ReviewerRole.SUPERVISOR, ReviewerRole.LEGAL]


async def test_duplicate_candidates_share_a_family_name_token(fresh_db: Database) -> None:
    registry = RegistryActivities(fresh_db, Settings())
    for reference, family in [("A", "García López"), ("B", "GARCIA"), ("C", "Smith")]:
        await registry.register_request(
            RegisterRequestInput(
                request_id=f"req-{reference}",
                workflow_id=f"wf-{reference}",
                request=make_request(reference=reference, family_name=family),
                registered_at=NOW,
            )
        )
    candidates = await ReferenceStore(fresh_db).duplicate_candidates("req-A", ["García López"])
    assert [c.request_id for c in candidates] == ["req-B"]


async def test_duplicates_are_candidates_with_names_swapped_misspelt_or_in_another_script(fresh_db: Database) -> None:
    registry = RegistryActivities(fresh_db, Settings())
    await registry.register_request(
        RegisterRequestInput(
            request_id="req-first",
            workflow_id="wf-first",
            request=make_request(reference="first", family_name="Petrov"),
            registered_at=NOW,
        )
    )
    store = ReferenceStore(fresh_db)
    swapped = await store.duplicate_candidates("req-second", ["Ivan", "Petrov"])  # family name "Ivan"
    cyrillic = await store.duplicate_candidates("req-third", ["Петров", "Иван"])
    unrelated = await store.duplicate_candidates("req-fourth", ["Ivanova", "Anna"])
    misspelt = await store.duplicate_candidates("req-fifth", ["Petrof", "Ivan"])
    assert [c.request_id for c in swapped] == [c.request_id for c in cyrillic] == ["req-first"]
    assert [c.request_id for c in misspelt] == ["req-first"]
    assert unrelated == []
