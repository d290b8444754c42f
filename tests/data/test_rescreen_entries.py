"""Which refugee and political-targeting entries a load adds or changes (only those re-screen), and the
refugees list with asylum seekers: the new optional columns, files without them, what is refused."""

from __future__ import annotations

from datetime import date

import pytest

import registry.rescreen as rescreen
from models.reference import ReferenceKind
from models.rescreen import EntryChange
from registry.database import Database
from registry.references import ReferenceDataError, ReferenceStore, parse_reference_csv

OLD_HEADER = "family_name,forenames,date_of_birth,nationalities,granted_by,persecution_country,status,decided_on\n"
NEW_HEADER = OLD_HEADER.rstrip("\n") + ",applied_on,confirmed_on,entry_id\n"
TARGET_HEADER = "family_name,forenames,date_of_birth,nationalities,country,kind,note\n"

REFUGEES = OLD_HEADER + """\
NÚÑEZ,Carlos,1980-05,VE,ES,VE,granted,2021-06-01
Okafor,Chidi,,NG;GB,GB,NG,revoked,
"""


def refugees(text: str, header: str = OLD_HEADER) -> list[dict[str, object]]:
    return parse_reference_csv(ReferenceKind.REFUGEES, header + text)


def changes(before: list[dict[str, object]], after: list[dict[str, object]],
            kind: ReferenceKind = ReferenceKind.REFUGEES) -> list[tuple[EntryChange, str]]:
    return [(change, str(entry.row["family_name"])) for change, entry in rescreen.diff_entries(kind, before, after)]


# --- the diff --------------------------------------------------------------------------------------


def test_only_new_and_changed_entries_count_removed_ones_do_not() -> None:
    before = refugees("NÚÑEZ,Carlos,1980-05,VE,ES,VE,granted,2021-06-01\nOkafor,Chidi,,NG,GB,NG,granted,\n")
    after = refugees(
        "NÚÑEZ,Carlos,1980-05,VE,ES,VE,granted,2021-06-01\n"  # the same
        "HADDAD,Samir,1975-02-11,SY,DE,SY,granted,2019-09-30\n"  # new
    )
    assert changes(before, after) == [(EntryChange.ADDED, "HADDAD")]  # Okafor left the list: nothing to re-screen


def test_a_status_that_changes_is_a_change_of_the_same_entry() -> None:
    before = refugees("HADDAD,Samir,1975-02-11,SY,DE,SY,asylum_seeker,,2019-01-10,,\n", NEW_HEADER)
    after = refugees("HADDAD,Samir,1975-02-11,SY,DE,SY,confirmed,2019-09-30,2019-01-10,2020-01-15,\n", NEW_HEADER)
    [(change, entry)] = rescreen.diff_entries(ReferenceKind.REFUGEES, before, after)
    assert change is EntryChange.CHANGED
    assert entry.entry_id == rescreen.entries(ReferenceKind.REFUGEES, before).popitem()[0]


def test_spelling_of_case_and_spaces_keeps_the_entry_id_but_the_content_is_compared() -> None:
    before = refugees("Haddad,Samir,1975-02-11,SY,DE,SY,granted,\n")
    after = refugees("HADDAD,  samir,1975-02-11,SY,DE,SY,granted,\n")
    ids = [list(rescreen.entries(ReferenceKind.REFUGEES, rows)) for rows in (before, after)]
    assert ids[0] == ids[1]
    assert changes(before, after) == [(EntryChange.CHANGED, "HADDAD")]


def test_a_file_that_only_gains_the_optional_columns_changes_no_entry() -> None:
    old = refugees(REFUGEES.removeprefix(OLD_HEADER))
    new = refugees("".join(f"{line},,,\n" for line in REFUGEES.removeprefix(OLD_HEADER).splitlines()), NEW_HEADER)
    assert changes(old, new) == []


def test_the_files_own_entry_id_is_the_entry_id() -> None:
    before = refugees("HADDAD,Samir,1975-02-11,SY,DE,SY,granted,,,,UNHCR-77\n", NEW_HEADER)
    after = refugees("HADDAD,Sameer,1975-02-11,SY,DE,SY,granted,,,,UNHCR-77\n", NEW_HEADER)
    [(change, entry)] = rescreen.diff_entries(ReferenceKind.REFUGEES, before, after)
    assert (change, entry.entry_id) == (EntryChange.CHANGED, "UNHCR-77"), "a corrected spelling, the same entry"


def test_two_rows_for_the_same_person_are_two_entries() -> None:
    rows = refugees("HADDAD,Samir,1975,SY,DE,SY,granted,\nHADDAD,Samir,1975,SY,DE,IQ,granted,\n")
    ids = list(rescreen.entries(ReferenceKind.REFUGEES, rows))
    assert len(ids) == 2 and ids[1] == f"{ids[0]}#2"
    assert changes(rows[:1], rows) == [(EntryChange.ADDED, "HADDAD")]


