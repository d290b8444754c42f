"""Person matching: is the subject of a request (or one of their aliases) someone on a list?

One scorer, used both by the fast index and by the exhaustive scan it is benchmarked against:

* name (80 %): rapidfuzz over the sorted, comparable name tokens (``names.match_tokens``: any script
  transliterated, particles glued in one spelling), so the order of family name and forenames does
  not count (``token_sort_ratio``); when both names have at least two tokens, a name that is the other
  one with parts missing (a compound family name cut short, a middle name or a patronymic left out)
  scores ``token_set_ratio`` less a small penalty; a name whose parts are only written together or
  apart (Zhang Wei / ZhangWei, Li Na / Lina) scores the similarity of the names written without spaces
  less a smaller one; and a name that only sounds the same (its phonetic skeletons compared the same
  ways) scores that less a larger penalty, so transliterations (Ivanow Alexander / Иванов Александр,
  Mohamed Abdallah / محمد عبد الله) meet;
* birth date (20 %): agreement to the precision both sides know (see ``names.dob_similarity``); an
  unknown birth date counts as neither for nor against; an estimated one (a year alone, 1 January, a
  range) agrees up to two years off, as weaker evidence.

The index only chooses which records to score. Candidate blocks are keyed on pairs of token
signatures (phonetic skeleton, first four letters) and on one token signature with the birth year,
so a record is a candidate when two of its name parts sound or start alike, or one does and the
birth year agrees (any year within two of it when either date is estimated: an estimated record is
filed under those five years, an estimated query looks under them); a one-word query also looks up
the first four letters of each record's name written without spaces, and a longer one the one-word
records starting as it does written without spaces. Keys are ints in one sorted numpy array with the
row numbers beside it (CSR), so a list of a million people takes seconds to index and a few hundred
megabytes to hold.

A match is evidence for a reviewer, never a decision: ``PersonMatch`` says which record, how well it
scored, which fields agreed and which did not.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Generic, Protocol, TypeVar

import numpy as np
from rapidfuzz import fuzz, process

from screening.names import (
    DOB_UNKNOWN,
    ESTIMATED_TOLERANCE,
    dob_similarity,
    format_date,
    is_estimated,
    key_tokens,
    match_tokens,
    pack_date,
    parse_partial_date,
    phonetic,
    sorted_name,
    token_signatures,
    unpack_date,
)

NAME_WEIGHT = 0.8
DOB_WEIGHT = 0.2
SUBSET_PENALTY = 8.0
"""Points a name loses when it only matches as a subset of the other (missing parts)."""
PHONETIC_PENALTY = 10.0
"""Points a name loses when it only matches by how it sounds (transliteration variants)."""
SQUASH_PENALTY = 4.0
"""Points a name loses when it only matches written without spaces (parts glued on one side)."""
DEFAULT_THRESHOLD = 82.0
"""Same name and a clearly different birth date score 80 (below it); same name, unknown birth date 88."""
FIELD_AGREES = 85.0


class PersonRecord(Protocol):
    """What the matcher reads from a list entry (refugees, political targeting, pending requests)."""

    @property
    def family_name(self) -> str: ...

    @property
    def forenames(self) -> str | None: ...

    @property
    def date_of_birth(self) -> str | None: ...

    @property
    def nationalities(self) -> Sequence[str]: ...


R = TypeVar("R", bound=PersonRecord)


@dataclass
class PersonMatch(Generic[R]):
    """One list entry that may be the person searched for, and why."""

    record: R
    score: float
    """0..100."""
    agreed: list[str] = field(default_factory=list)
    """Fields that agree: family_name, forenames, date_of_birth, nationalities."""
    disagreed: list[str] = field(default_factory=list)
    explanation: str = ""
    row: int = -1
    """Position of the record in the list the index was built from."""


@dataclass(frozen=True)
class _Query:
    family: tuple[str, ...]
    forenames: tuple[str, ...]
    name: str
    sound: str
    squash: str
    """The name written without spaces, family name first."""
    squash_rev: str
    """The same, forenames first."""
    ntokens: int
    dob: tuple[int, int, int]
    nationalities: frozenset[str]


def _query(family_name: str, forenames: str | None, date_of_birth: str | None, nationalities: Iterable[str]) -> _Query:
    family, fore = match_tokens(family_name), match_tokens(forenames)
    return _Query(
        family=family,
        forenames=fore,
        name=sorted_name(family + fore),
        sound=sounds_of(family + fore),
        squash="".join(family + fore),
        squash_rev="".join(fore + family),
        ntokens=len(family) + len(fore),
        dob=parse_partial_date(date_of_birth),
        nationalities=frozenset(n.upper() for n in nationalities),
    )


def name_cutoff(threshold: float) -> float:
    """The lowest name similarity that can still reach ``threshold`` with the best birth-date agreement."""
    return max(0.0, (threshold - DOB_WEIGHT * 100.0) / NAME_WEIGHT)


def sounds_of(tokens: tuple[str, ...]) -> str:
    """The phonetic skeletons of a name's tokens, sorted."""
    return " ".join(sorted(phonetic(t) for t in tokens))


