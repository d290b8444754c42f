"""Searching names with the screening matcher's tolerance, fast: pure, no I/O.

``name_matches`` decides whether a person's names answer a searched name, token by token: equal,
begun by, a near spelling of (a typo), or sounding like a name token. Applying it to every published
notice costs seconds at tens of thousands of notices. Instead a worker keeps the vocabulary of the
notices' name tokens (``registry.published_names.PublishedNames``), finds in it the tokens each
searched token would accept
under the very same four rules, and scores just the notices holding such a token for every searched
token. Those are exactly the notices ``name_matches`` accepts: the prefilter loses none. The duplicate
check of screening reads the same vocabulary, with one of the notices' aliases beside it and one of the
pending requests' names and aliases, taking every holder of a token a searched token accepts.
"""

from __future__ import annotations

import heapq

from rapidfuzz import fuzz, process

from models.activities import NoticeHit
from screening.names import name_tokens as screening_tokens
from screening.names import phonetic

PREFIX_MIN = 2
TYPO_MIN = 4
TYPO_SIMILARITY = 80
SOUND_MIN = 3


def name_matches(query: str, family_name: str, forenames: str | None) -> float | None:
    """How well a searched name matches a person's names; None when it does not match.

    The screening matcher's normalisation (transliteration, accents, case) on both sides, then every
    token of the query must equal a name token (1.0), begin one (0.8, at least two letters), be a
    near spelling of one (a typo: up to 0.9 by edit similarity) or sound like one (0.7). The score is
    scaled by the share of the person's name tokens matched, so "garcia" ranks "García" above
    "García López". Name order does not matter.
    """
    wanted = screening_tokens(query)
    names = screening_tokens(family_name) + screening_tokens(forenames)
    if not wanted or not names:
        return None
    total = 0.0
    matched: set[str] = set()
    for token in wanted:
        if token in names:
            total += 1.0
            matched.add(token)
            continue
        prefixed = [name for name in names if len(token) >= PREFIX_MIN and name.startswith(token)]
        if prefixed:
            total += 0.8
            matched.add(prefixed[0])
            continue
        near = max(names, key=lambda name: fuzz.ratio(token, name))
        similarity = fuzz.ratio(token, near)
        if len(token) >= TYPO_MIN and similarity >= TYPO_SIMILARITY:
            total += 0.9 * similarity / 100
            matched.add(near)
            continue
        sounding = [name for name in names if len(token) >= SOUND_MIN and phonetic(name) == phonetic(token)]
        if not sounding:
            return None
        total += 0.7
        matched.add(sounding[0])
    coverage = len(matched) / len(set(names))
    return round(total / len(wanted) * (0.5 + 0.5 * coverage), 4)


class NameVocabulary:
    """The name tokens of a set of notices, which notices hold each, and how each sounds. It only
    grows: a search applies status and filters to the candidates it gives."""

    def __init__(self) -> None:
        self.holders: dict[str, list[str]] = {}
        self.tokens: list[str] = []
        self.sounds: dict[str, list[str]] = {}

    def add(self, holder: str, name_key: str) -> None:
        for token in set(name_key.split()):
            holders = self.holders.get(token)
            if holders is None:
                holders = self.holders[token] = []
                self.tokens.append(token)
                self.sounds.setdefault(phonetic(token), []).append(token)
            holders.append(holder)

    def accepted_by(self, token: str) -> set[str]:
        """The vocabulary's tokens that ``name_matches`` would let this searched token match."""
        found = {token} if token in self.holders else set()
        if len(token) >= PREFIX_MIN:
            found.update(name for name in self.tokens if name.startswith(token))
        if len(token) >= TYPO_MIN:
            found.update(
                name
                for name, _score, _index in process.extract(
                    token, self.tokens, scorer=fuzz.ratio, score_cutoff=TYPO_SIMILARITY, limit=None
                )
            )
        if len(token) >= SOUND_MIN:
            found.update(self.sounds.get(phonetic(token), ()))
        return found

    def holding_any(self, token: str) -> set[str]:
        """Holders of a name token this token accepts."""
        return {holder for name in self.accepted_by(token) for holder in self.holders[name]}

    def candidates(self, query: str) -> set[str]:
        """Notices with, for every searched token, a name token it accepts."""
        result: set[str] | None = None
        for token in dict.fromkeys(screening_tokens(query)):
            holders = self.holding_any(token)
            result = holders if result is None else result & holders
            if not result:
                return set()
        return result or set()


class TopHits:
    """The best ``limit`` hits seen so far, without holding every candidate in memory.

    Ordered by name score, then by the order the query returned them (newest notices first).
    """

    def __init__(self, limit: int, name: str | None) -> None:
        self.limit = limit
        self.name = name
        self.heap: list[tuple[float, int, NoticeHit]] = []
        self.seen = 0

    def consider(self, hit: NoticeHit) -> None:
        if self.name:
            score = name_matches(self.name, hit.family_name, hit.forenames)
            if score is None:
                return
            hit.score = score
        self.seen += 1
        entry = (hit.score or 0.0, -self.seen, hit)
        if len(self.heap) < self.limit:
            heapq.heappush(self.heap, entry)
        else:
            heapq.heappushpop(self.heap, entry)

    def hits(self) -> list[NoticeHit]:
        return [hit for _, _, hit in sorted(self.heap, key=lambda entry: entry[:2], reverse=True)]


