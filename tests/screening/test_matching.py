"""Person matching: each kind of variant a list entry can appear under, and people it must not match."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from screening import PersonIndex
from screening.matching import DEFAULT_THRESHOLD, score_person


@dataclass
class Entry:
    family_name: str
    forenames: str = ""
    date_of_birth: str = ""
    nationalities: list[str] = field(default_factory=list)


LIST = [
    Entry("HALVORSSEN", "Ingrid", "1983", ["NO"]),
    Entry("Иванов", "Александр Сергеевич", "1970-05-06", ["RU"]),
    Entry("NÚÑEZ GARCÍA", "José María", "1975-08-19", ["ES"]),
    Entry("AL-HASSAN", "Rami Khaled", "1986-03-14", ["SY"]),
    Entry("MOHAMMED", "Abdikarim", "1989-07-01", ["SO"]),
    Entry("NGUYEN", "Thi Lan", "1980-04-04", ["VN"]),
    Entry("ORTEGA VILLALBA", "Diego", "1988-03-02", ["ES"]),
    Entry("GARCIA", "Maria", "1980-01-01", ["ES"]),
]


@pytest.fixture(scope="module")
def index() -> PersonIndex[Entry]:
    return PersonIndex.build(LIST)


def _best(index: PersonIndex[Entry], family: str, forenames: str | None, dob: str | None, nat: Sequence[str] = ()):
    matches = index.search(family, forenames, dob, nat)
    assert matches == index.search_exhaustive(family, forenames, dob, nat)  # the index loses nothing here
    return matches[0] if matches else None


@pytest.mark.parametrize(
    ("kind", "family", "forenames", "dob", "expected"),
    [
        ("transliteration", "IVANOV", "Aleksandr", "1970-05-06", "Иванов"),
        ("transliteration", "Iwanow", "Alexander Sergejewitsch", "1970", "Иванов"),
        ("transliteration", "MUHAMMAD", "Abdikarim", "1989-07-01", "MOHAMMED"),
        ("accents", "NUNEZ GARCIA", "Jose Maria", "1975-08-19", "NÚÑEZ GARCÍA"),
        ("swapped order", "Ingrid", "HALVORSSEN", "1983-02-27", "HALVORSSEN"),
        ("swapped order", "Lan", "NGUYEN Thi", "1980-04-04", "NGUYEN"),
        ("compound name cut short", "ORTEGA", "Diego", "1988", "ORTEGA VILLALBA"),
        ("compound name joined", "ALHASSAN", "Rami Khaled", "1986-03-14", "AL-HASSAN"),
        ("middle name left out", "AL-HASSAN", "Rami", "1986-03-14", "AL-HASSAN"),
        ("typo", "HALVORSEN", "Ingrid", "1983-02-27", "HALVORSSEN"),
        ("typo", "ORTEGA VILLABLA", "Diego", "1988-03-02", "ORTEGA VILLALBA"),
        ("partial birth date", "NGUYEN", "Thi Lan", "1980", "NGUYEN"),
        ("partial birth date", "NGUYEN", "Thi Lan", "1980-04", "NGUYEN"),
        ("day and month swapped", "NGUYEN", "Thi Lan", "1980-04-04", "NGUYEN"),
        ("no birth date given", "HALVORSSEN", "Ingrid", None, "HALVORSSEN"),
    ],
)
def test_variants_find_the_entry(index, kind: str, family: str, forenames: str, dob: str, expected: str) -> None:
    best = _best(index, family, forenames, dob)
    assert best is not None, kind
    assert best.record.family_name == expected
    assert best.score >= DEFAULT_THRESHOLD and best.explanation


@pytest.mark.parametrize(
    ("family", "forenames", "dob"),
    [
        ("HALVORSSEN", "Ingrid", "1961-05-05"),  # same name, clearly another birth date
        ("LARSEN", "Ingrid", "1983"),  # another family name
        ("GARCIA", "Mario", "1958"),  # close name, other generation
        ("ORTEGA", "Luis", "1988-03-02"),  # shares one part only
        ("NGUYEN", None, None),  # a common family name alone
    ],
)
def test_other_people_do_not_match(index, family: str, forenames: str | None, dob: str | None) -> None:
    assert _best(index, family, forenames, dob) is None


def test_match_explains_which_fields_agreed(index) -> None:
    best = _best(index, "HALVORSEN", "Ingrid", "1983-02-27", ["NO"])
    assert best is not None
    assert set(best.agreed) == {"family_name", "forenames", "date_of_birth", "nationalities"}
    assert best.disagreed == []
    assert "1983" in best.explanation and "HALVORSSEN" in best.explanation


def test_match_reports_disagreement(index) -> None:
    best = _best(index, "HALVORSSEN", "Ingrid", "1984-01-01", ["SE"])
    assert best is not None
    assert "date_of_birth" in best.disagreed and "nationalities" in best.disagreed
    assert "one year apart" in best.explanation


def test_swapped_order_is_explained(index) -> None:
    best = _best(index, "Ingrid", "HALVORSSEN", "1983")
    assert best is not None and "other order" in best.explanation
    assert "family_name" in best.agreed and "forenames" in best.agreed


def test_scores_rank_the_closer_entry_first() -> None:
    exact = score_person("GARCIA", "Maria", "1980-01-01", "GARCIA", "Maria", "1980-01-01")
    partial = score_person("GARCIA", "Maria", "1980", "GARCIA", "Maria", "1980-01-01")
    other_date = score_person("GARCIA", "Maria", "1980-06-01", "GARCIA", "Maria", "1980-01-01")
    assert exact == 100 and exact > partial > other_date


def test_empty_list_and_empty_name_find_nothing() -> None:
    empty: PersonIndex[Entry] = PersonIndex.build([])
    assert empty.search("GARCIA", "Maria", "1980") == []
    assert PersonIndex.build(LIST).search("-", None, None) == []