def name_similarity(
    a: str,
    b: str,
    a_sound: str,
    b_sound: str,
    a_tokens: int,
    b_tokens: int,
    a_squashes: tuple[str, ...] = (),
    b_squash: str = "",
) -> float:
    """Order-free similarity of two sorted-token names, tolerant of missing parts, parts written together
    and spelling (0..100). ``a_squashes``: the first name written without spaces in both orders;
    ``b_squash``: the second one's, family name first."""
    score = fuzz.token_sort_ratio(a, b, processor=None)
    sound = fuzz.token_sort_ratio(a_sound, b_sound, processor=None)
    if min(a_tokens, b_tokens) >= 2:
        score = max(score, fuzz.token_set_ratio(a, b, processor=None) - SUBSET_PENALTY)
        sound = max(sound, fuzz.token_set_ratio(a_sound, b_sound, processor=None) - SUBSET_PENALTY)
    if b_squash:
        for squash in a_squashes:
            score = max(score, fuzz.ratio(squash, b_squash, processor=None) - SQUASH_PENALTY)
    score = max(score, sound - PHONETIC_PENALTY)
    return float(score)


def combined_score(name: float, dob: float) -> float:
    return round(NAME_WEIGHT * name + DOB_WEIGHT * dob, 1)


def score_person(
    query_family: str,
    query_forenames: str | None,
    query_dob: str | None,
    record_family: str,
    record_forenames: str | None,
    record_dob: str | None,
) -> float:
    """The scorer on its own, for one pair of people (tests and callers without an index)."""
    q = _query(query_family, query_forenames, query_dob, ())
    r = _query(record_family, record_forenames, record_dob, ())
    dob, _ = dob_similarity(q.dob, r.dob)
    name = name_similarity(q.name, r.name, q.sound, r.sound, q.ntokens, r.ntokens, (q.squash, q.squash_rev), r.squash)
    return combined_score(name, dob)


def _pair_key(a: int, b: int) -> int:
    low, high = (a, b) if a <= b else (b, a)
    return (low << 32) | high


def _year_key(sig: int, year: int) -> int:
    return (sig << 32) | (1 << 31) | year


def _single_key(sig: int) -> int:
    return (sig << 32) | (1 << 30)


def _squash_key(sig: int) -> int:
    return (sig << 32) | (1 << 29)


def _years(date: tuple[int, int, int]) -> list[int]:
    """The birth years a record is filed under, or a query looks under: five for an estimated date."""
    year = date[0]
    if not year:
        return []
    if is_estimated(date):
        return list(range(year - ESTIMATED_TOLERANCE, year + ESTIMATED_TOLERANCE + 1))
    return [year]


