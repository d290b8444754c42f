"""The scripted population: which requests, through which path, to which final stage. Seeded, so a run
that found something can be run again as it was.

Each request is one of the shipped examples with its own NCB reference and, for the paths that must not
meet each other in screening (a clean request is not another's duplicate), its own invented subject."""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from runtime.config import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "examples"


class Path_(StrEnum):
    """The paths of the issue's list (and a withdrawal), each with the stage its script ends in."""

    CLEAN = "clean"  # screened clean, assessed compliant, approved: published
    HELD = "held"  # held by screening, review concluded, assessed non-compliant, denied
    CLARIFICATION_ANSWERED = "clarification_answered"  # incomplete, answered with the missing items: published
    CLARIFICATION_MISSED = "clarification_missed"  # incomplete, never answered: still awaiting (see FINAL)
    DENIED = "denied"  # screened clean, assessed non-compliant, denied
    BLOCKED = "blocked"  # published, then blocked
    UNBLOCKED = "unblocked"  # published, blocked, block lifted: published
    CANCELLED = "cancelled"  # published, then cancelled
    WITHDRAWN = "withdrawn"  # withdrawn by its NCB while in legal assessment


FINAL: dict[Path_, str] = {
    Path_.CLEAN: "published",
    Path_.HELD: "denied",
    Path_.CLARIFICATION_ANSWERED: "published",
    # A clarification's deadline is 30 days (the seed's; a reviewer's own question takes at least 1 day):
    # the dev server's clock cannot be moved, so the harness checks the case still waits, with its
    # deadline set; the missed deadline itself is tested on the time-skipping server
    # (tests/workflows/test_notice_request.py).
    Path_.CLARIFICATION_MISSED: "awaiting_clarification",
    Path_.DENIED: "denied",
    Path_.BLOCKED: "blocked",
    Path_.UNBLOCKED: "published",
    Path_.CANCELLED: "cancelled",
    Path_.WITHDRAWN: "withdrawn",
}

SOURCE: dict[Path_, str] = {
    Path_.CLEAN: "red-notice-fraud",
    Path_.HELD: "red-notice-defamation",
    Path_.CLARIFICATION_ANSWERED: "red-notice-incomplete",
    Path_.CLARIFICATION_MISSED: "red-notice-incomplete",
    Path_.DENIED: "red-notice-fraud",
    Path_.BLOCKED: "red-notice-fraud",
    Path_.UNBLOCKED: "red-notice-fraud",
    Path_.CANCELLED: "red-notice-fraud",
    Path_.WITHDRAWN: "red-notice-fraud",
}

AMENDMENTS: dict[str, Any] = {
    "subject": {"fingerprints_available": True, "photo_available": True},
    "judicial": {
        "facts_summary": "On 3 March 2019 in Recife, BR, the subject robbed a bank branch at gunpoint with two "
        "accomplices and took BRL 180,000.",
        "offence_date": "2019-03-03",
        "offence_place": "Recife, BR",
        "court_decision": {
            "reference": "TJPE-0001234-55.2019",
            "issued_on": "2021-06-14",
            "issuing_authority": "3a Vara Criminal de Recife",
        },
        "sentence": {"imposed_months": 96, "remaining_months": 80},
    },
}
"""What the incomplete example's NCB sends when it answers (as tests/workflows does)."""

SHORT_MIX: dict[Path_, int] = {
    Path_.CLEAN: 3, Path_.HELD: 2, Path_.CLARIFICATION_ANSWERED: 3, Path_.CLARIFICATION_MISSED: 2,
    Path_.DENIED: 3, Path_.BLOCKED: 3, Path_.UNBLOCKED: 3, Path_.CANCELLED: 3, Path_.WITHDRAWN: 2,
}
"""24 requests: every path at least twice."""

_SYLLABLES = ("ka", "ro", "vin", "ta", "mel", "dor", "su", "len", "bri", "go", "na", "ther", "pal", "wes", "quo",
              "zan", "fi", "lu", "mar", "ost", "ve", "drak", "il", "yen")


@dataclass(frozen=True)
class Planned:
    """One request of the population and its script."""

    index: int
    path: Path_
    request: dict[str, Any]

    @property
    def ncb(self) -> str:
        return str(self.request["requesting_ncb"])

    @property
    def final(self) -> str:
        return FINAL[self.path]


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts))


def _invent_subject(request: dict[str, Any], rng: random.Random) -> None:
    """Another person: a name no other request of the run has, another birth date, no aliases or papers
    that would make it someone else's duplicate."""
    subject = request["subject"]
    subject["family_name"] = _name(rng, 4).upper()
    subject["forenames"] = _name(rng, 3).capitalize()
    if len(str(subject.get("date_of_birth", ""))) == 10:
        subject["date_of_birth"] = f"{rng.randint(1950, 1999)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    subject["aliases"] = []
    for document in subject.get("identity_documents", []):
        document["number"] = f"{rng.randint(10**8, 10**9 - 1)}"


def population(mix: dict[Path_, int], seed: int, run: str) -> list[Planned]:
    """The requests of a run, in a seeded order; ``run`` makes the NCB references unique to it."""
    rng = random.Random(seed)
    paths = [path for path, count in mix.items() for _ in range(count)]
    rng.shuffle(paths)
    sources = {name: json.loads((EXAMPLES / f"{name}.json").read_text()) for name in set(SOURCE.values())}
    planned = []
    for index, path in enumerate(paths):
        request = copy.deepcopy(sources[SOURCE[path]])
        request["ncb_reference"] = f"{request['requesting_ncb']}-CH-{run}-{index:05d}"[:64]
        if path is not Path_.HELD:  # held keeps its subject: what screening holds it for is about her
            _invent_subject(request, rng)
        planned.append(Planned(index, path, request))
    return planned


def scaled(mix: dict[Path_, int], total: int) -> dict[Path_, int]:
    """The mix's proportions for ``total`` requests (at least one of each path)."""
    whole = sum(mix.values())
    counts = {path: max(1, round(count * total / whole)) for path, count in mix.items()}
    counts[Path_.CLEAN] += total - sum(counts.values())
    return counts
