"""Name and birth-date normalisation shared by the matcher and its benchmark.

Two tokenisations:

* ``name_tokens``: transliterated to ASCII with ``anyascii``, lower-cased, split into words. The
  registry's stored name keys (``notices.name_key``, the published-name vocabulary) are built with it,
  so it stays as it is: changing it would need those keys recomputed by a migration.
* ``match_tokens``: what the person matcher compares. Transliterated with rigour (OpenSanctions'
  ``rigour.text.translit.ascii_text``: its own tables for Cyrillic, Greek, Armenian, Georgian and
  Hangul, ICU through ``normality`` for Arabic, Persian, Hebrew, Han and the rest), with a few
  corrections for the abjads (an Arabic ayin becomes a vowel, not "?"; a long vowel letter inside a
  word reads as the vowel; ta marbuta as "h"; a Hebrew kaf at the start of a word as "k"); Han
  syllables of one field written together as pinyin writes a given name ("小明" -> "xiaoming"); and the
  particles glued to the word they stand before in a canonical spelling, so that al-Hassan, Al Hassan,
  El Hassan and Alhassan, ibn/bin/ben Abdullah, Abd al-Rahman and Abdelrahman, van der Berg and
  Vanderberg, de la Cruz and Delacruz, Mc/Mac Donald and O'Brien/O Brien compare equal.

Two cheap keys per token feed the matcher's candidate blocks: a phonetic skeleton that survives most
transliteration differences (Mohammed / Muhammad / محمد, Aleksandr / Alexander, Shevchenko /
Schewtschenko) and the first four letters, which survive most typos made after them. Nothing here is
personal-data aware: callers decide what they log.
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii
from rigour.text.scripts import text_scripts
from rigour.text.translit import ascii_text

PARTICLES = frozenset(
    "a al el bin ben ibn bint abu da das de del della der den di do dos du la le lo van von y e st".split()
)
"""Name particles: kept for scoring, left out of candidate keys (they are too common to block on)."""

_WORD = re.compile(r"[a-z0-9]+")
_APOSTROPHES = str.maketrans("", "", "'`´’‘ʼ")

_PHONETIC_STEPS: tuple[tuple[str, str], ...] = (
    ("tsch", "s"),
    ("sch", "s"),
    ("tch", "s"),
    ("dzh", "j"),
    ("zh", "s"),
    ("sh", "s"),
    ("ch", "s"),
    ("cz", "s"),
    ("sz", "s"),
    ("ts", "s"),
    ("tz", "s"),
    ("kh", "h"),
    ("gh", "g"),
    ("ph", "f"),
    ("pf", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("dj", "j"),
    ("ck", "k"),
    ("x", "ks"),
    ("q", "k"),
    ("c", "k"),
    ("z", "s"),
    ("w", "v"),
    ("v", "f"),
    ("j", "y"),
)
_VOWELS = frozenset("aeiouy")


@lru_cache(maxsize=200_000)
def name_tokens(text: str | None) -> tuple[str, ...]:
    """ASCII, lower-case word tokens of a name: "Núñez-García" -> ("nunez", "garcia")."""
    if not text:
        return ()
    plain = anyascii(text).lower().translate(_APOSTROPHES)
    return tuple(_WORD.findall(plain))


@lru_cache(maxsize=200_000)
def phonetic(token: str) -> str:
    """A consonant skeleton: first sound kept (any leading vowel becomes "a"), vowels dropped, doubles merged."""
    word = token
    for old, new in _PHONETIC_STEPS:
        if old in word:
            word = word.replace(old, new)
    if not word:
        return ""
    head = "a" if word[0] in _VOWELS else word[0]
    out = [head]
    for ch in word[1:]:
        if ch in _VOWELS or (ch == "h"):
            continue
        if ch != out[-1]:
            out.append(ch)
    return "".join(out)


def token_signatures(token: str) -> tuple[str, ...]:
    """The blocking signatures of one token: its phonetic skeleton and its first four letters."""
    return ("p" + phonetic(token), "x" + token[:4])


def key_tokens(tokens: tuple[str, ...]) -> list[str]:
    """Tokens worth blocking on: no particles, no initials, each once."""
    return list(dict.fromkeys(t for t in tokens if len(t) > 1 and t not in PARTICLES))


# --- comparable tokens for the person matcher ----------------------------------------------------

_ARABIC_FIXES = str.maketrans({"ع": "ا", "ة": "ه", "ى": "ا", "ـ": None})
"""Before ICU: ayin as alef (so عمر reads "amr", not "?mr"), ta marbuta as "h", alef maqsura as alef,
tatweel dropped."""
_PERSIAN_LETTERS = frozenset("یکپچژگ")
_PERSIAN_FIXES = str.maketrans({"ض": "ز", "ظ": "ز", "ذ": "ز"})
"""Persian pronounces these as z (Rezaei, not Redaei)."""
_HEBREW_INITIAL = {"כ": "ק", "ב": "ב", "פ": "פ"}
"""A word-initial kaf is a plosive k (Cohen), which ICU writes "kh"; qof says k."""

ARTICLES = frozenset({"al", "el", "ul", "il", "ol"})
_SUN_ARTICLE = re.compile(r"^[aeu](?:sh|th|dh|[tdrszn])$")
"""ad-Din, ar-Rahman, as-Sayed, ash-Shami, an-Nur: the article assimilated to the sun letter after it."""
GLUED_PARTICLES: dict[str, str] = {
    **{a: "al" for a in ARTICLES},
    **{k: "bin" for k in ("bin", "ben", "ibn", "ebn", "bn", "abn")},
    **{k: "bint" for k in ("bint", "binti")},
    **{k: "abu" for k in ("abu", "abou", "abo", "bou")},
    **{k: "abd" for k in ("abd",)},
    **{k: "abdal" for k in ("abdul", "abdel", "abdal", "abdol", "abdoul", "abdou", "abdu", "abdur", "abdar", "abdus")},
    **{k: k for k in ("van", "von", "vander", "vanden", "vande", "der", "den", "ter", "ten", "de", "del", "della",
                      "delle", "dello", "degli", "dei", "di", "da", "das", "do", "dos", "du", "la", "le", "lo", "st",
                      "mac", "o", "d", "l", "zu", "zur")},
    "mc": "mac",
    "dela": "dela",
}
"""Particles glued to the next word of the same field, in one spelling: "Abd al-Rahman" -> "abdalrahman"."""
_ABD_ARTICLE = re.compile(r"^abd[aeiou](?:l|([bdfghjklmnpqrstvwxz])\1)")
"""Abdullah, Abdelkader, Abdurrahman: "abd" and the article, glued, in any vowel: one spelling "abdal"."""


_LONG_U = re.compile(r"(?<=[b-df-hj-np-tv-zB-DF-HJ-NP-TV-Z])[wW]")
_LONG_I = re.compile(r"(?<=[b-df-hj-np-tv-zB-DF-HJ-NP-TV-Z])[yY]")


def _transliterate(text: str) -> tuple[str, bool]:
    """ASCII text of a name in any script, and whether it was written in Han (one word per character)."""
    if text.isascii():
        return text, False
    scripts = text_scripts(text)
    abjad = "Arabic" in scripts
    if abjad:
        text = text.translate(_ARABIC_FIXES)
        if _PERSIAN_LETTERS.intersection(text):
            text = text.translate(_PERSIAN_FIXES)
    if "Hebrew" in scripts:
        text = re.sub(r"(?:(?<=\s)|^)([כבפ])", lambda m: _HEBREW_INITIAL[m.group(1)], text)
        abjad = True
    plain = ascii_text(text)
    if abjad:
        # A waw or yeh after a consonant inside a word is nearly always the long vowel (محمود Mahmud,
        # حسین Hossein); after an alef it is a consonant or a diphthong (طهطاوي Tahtawi, زايد Zayed).
        if "Arabic" in scripts:
            plain = _LONG_U.sub("u", plain)
        plain = _LONG_I.sub("i", plain)
    return plain, "Han" in scripts


def _canonical(token: str) -> str:
    if token.startswith("mc") and len(token) > 4:
        token = "mac" + token[2:]
    return _ABD_ARTICLE.sub(lambda m: "abdal" + (m.group(1) or ""), token) if token.startswith("abd") else token


@lru_cache(maxsize=200_000)
def match_tokens(text: str | None) -> tuple[str, ...]:
    """The comparable Latin tokens of one name field (see the module's docstring)."""
    if not text:
        return ()
    plain, han = _transliterate(text)
    words = _WORD.findall(plain.lower().translate(_APOSTROPHES))
    if han:
        return ("".join(words),) if words else ()
    out: list[str] = []
    pending = ""
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        particle = GLUED_PARTICLES.get(word)
        if particle is None and _SUN_ARTICLE.match(word) and following.startswith(word[1:]):
            particle = "al"
        if particle is not None and following:
            pending += particle
            continue
        out.append(_canonical(pending + word))
        pending = ""
    return tuple(out)


def sorted_name(tokens: tuple[str, ...]) -> str:
    """The string the scorer compares: all tokens, sorted, so the order of the parts does not count."""
    return " ".join(sorted(tokens))


# --- partial birth dates ------------------------------------------------------------------------


_APPROXIMATE = re.compile(r"^(?:~|c\.|ca\.?|circa|about|abt\.?|approx\.?)\s*", re.IGNORECASE)
_YEAR_RANGE = re.compile(r"^(\d{4})\s*(?:/|\.\.|-|–|to)\s*(\d{4})$")


def parse_partial_date(value: str | None) -> tuple[int, int, int]:
    """(year, month, day) with 0 for an unknown part; (0, 0, 0) when empty or unreadable.

    "circa 1980" / "~1980" read as the year; a range of years ("1978/1982", "1978-1982") as its middle
    year, with no month: both then count as estimated (see ``is_estimated``).
    """
    if not value:
        return (0, 0, 0)
    text = _APPROXIMATE.sub("", value.strip())
    years = _YEAR_RANGE.match(text)
    if years:
        low, high = sorted((int(years.group(1)), int(years.group(2))))
        return ((low + high) // 2, 0, 0)
    parts = text.split("-")
    try:
        numbers = [int(p) for p in parts[:3]]
    except ValueError:
        return (0, 0, 0)
    numbers += [0] * (3 - len(numbers))
    return (numbers[0], numbers[1], numbers[2])


def is_estimated(date: tuple[int, int, int]) -> bool:
    """A birth date that looks estimated: a year alone (or a range, or "circa") or 1 January, the day lists
    and civil registries put down when only the year is known."""
    year, month, day = date
    return bool(year) and (not month or (month == 1 and day == 1))


def pack_date(value: str | None) -> int:
    """A partial date as one int (yyyymmdd, unknown parts 0) for compact arrays."""
    year, month, day = parse_partial_date(value)
    return year * 10_000 + month * 100 + day


def unpack_date(packed: int) -> tuple[int, int, int]:
    return (packed // 10_000, packed // 100 % 100, packed % 100)


def format_date(parts: tuple[int, int, int]) -> str:
    year, month, day = parts
    if not year:
        return "unknown"
    return f"{year:04d}" + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if month and day else "")


DOB_UNKNOWN = 40.0
"""The birth-date score when either side has no birth date: a little below neutral, so a name that only
matches with parts missing, or only by sound, needs a birth date to reach the default threshold."""


ESTIMATED_SAME_YEAR = 70.0
"""A full date against 1 January of the same year (an estimated date): weaker than the same day."""
ESTIMATED_APART: dict[int, float] = {1: 60.0, 2: 50.0}
"""An estimated date one or two years off the other: weaker evidence than the same year (80), still for the
match (above an unknown date's 40); three years or more is a different person, as for exact dates."""
ESTIMATED_TOLERANCE = max(ESTIMATED_APART)


def dob_similarity(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[float, str]:
    """How well two partial birth dates agree (0..100) and a word for it.

    Agreement is judged only to the precision both sides know, so "1983" agrees with "1983-02-27".
    A one-year difference or swapped day and month reads as a likely clerical variant, not a clash.
    When either date looks estimated (``is_estimated``: a year alone, 1 January, a range), years up to
    two apart still agree, as weaker evidence (``ESTIMATED_APART``), and a full date against 1 January of
    the same year scores ``ESTIMATED_SAME_YEAR``; exact dates more than a year apart still rule it out.
    """
    (ya, ma, da), (yb, mb, db) = a, b
    if not ya or not yb:
        return DOB_UNKNOWN, "unknown"
    estimated = is_estimated(a) or is_estimated(b)
    if ya != yb:
        gap = abs(ya - yb)
        if estimated and gap <= ESTIMATED_TOLERANCE:
            words = "one year apart" if gap == 1 else f"{gap} years apart"
            return ESTIMATED_APART[gap], f"{words}, within the tolerance of an estimated date"
        if gap == 1:
            return 20.0, "one year apart"
        return 0.0, "different"
    if not ma or not mb:
        return 80.0, "same year"
    if estimated and (ma, da) != (mb, db):
        return ESTIMATED_SAME_YEAR, "same year, 1 January on one side (an estimated date)"
    if ma != mb:
        if da and db and ma == db and da == mb:
            return 70.0, "day and month swapped"
        return 20.0, "same year, different month"
    if not da or not db:
        return 90.0, "same year and month"
    if da != db:
        return 50.0, "same year and month, different day"
    return 100.0, "same date"
