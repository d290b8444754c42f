"""The ``members`` list: the organisation's member countries, loaded like every reference list, read by
the broadcasts (``member_ncbs``) and shipped in data/reference/members.csv."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import pycountry
import pytest

from activities.registry import RegistryActivities
from models.activities import MembersInput
from models.reference import Member, NcbLanguage, ReferenceKind
from registry.database import Database
from registry.references import ReferenceDataError, ReferenceStore, iso_countries, parse_reference_csv
from runtime.config import PROJECT_ROOT, Settings

SHIPPED = PROJECT_ROOT / "data" / "reference" / "members.csv"

MEMBERS = """country,name,joined,language
FR,France,1923,fr
de,Germany,1923-09-07,
PS,Palestine,2017,ar
"""

WITHOUT_LANGUAGE = """country,name,joined
FR,France,1923
BR,Brazil,1953
"""

BAD_MEMBERS = """country,name,joined,language
FR,France,1923,fr
XX,Nowhere,1990,en
DE,,1923,de
FR,France again,1923,fr
IT,Italy,1923-02-30,en
ES,Spain,2999,es
AT,Austria,1900,en
PE,Peru
"""


def _write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


async def test_members_load_with_their_language_english_by_default(fresh_db: Database, tmp_path: Path) -> None:
    store = ReferenceStore(fresh_db)
    report = await store.load_csv(ReferenceKind.MEMBERS, _write(tmp_path, "members.csv", MEMBERS))

    assert (report.rows, report.changed, report.version) == (3, True, 1)
    assert await store.members() == [
        Member(country="DE", name="Germany", joined="1923-09-07", language=NcbLanguage.ENGLISH),
        Member(country="FR", name="France", joined="1923", language=NcbLanguage.FRENCH),
        Member(country="PS", name="Palestine", joined="2017", language=NcbLanguage.ARABIC),
    ]
    assert await store.member_ncbs() == ["DE", "FR", "PS"]

    without = await store.load_text(ReferenceKind.MEMBERS, WITHOUT_LANGUAGE)
    assert (without.rows, without.version) == (2, 2)
    assert {m.country: m.language for m in await store.members() or []} == {
        "BR": NcbLanguage.ENGLISH,
        "FR": NcbLanguage.ENGLISH,
    }


async def test_a_members_file_with_bad_rows_reports_each_by_line_and_loads_nothing(
    fresh_db: Database, tmp_path: Path
) -> None:
    store = ReferenceStore(fresh_db)
    await store.load_text(ReferenceKind.MEMBERS, WITHOUT_LANGUAGE)
    with pytest.raises(ReferenceDataError) as refused:
        await store.load_csv(ReferenceKind.MEMBERS, _write(tmp_path, "bad.csv", BAD_MEMBERS))

    assert {(p.line, p.field) for p in refused.value.problems} == {
        (3, "country"),
        (4, "name"),
        (4, "language"),
        (5, "country"),
        (6, "joined"),
        (7, "joined"),
        (8, "joined"),
        (9, "row"),
    }
    assert "already listed on line 2" in next(p.message for p in refused.value.problems if p.line == 5)
    assert await store.member_ncbs() == ["BR", "FR"], "the list loaded before is left as it was"
    assert await store.version(ReferenceKind.MEMBERS) == 1


@pytest.mark.parametrize(
    "content",
    [
        "country,name\nFR,France\n",
        "country,name,joined,language,language\nFR,France,1923,fr,fr\n",
        "country,name,joined,region\nFR,France,1923,Europe\n",
        "name,country,joined\nFrance,FR,1923\n",
    ],
)
def test_a_members_header_is_the_three_columns_and_optionally_language(content: str) -> None:
    with pytest.raises(ReferenceDataError) as refused:
        parse_reference_csv(ReferenceKind.MEMBERS, content)
    assert [(p.line, p.field) for p in refused.value.problems] == [(1, "header")]


def test_an_empty_members_list_is_refused() -> None:
    with pytest.raises(ReferenceDataError) as refused:
        parse_reference_csv(ReferenceKind.MEMBERS, "country,name,joined,language\n")
    assert [(p.line, p.field) for p in refused.value.problems] == [(2, "row")]


async def test_loading_the_same_members_again_changes_nothing(fresh_db: Database, tmp_path: Path) -> None:
    store = ReferenceStore(fresh_db)
    path = _write(tmp_path, "members.csv", MEMBERS)
    first = await store.load_csv(ReferenceKind.MEMBERS, path)
    again = await store.load_csv(ReferenceKind.MEMBERS, path)
    crlf = await store.load_text(ReferenceKind.MEMBERS, MEMBERS.replace("\n", "\r\n"))

    assert (first.changed, first.version) == (True, 1)
    assert (again.changed, again.version, again.rows) == (False, 1, 3)
    assert (crlf.changed, crlf.version) == (False, 1)
    assert await store.member_ncbs() == ["DE", "FR", "PS"]


async def test_member_ncbs_is_the_loaded_list_and_the_iso_list_until_one_is_loaded(
    fresh_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    activities = RegistryActivities(fresh_db, Settings())
    with caplog.at_level(logging.WARNING, logger="registry.references"):
        before = await activities.member_ncbs(MembersInput())
    assert before.ncbs == iso_countries() and len(before.ncbs) == 249
    assert "no members list is loaded" in caplog.text

    await ReferenceStore(fresh_db).load_csv(ReferenceKind.MEMBERS, SHIPPED)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="registry.references"):
        loaded = await activities.member_ncbs(MembersInput())
    assert len(loaded.ncbs) == 196 and loaded.ncbs == sorted(loaded.ncbs)
    assert "KP" not in loaded.ncbs and {"PS", "VA", "FR"} <= set(loaded.ncbs)
    assert caplog.text == ""


# --- the shipped list ------------------------------------------------------------------------------


def _shipped() -> list[dict[str, str]]:
    with SHIPPED.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_shipped_members_are_interpols_196_without_north_korea() -> None:
    rows = parse_reference_csv(ReferenceKind.MEMBERS, SHIPPED.read_text(encoding="utf-8"))
    codes = [row["country"] for row in rows]

    assert len(rows) == 196 == len(set(codes))
    assert all(pycountry.countries.get(alpha_2=code) is not None for code in codes)
    assert "KP" not in codes, "North Korea is not a member"
    assert "TV" not in codes, "Tuvalu is not a member"
    assert {"PS", "VA", "AW", "CW", "SX"} <= set(codes), "members that are not UN member states"
    assert {"SS", "KI", "VU", "FM", "PW", "SB"} <= set(codes), "the members admitted since 2011"
    assert [row["country"] for row in _shipped()] == codes, "every row parsed as written"


def test_the_shipped_members_are_written_to_in_their_working_language() -> None:
    languages = {row["country"]: row["language"] for row in _shipped()}
    assert {languages[c] for c in ("SA", "EG", "MA", "DZ", "PS", "AE")} == {"ar"}
    assert {languages[c] for c in ("FR", "SN", "CI", "HT", "BE")} == {"fr"}
    assert {languages[c] for c in ("ES", "MX", "AR", "PE", "GQ")} == {"es"}
    assert {languages[c] for c in ("GB", "US", "DE", "BR", "IN", "CN")} == {"en"}
    assert sum(1 for language in languages.values() if language == "ar") == 22, "the Arab League's 22 members"