class _Signatures:
    """Token -> signature ids, computed once per distinct token."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.by_token: dict[str, tuple[int, ...]] = {}

    def of(self, token: str, *, add: bool) -> tuple[int, ...]:
        found = self.by_token.get(token)
        if found is not None:
            return found
        sigs: list[int] = []
        for sig in token_signatures(token):
            sig_id = self.ids.get(sig)
            if sig_id is None:
                if not add:
                    continue
                sig_id = self.ids[sig] = len(self.ids)
            sigs.append(sig_id)
        result = tuple(dict.fromkeys(sigs))
        if add:
            self.by_token[token] = result
        return result

    def prefix(self, squash: str, *, add: bool) -> int | None:
        """The id of the first-four-letters signature of a name written without spaces."""
        sig = "x" + squash[:4]
        sig_id = self.ids.get(sig)
        if sig_id is None and add:
            sig_id = self.ids[sig] = len(self.ids)
        return sig_id


def _keys(sigs_per_token: list[tuple[int, ...]], years: list[int], *, query: bool) -> list[int]:
    keys: list[int] = []
    for left, right in combinations(sigs_per_token, 2):
        keys.extend(_pair_key(a, b) for a in left for b in right)
    for year in years:
        keys.extend(_year_key(s, year) for sigs in sigs_per_token for s in sigs)
    if query or len(sigs_per_token) == 1:
        keys.extend(_single_key(s) for sigs in sigs_per_token for s in sigs)
    return keys


class PersonIndex(Generic[R]):
    """A searchable list of people. Build once per list version; searching does not change it."""

    def __init__(
        self,
        records: list[R],
        names: list[str],
        sounds: list[str],
        squashes: list[str],
        ntokens: np.ndarray,
        dobs: np.ndarray,
        keys: np.ndarray,
        offsets: np.ndarray,
        rows: np.ndarray,
        signatures: _Signatures,
    ) -> None:
        self._records = records
        self._names = names
        self._sounds = sounds
        self._squashes = squashes
        self._ntokens = ntokens
        self._dobs = dobs
        self._keys = keys
        self._offsets = offsets
        self._rows = rows
        self._signatures = signatures

    @classmethod
    def build(cls, records: Iterable[R]) -> PersonIndex[R]:
        kept = list(records)
        signatures = _Signatures()
        names: list[str] = []
        sounds: list[str] = []
        squashes: list[str] = []
        interned: dict[str, str] = {}
        token_counts = array("B")
        packed_dobs = array("i")
        key_counts = array("i")
        all_keys = array("q")
        for record in kept:
            family, fore = match_tokens(record.family_name), match_tokens(record.forenames)
            tokens = family + fore
            name, sound, squash = sorted_name(tokens), sounds_of(tokens), "".join(tokens)
            names.append(interned.setdefault(name, name))
            sounds.append(interned.setdefault(sound, sound))
            squashes.append(interned.setdefault(squash, squash))
            token_counts.append(min(len(tokens), 255))
            packed = pack_date(record.date_of_birth)
            packed_dobs.append(packed)
            sigs = [signatures.of(t, add=True) for t in key_tokens(tokens)]
            keys = _keys(sigs, _years(unpack_date(packed)), query=False)
            if len(tokens) >= 2:
                for written in dict.fromkeys((squash, "".join(fore + family))):
                    sig_id = signatures.prefix(written, add=True)
                    if sig_id is not None:
                        keys.append(_squash_key(sig_id))
            all_keys.extend(keys)
            key_counts.append(len(keys))
        key_array = np.frombuffer(all_keys, dtype=np.int64) if all_keys else np.zeros(0, dtype=np.int64)
        row_array = np.repeat(np.arange(len(kept), dtype=np.int32), np.frombuffer(key_counts, dtype=np.int32))
        ntokens = np.frombuffer(token_counts, dtype=np.uint8).copy()
        dobs = np.frombuffer(packed_dobs, dtype=np.int32).copy()
        order = np.argsort(key_array)
        sorted_keys = key_array[order]
        first = np.ones(len(sorted_keys), dtype=bool)
        first[1:] = sorted_keys[1:] != sorted_keys[:-1]
        starts = np.flatnonzero(first)
        unique_keys = sorted_keys[starts]
        offsets = np.append(starts, len(sorted_keys)).astype(np.int64)
        rows = row_array[order].copy()
        return cls(kept, names, sounds, squashes, ntokens, dobs, unique_keys, offsets, rows, signatures)

    def __len__(self) -> int:
        return len(self._records)

    @property
    def records(self) -> list[R]:
        return self._records

    def candidates(self, family_name: str, forenames: str | None, date_of_birth: str | None) -> np.ndarray:
        """Rows that share a block with the query (what ``search`` goes on to score)."""
        tokens = match_tokens(family_name) + match_tokens(forenames)
        sigs = [s for s in (self._signatures.of(t, add=False) for t in key_tokens(tokens)) if s]
        keys = _keys(sigs, _years(parse_partial_date(date_of_birth)), query=True)
        if len(tokens) == 1:  # records whose name, written without spaces, starts the same
            sig_id = self._signatures.prefix(tokens[0], add=False)
            if sig_id is not None:
                keys.append(_squash_key(sig_id))
        elif tokens:  # one-word records that are this name written without spaces
            for written in {"".join(tokens), "".join(match_tokens(forenames) + match_tokens(family_name))}:
                sig_id = self._signatures.prefix(written, add=False)
                if sig_id is not None:
                    keys.append(_single_key(sig_id))
        wanted = np.unique(np.array(keys, dtype=np.int64))
        if not len(wanted) or not len(self._keys):
            return np.zeros(0, dtype=np.int32)
        positions = np.searchsorted(self._keys, wanted)
        inside = positions < len(self._keys)
        positions, wanted = positions[inside], wanted[inside]
        positions = positions[self._keys[positions] == wanted]
        if not len(positions):
            return np.zeros(0, dtype=np.int32)
        parts = [self._rows[self._offsets[p] : self._offsets[p + 1]] for p in positions]
        return np.unique(np.concatenate(parts))

    def search(
        self,
        family_name: str,
        forenames: str | None,
        date_of_birth: str | None,
        nationalities: Sequence[str] = (),
        threshold: float = DEFAULT_THRESHOLD,
    ) -> list[PersonMatch[R]]:
        """Entries scoring at least ``threshold``, best first."""
        query = _query(family_name, forenames, date_of_birth, nationalities)
        rows = self.candidates(family_name, forenames, date_of_birth)
        return self._score_rows(query, rows, threshold)

    def search_exhaustive(
        self,
        family_name: str,
        forenames: str | None,
        date_of_birth: str | None,
        nationalities: Sequence[str] = (),
        threshold: float = DEFAULT_THRESHOLD,
    ) -> list[PersonMatch[R]]:
        """The same scorer and threshold over every entry (the benchmark's reference, and a test oracle)."""
        query = _query(family_name, forenames, date_of_birth, nationalities)
        return self._score_rows(query, None, threshold)

    def _score_rows(self, query: _Query, rows: np.ndarray | None, threshold: float) -> list[PersonMatch[R]]:
        if not query.name:
            return []
        choices = self._names if rows is None else [self._names[i] for i in rows]
        if not choices:
            return []
        sound_choices = self._sounds if rows is None else [self._sounds[i] for i in rows]
        squash_choices = self._squashes if rows is None else [self._squashes[i] for i in rows]
        cutoff = name_cutoff(threshold)
        workers = -1 if rows is None else 1
        by_sort = process.cdist(
            [query.name], choices, scorer=fuzz.token_sort_ratio, processor=None, dtype=np.float32, workers=workers
        )[0]
        hopeful = by_sort >= cutoff
        if query.ntokens >= 2:
            by_set = process.cdist(
                [query.name], choices, scorer=fuzz.token_set_ratio, processor=None, dtype=np.float32, workers=workers
            )[0]
            hopeful |= by_set - SUBSET_PENALTY >= cutoff
        by_sound = process.cdist(
            [query.sound], sound_choices, scorer=fuzz.token_sort_ratio, processor=None, dtype=np.float32,
            workers=workers,
        )[0]
        if query.ntokens >= 2:
            by_sound = np.maximum(by_sound, process.cdist(
                [query.sound], sound_choices, scorer=fuzz.token_set_ratio, processor=None, dtype=np.float32,
                workers=workers,
            )[0] - SUBSET_PENALTY)
        hopeful |= by_sound - PHONETIC_PENALTY >= cutoff
        by_squash = process.cdist(
            [query.squash, query.squash_rev], squash_choices, scorer=fuzz.ratio, processor=None, dtype=np.float32,
            workers=workers,
        ).max(axis=0)
        hopeful |= by_squash - SQUASH_PENALTY >= cutoff
        positions = np.flatnonzero(hopeful)
        row_numbers = positions if rows is None else rows[positions]
        matches: list[PersonMatch[R]] = []
        for row in row_numbers.tolist():
            name = name_similarity(
                query.name, self._names[row], query.sound, self._sounds[row], query.ntokens, int(self._ntokens[row]),
                (query.squash, query.squash_rev), self._squashes[row],
            )
            dob, dob_word = dob_similarity(query.dob, unpack_date(int(self._dobs[row])))
            score = combined_score(name, dob)
            if score >= threshold:
                matches.append(self._explain(query, row, score, name, dob, dob_word))
        matches.sort(key=lambda m: (-m.score, m.row))
        return matches

    def _explain(self, query: _Query, row: int, score: float, name: float, dob: float, dob_word: str) -> PersonMatch[R]:
        record = self._records[row]
        r_family, r_fore = match_tokens(record.family_name), match_tokens(record.forenames)
        agreed: list[str] = []
        disagreed: list[str] = []
        notes = [f"name similarity {name:.0f}/100"]
        family_same = _part_agrees(query.family, r_family)
        family_swapped = not family_same and _part_agrees(query.family, r_fore)
        if family_same:
            agreed.append("family_name")
        elif family_swapped:
            agreed.append("family_name")
            notes.append("family name and forenames given in the other order")
        else:
            disagreed.append("family_name")
        if query.forenames and r_fore:
            if _part_agrees(query.forenames, r_family if family_swapped else r_fore):
                agreed.append("forenames")
            else:
                disagreed.append("forenames")
        record_dob = format_date(parse_partial_date(record.date_of_birth))
        if dob == DOB_UNKNOWN:
            notes.append("birth date not known on one side")
        elif dob >= 80:
            agreed.append("date_of_birth")
            notes.append(f"birth date {format_date(query.dob)} vs {record_dob}: {dob_word}")
        else:
            disagreed.append("date_of_birth")
            notes.append(f"birth date {format_date(query.dob)} vs {record_dob}: {dob_word}")
        theirs = {n.upper() for n in record.nationalities}
        if query.nationalities and theirs:
            if query.nationalities & theirs:
                agreed.append("nationalities")
                notes.append(f"shared nationality {', '.join(sorted(query.nationalities & theirs))}")
            else:
                disagreed.append("nationalities")
                notes.append(f"no shared nationality ({', '.join(sorted(theirs))} on the list)")
        shown = " ".join(p for p in (record.family_name, record.forenames or "") if p)
        explanation = f"score {score:.0f}/100 against list entry {shown!r}: " + "; ".join(notes)
        return PersonMatch(
            record=record, score=score, agreed=agreed, disagreed=disagreed, explanation=explanation, row=row
        )


def _part_agrees(mine: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    """One part of a name (family name or forenames) agrees: spelt alike, a subset, or sounding the same."""
    if not mine or not theirs:
        return False
    if fuzz.token_set_ratio(sorted_name(mine), sorted_name(theirs), processor=None) >= FIELD_AGREES:
        return True
    return fuzz.token_set_ratio(sounds_of(mine), sounds_of(theirs), processor=None) >= 90