def test_political_targeting_entries_are_known_by_the_targeting_country() -> None:
    parse = lambda text: parse_reference_csv(ReferenceKind.POLITICAL_TARGETING, TARGET_HEADER + text)  # noqa: E731
    before = parse("AYDIN,Kemal,1974-02-02,TR,TR,journalist,\n")
    after = parse(
        "AYDIN,Kemal,1974-02-02,TR,TR,journalist,Charged with propaganda\nAYDIN,Kemal,1974-02-02,TR,RU,activist,\n"
    )
    assert changes(before, after, ReferenceKind.POLITICAL_TARGETING) == [
        (EntryChange.CHANGED, "AYDIN"), (EntryChange.ADDED, "AYDIN"),
    ]


# --- loads record the changes under their version ---------------------------------------------------


async def test_a_load_records_what_it_added_or_changed_under_its_version(fresh_db: Database) -> None:
    store = ReferenceStore(fresh_db)
    first = await store.load_text(ReferenceKind.REFUGEES, REFUGEES)
    assert (first.version, first.entries_changed) == (1, 0), "the first load is the list being set up"
    second = await store.load_text(
        ReferenceKind.REFUGEES,
        NEW_HEADER + "NÚÑEZ,Carlos,1980-05,VE,ES,VE,confirmed,2021-06-01,,2022-02-01,\n"
        "Okafor,Chidi,,NG;GB,GB,NG,revoked,,,,\n"
        "HADDAD,Samir,1975-02-11,SY,DE,SY,asylum_seeker,,2024-10-01,,\n",
    )
    assert (second.changed, second.version, second.entries_changed) == (True, 2, 2)
    found = await rescreen.changed_entries(fresh_db, ReferenceKind.REFUGEES, 2)
    assert [(e.change, e.entry["family_name"], e.entry["status"]) for e in found] == [
        (EntryChange.CHANGED, "NÚÑEZ", "confirmed"), (EntryChange.ADDED, "HADDAD", "asylum_seeker"),
    ]
    assert await rescreen.count_changes(fresh_db, ReferenceKind.REFUGEES, 1) == 0
    again = await store.load_text(
        ReferenceKind.REFUGEES,
        NEW_HEADER + "NÚÑEZ,Carlos,1980-05,VE,ES,VE,confirmed,2021-06-01,,2022-02-01,\n"
        "Okafor,Chidi,,NG;GB,GB,NG,revoked,,,,\n"
        "HADDAD,Samir,1975-02-11,SY,DE,SY,asylum_seeker,,2024-10-01,,\n",
    )
    assert (again.changed, again.version, again.content_hash) == (False, 2, second.content_hash)
    assert await rescreen.count_changes(fresh_db, ReferenceKind.REFUGEES, 2) == 2, "recorded once"


async def test_an_old_file_loaded_again_with_the_new_columns_empty_is_the_same_content(fresh_db: Database) -> None:
    store = ReferenceStore(fresh_db)
    await store.load_text(ReferenceKind.REFUGEES, REFUGEES)
    padded = NEW_HEADER + "".join(f"{line},,,\n" for line in REFUGEES.removeprefix(OLD_HEADER).splitlines())
    again = await store.load_text(ReferenceKind.REFUGEES, padded)
    assert (again.changed, again.version) == (False, 1)


async def test_asylum_seekers_and_confirmed_refugees_are_read_with_their_dates(fresh_db: Database) -> None:
    store = ReferenceStore(fresh_db)
    await store.load_text(
        ReferenceKind.REFUGEES,
        NEW_HEADER + "HADDAD,Samir,1975-02-11,SY,DE,SY,asylum_seeker,,2024-10-01,,\n"
        "NÚÑEZ,Carlos,1980-05,VE,ES,VE,recognised,2021-06-01,2020-11-02,2022-02-01,UNHCR-9\n",
    )
    seeker, refugee = await store.all_refugees()
    assert (seeker.status, seeker.applied_on, seeker.decided_on) == ("asylum_seeker", date(2024, 10, 1), None)
    assert (refugee.status, refugee.confirmed_on, refugee.entry_id) == ("granted", date(2022, 2, 1), "UNHCR-9")


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("HADDAD,Samir,1975,SY,DE,SY,pending,,,,", "status", "'pending' is not one of asylum_seeker, granted"),
        ("HADDAD,Samir,1975,SY,DE,SY,asylum_seeker,,2024-10-01,2024-12-01,", "confirmed_on", "not confirmed yet"),
        ("HADDAD,Samir,1975,SY,DE,SY,granted,2019-01-01,2020-01-01,,", "decided_on", "before the application"),
        ("HADDAD,Samir,1975,SY,DE,SY,confirmed,2021-01-01,,2020-01-01,", "confirmed_on", "before the decision"),
        ("HADDAD,Samir,1975,SY,DE,SY,granted,,2024-13-01,,", "applied_on", "not a real calendar date"),
        ("HADDAD,Samir,1975,SY,DE,SY,granted,,,,bad id!", "entry_id", "is not an entry id"),
    ],
)
def test_a_bad_asylum_row_is_refused_naming_its_field(row: str, field: str, message: str) -> None:
    with pytest.raises(ReferenceDataError) as refused:
        refugees(row + "\n", NEW_HEADER)
    [problem] = refused.value.problems
    assert (problem.line, problem.field) == (2, field) and message in problem.message
