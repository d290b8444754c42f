"""Name and birth-date normalisation shared by the matcher and its benchmark.

Names are transliterated to ASCII (``anyascii``: Cyrillic, Greek, Arabic, accents, ligatures),
lower-cased and split into tokens. Two cheap keys per token feed the matcher's candidate blocks:
a phonetic skeleton that survives most transliteration differences (Mohammed / Muhammad,
Aleksandr / Alexander, Shevchenko / Schewtschenko) and the first four letters, which survive most
typos made after them. Nothing here is personal-data aware: callers decide what they log.
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

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


def sorted_name(tokens: tuple[str, ...]) -> str:
    """The string the scorer compares: all tokens, sorted, so the order of the parts does not count."""
    return " ".join(sorted(tokens))


# --- partial birth dates ------------------------------------------------------------------------


def parse_partial_date(value: str | None) -> tuple[int, int, int]:
    """(year, month, day) with 0 for an unknown part; (0, 0, 0) when empty or unreadable."""
    if not value:
        return (0, 0, 0)
    parts = value.strip().split("-")
    try:
        numbers = [int(p) for p in parts[:3]]
    except ValueError:
        return (0, 0, 0)
    numbers += [0] * (3 - len(numbers))
    return (numbers[0], numbers[1], numbers[2])


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


def dob_similarity(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[float, str]:
    """How well two partial birth dates agree (0..100) and a word for it.

    Agreement is judged only to the precision both sides know, so "1983" agrees with "1983-02-27".
    A one-year difference or swapped day and month reads as a likely clerical variant, not a clash.
    """
    (ya, ma, da), (yb, mb, db) = a, b
    if not ya or not yb:
        return DOB_UNKNOWN, "unknown"
    if ya != yb:
        if abs(ya - yb) == 1:
            return 20.0, "one year apart"
        return 0.0, "different"
    if not ma or not mb:
        return 80.0, "same year"
    if ma != mb:
        if da and db and ma == db and da == mb:
            return 70.0, "day and month swapped"
        return 20.0, "same year, different month"
    if not da or not db:
        return 90.0, "same year and month"
    if da != db:
        return 50.0, "same year and month, different day"
    return 100.0, "same date"
