"""Name matching across the scripts and habits of the world's lists, and estimated birth dates.

Each habit and script has a case that must match and one that must not (another person). Every search
goes through the index and the exhaustive scan, which must agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from screening import PersonIndex
from screening.matching import DEFAULT_THRESHOLD, score_person
from screening.names import (
    ESTIMATED_APART,
    ESTIMATED_SAME_YEAR,
    dob_similarity,
    is_estimated,
    match_tokens,
    name_tokens,
    parse_partial_date,
)


@dataclass
class Entry:
    family_name: str
    forenames: str = ""
    date_of_birth: str = ""
    nationalities: list[str] = field(default_factory=list)


def _search(entry: Entry, family: str, forenames: str | None, dob: str | None) -> float | None:
    """The score the query gets against a one-entry list (with a decoy beside it), or None."""
    index = PersonIndex.build([Entry("DECOY", "Someone", "1950-06-06"), entry])
    found = index.search(family, forenames, dob)
    assert found == index.search_exhaustive(family, forenames, dob)
    hits = [m.score for m in found if m.record is entry]
    return hits[0] if hits else None


# --- normalisation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Мухаммад ибн Абдуллах", "Muhammad ibn Abdullah"),  # Cyrillic, rigour's own table
        ("Γεώργιος Παπαδόπουλος", "Georgios Papadopoulos"),  # Greek
        ("AL-HASSAN", "Alhassan"),  # article hyphenated / glued
        ("El Hassan", "al-Hassan"),  # article spelt el / al
        ("ash-Shami", "al-Shami"),  # article assimilated to a sun letter
        ("Muhammad bin Abdullah", "Muhammad ibn Abdullah"),  # bin / ibn / ben
        ("Abd al-Rahman", "Abdelrahman"),  # abd + article, split or glued, any vowel
        ("Abdurrahman", "Abdul Rahman"),
        ("Abdullah", "Abd Allah"),
        ("van der Berg", "Vanderberg"),
        ("Vander Berg", "VAN DER BERG"),
        ("de la Cruz", "DELACRUZ"),
        ("McDonald", "Mac Donald"),  # Mc / Mac
        ("O'Brien", "O Brien"),
        ("欧阳", "Ouyang"),  # Han syllables of one field written together, as pinyin does
        ("小明", "Xiaoming"),
    ],
)
def test_spellings_of_one_name_give_the_same_tokens(a: str, b: str) -> None:
    assert match_tokens(a) == match_tokens(b)


def test_abjads_read_without_question_marks_and_with_their_long_vowels() -> None:
    assert match_tokens("عمر") == ("amr",)  # ayin as a vowel, not "?"
    assert match_tokens("محمود") == ("mhmud",)  # waw inside a word is u
    assert match_tokens("فاطمة") == ("fatmh",)  # ta marbuta as h
    assert match_tokens("כהן") == ("qhn",)  # initial kaf is k, not kh


def test_particles_are_not_glued_at_the_end_of_a_field_nor_inside_names() -> None:
    assert match_tokens("Ben") == ("ben",)  # a forename on its own
    assert match_tokens("Benjamin Elena") == ("benjamin", "elena")
    assert match_tokens("Ortega y Gasset") == ("ortega", "y", "gasset")


def test_the_registry_tokens_are_unchanged() -> None:
    # notices.name_key and the published-name vocabulary are stored with name_tokens: it must not move
    assert name_tokens("AL-HASSAN Мухаммад") == ("al", "hassan", "mukhammad")


# --- scripts: match and non-match ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("listed", "family", "forenames", "dob"),
    [
        (Entry("Muhammad ibn Abdullah", "", "1980"), "Мухаммад ибн Абдуллах", None, "1980"),  # Cyrillic
        (Entry("Abdallah", "Mohamed", "1980-03-02"), "عبد الله", "محمد", "1980-03-02"),  # Arabic
        (Entry("Hosseini", "Mehdi", "1975"), "حسینی", "مهدی", "1975"),  # Persian
        (Entry("Cohen", "Moshe", "1969-11-20"), "כהן", "משה", "1969-11-20"),  # Hebrew
        (Entry("Papadopoulos", "Georgios", "1971"), "Παπαδόπουλος", "Γεώργιος", "1971"),  # Greek
        (Entry("WANG", "Xiaoming", "1990"), "王", "小明", "1990"),  # Han, through ICU's readings
        (Entry("ZHANG", "Wei", "1985-07-07"), "ZhangWei", None, "1985-07-07"),  # pinyin glued
        (Entry("ZhangWei", "", "1985-07-07"), "Zhang", "Wei", "1985-07-07"),  # pinyin split
    ],
)
def test_scripts_match_their_latin_spelling(listed: Entry, family: str, forenames: str | None, dob: str) -> None:
    score = _search(listed, family, forenames, dob)
    assert score is not None and score >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("listed", "family", "forenames", "dob"),
    [
        (Entry("Ivanov", "Pyotr", "1980"), "Иванов", "Сергей", "1980"),  # Cyrillic, another forename
        (Entry("حسن", "عمر", "1980"), "حسن", "علي", "1980"),  # two different Arabic names (Omar / Ali)
        (Entry("Hassan", "Omar", "1980"), "حسن", "علي", "1980"),  # Arabic against another Latin name
        (Entry("Karimi", "Mehdi", "1975"), "حسینی", "مهدی", "1975"),  # Persian, another family name
        (Entry("Levi", "David", "1969"), "כהן", "משה", "1969"),  # Hebrew, another person
        (Entry("Nikolaidis", "Georgios", "1971"), "Παπαδόπουλος", "Γεώργιος", "1971"),  # Greek
        (Entry("LIU", "Yang", "1990"), "王", "小明", "1990"),  # Han, another name
        (Entry("ZHANG", "Wei", "1960-07-07"), "ZhangWei", None, "1985-07-07"),  # same name, another generation
    ],
)
def test_other_people_in_those_scripts_do_not_match(
    listed: Entry, family: str, forenames: str | None, dob: str
) -> None:
    assert _search(listed, family, forenames, dob) is None


# --- habits: particles, patronymics, middle names ------------------------------------------------


@pytest.mark.parametrize(
    ("listed", "family", "forenames"),
    [
        (Entry("AL-HASSAN", "Rami", "1986-03-14"), "El Hassan", "Rami"),
        (Entry("AL-HASSAN", "Rami", "1986-03-14"), "ALHASSAN", "Rami"),
        (Entry("VAN DER BERG", "Jan", "1986-03-14"), "Vanderberg", "Jan"),
        (Entry("DE LA CRUZ", "Juan", "1986-03-14"), "Delacruz", "Juan"),
        (Entry("McDONALD", "Ian", "1986-03-14"), "MacDonald", "Ian"),
        (Entry("O'BRIEN", "Sean", "1986-03-14"), "O Brien", "Sean"),
        (Entry("Abdelrahman", "Khaled", "1986-03-14"), "Abd al-Rahman", "Khaled"),
    ],
)
def test_particles_glued_or_split_match(listed: Entry, family: str, forenames: str) -> None:
    assert _search(listed, family, forenames, "1986-03-14") == 100.0


def test_an_arabic_article_written_in_arabic_matches_its_latin_spellings() -> None:
    listed = Entry("AL-HASSAN", "Rami", "1986-03-14")
    for family in ("الحسن", "El Hassan", "Alhassan"):
        score = _search(listed, family, "رامي", "1986-03-14")
        assert score is not None and score >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(
    ("listed", "family", "forenames"),
    [
        (Entry("AL-HASSAN", "Rami", "1986-03-14"), "Al-Hussaini", "Tarek"),
        (Entry("VAN DER BERG", "Jan", "1986-03-14"), "Van der Meer", "Pieter"),
        (Entry("McDONALD", "Ian", "1986-03-14"), "MacLeod", "Duncan"),
    ],
)
def test_a_shared_particle_alone_does_not_match(listed: Entry, family: str, forenames: str) -> None:
    assert _search(listed, family, forenames, "1986-03-14") is None


def test_a_patronymic_or_middle_name_on_one_side_only_is_a_lesser_penalty() -> None:
    full = score_person("Ivanov", "Aleksandr", "1970-05-06", "Ivanov", "Aleksandr", "1970-05-06")
    without = score_person("Иванов", "Александр Сергеевич", "1970-05-06", "Ivanov", "Aleksandr", "1970-05-06")
    arabic = score_person("Muhammad", "Ali bin Hassan", "1970-05-06", "Muhammad", "Ali", "1970-05-06")
    middle = score_person("Garcia", "Ana Lucia", "1970-05-06", "Garcia", "Ana", "1970-05-06")
    assert full == 100.0
    for score in (without, arabic, middle):
        assert DEFAULT_THRESHOLD <= score < full


def test_a_patronymic_does_not_make_another_forename_match() -> None:
    assert score_person("Ivanov", "Pyotr Sergeevich", "1970", "Ivanov", "Aleksandr Sergeevich", "1970") < 82


# --- estimated birth dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "estimated"),
    [("1980", True), ("1980-01-01", True), ("1978/1982", True), ("circa 1980", True), ("~1980", True),
     ("1980-01", False), ("1980-01-02", False), ("1980-06-01", False), ("", False)],
)
def test_what_looks_estimated(value: str, estimated: bool) -> None:
    assert is_estimated(parse_partial_date(value)) is estimated


def test_a_range_reads_as_its_middle_year() -> None:
    assert parse_partial_date("1978/1982") == parse_partial_date("1978-1982") == (1980, 0, 0)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1980-01-01", "1980-05-03", ESTIMATED_SAME_YEAR),
        ("1980-01-01", "1981-05-03", ESTIMATED_APART[1]),
        ("1980-01-01", "1982-05-03", ESTIMATED_APART[2]),  # the edge of the tolerance
        ("1980-01-01", "1983-05-03", 0.0),  # past it: a veto again
        ("1980", "1978-12-31", ESTIMATED_APART[2]),
        ("1980", "1977-12-31", 0.0),
        ("1978/1982", "1982-05-03", ESTIMATED_APART[2]),
        ("1980-06-01", "1981-05-03", 20.0),  # exact dates: one year apart stays a clerical variant
        ("1980-06-01", "1982-05-03", 0.0),  # exact dates two years apart: still a veto
    ],
)
def test_estimated_dates_agree_within_two_years_as_weaker_evidence(a: str, b: str, expected: float) -> None:
    assert dob_similarity(parse_partial_date(a), parse_partial_date(b))[0] == expected
    assert dob_similarity(parse_partial_date(b), parse_partial_date(a))[0] == expected


def test_estimated_dates_weigh_less_than_the_same_date_and_more_than_none() -> None:
    same = dob_similarity(parse_partial_date("1980-05-03"), parse_partial_date("1980-05-03"))[0]
    year = dob_similarity(parse_partial_date("1980"), parse_partial_date("1980-05-03"))[0]
    unknown = dob_similarity(parse_partial_date(""), parse_partial_date("1980-05-03"))[0]
    assert same > year > ESTIMATED_SAME_YEAR > ESTIMATED_APART[1] > ESTIMATED_APART[2] > unknown


@pytest.mark.parametrize(
    ("listed_dob", "query_dob", "matches"),
    [
        ("1980-01-01", "1982-05-03", True),  # estimated on the list, two years off
        ("1982-05-03", "1980-01-01", True),  # estimated in the request
        ("1980", "1982-11-30", True),  # a year alone
        ("1980-01-01", "1983-05-03", False),  # three years: another person
        ("1980-06-01", "1982-05-03", False),  # two exact dates two years apart: another person
    ],
)
def test_estimated_dates_through_the_index(listed_dob: str, query_dob: str, matches: bool) -> None:
    # a decoy and a few namesakes born elsewhen, so the index has to find the entry by its estimated year
    listed = Entry("HALVORSSEN", "Ingrid", listed_dob)
    score = _search(listed, "HALVORSEN", "Ingrid", query_dob)
    assert (score is not None and score >= DEFAULT_THRESHOLD) is matches


def test_an_estimated_date_two_years_off_scores_less_than_the_same_year() -> None:
    near = score_person("Halvorssen", "Ingrid", "1980-01-01", "Halvorssen", "Ingrid", "1980-05-03")
    edge = score_person("Halvorssen", "Ingrid", "1980-01-01", "Halvorssen", "Ingrid", "1982-05-03")
    past = score_person("Halvorssen", "Ingrid", "1980-01-01", "Halvorssen", "Ingrid", "1983-05-03")
    assert near > edge >= DEFAULT_THRESHOLD > past


def test_the_index_finds_an_estimated_entry_by_one_name_part_and_a_nearby_year() -> None:
    # only the family name blocks (the forename is another spelling): the year key must cover ±2 years
    entries = [Entry("KOWALCZYK", "Grzegorz", "1975-01-01"), Entry("KOWALCZYK", "Anna", "1990-04-04")]
    index = PersonIndex.build(entries)
    query = ("KOWALCZYK", "Gregorz", "1977-03-03")
    assert index.search(*query) == index.search_exhaustive(*query)
    assert [m.record.forenames for m in index.search(*query)] == ["Grzegorz"]
