"""Seeded requests for the end-to-end benchmark, and the scripted reviewer actions that end each one.

Each request is a labelled corpus request (``benchmarks/corpus/``) with a new subject from the name
generator of ``benchmarks.synthetic`` (realistic names, a full birth date, unique NCB references), so
thousands of them are not duplicates of each other by construction. Three plans:

- ``clean``: a sound request (screening finds nothing) → legal assessment → assessed compliant by a lawyer
  → approved by a second reviewer (a supervisor) → published;
- ``held``: a request screening holds for detailed review (an excluded offence, e.g. defamation) →
  review concluded → assessed non-compliant → denied by a second lawyer;
- ``info``: held as above, and the reviewer first asks the NCB for information, which the NCB answers.

The plan is what the benchmark aims at; the path is what the case did (a synthetic name can match a
list and hold a sound request): the driver acts on the stage it sees, so every case still ends.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.synthetic import NameMaker

CORPUS = Path(__file__).resolve().parent / "corpus"
CLEAN_TEMPLATES = ("001", "002", "003", "004", "005", "006", "007", "008", "010", "013")
HELD_TEMPLATES = ("032", "036", "037", "043", "044", "045")
PLANS = ("clean", "held", "info")
PLAN_WEIGHTS = (0.4, 0.3, 0.3)

LAWYER = "legal.ana"
SECOND_LAWYER = "legal.eli"
POLICE = "police.ben"
SUPERVISOR = "sup.dana"
REVIEWERS = (LAWYER, SECOND_LAWYER, POLICE, SUPERVISOR)


@dataclass(frozen=True)
class BenchRequest:
    index: int
    plan: str
    body: dict[str, Any]

    @property
    def ncb(self) -> str:
        return str(self.body["requesting_ncb"])


def _templates(prefixes: tuple[str, ...]) -> list[dict[str, Any]]:
    found = []
    for prefix in prefixes:
        for path in sorted(CORPUS.glob(f"{prefix}_*.json")):
            found.append(json.loads(path.read_text(encoding="utf-8"))["request"])
    if not found:
        raise FileNotFoundError(f"no corpus requests {prefixes} in {CORPUS}")
    return found


def generate(count: int, seed: int = 20261129, tag: str = "E2E", plans: tuple[str, ...] = PLANS) -> list[BenchRequest]:
    """``count`` requests, the same for the same seed; ``tag`` keeps their NCB references apart (the real
    system and the skeleton get the same requests under different tags)."""
    rng = random.Random(seed)
    names = NameMaker(random.Random(seed + 1))
    clean, held = _templates(CLEAN_TEMPLATES), _templates(HELD_TEMPLATES)
    weights = [PLAN_WEIGHTS[PLANS.index(p)] for p in plans]
    out = []
    for index in range(count):
        plan = rng.choices(plans, weights)[0]
        body = copy.deepcopy(rng.choice(clean if plan == "clean" else held))
        _, person = names.person()
        subject = body["subject"]
        subject["family_name"] = person.family_name[:100]
        subject["forenames"] = (person.forenames or "Alex")[:100]
        subject["date_of_birth"] = f"{rng.randint(1950, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        subject.pop("aliases", None)
        body["ncb_reference"] = f"{tag}-{seed % 100000}-{index:06d}"
        out.append(BenchRequest(index=index, plan=plan, body=body))
    return out


def next_action(plan: str, stage: str, done: list[str]) -> tuple[str, str, dict[str, Any]] | None:
    """The scripted next step for a case in ``stage``: (action, actor, body), or None when it has ended.

    ``actor`` is a reviewer id, or ``ncb`` for the NCB's reply. The actions are the API's routes."""
    if stage in ("published", "denied", "withdrawn"):
        return None
    if stage == "awaiting_clarification":
        return "reply", "ncb", {"answer": "The warrant and the facts are as stated; the court record is attached."}
    if stage == "detailed_review":
        if plan == "info" and "request_info" not in done:
            return "request_info", POLICE, {"question": "Send the court's record of the charges.", "due_days": 30}
        return "conclude_review", POLICE, {"summary": "Reviewed the findings against the file."}
    if stage == "legal_assessment":
        compliant = "conclude_review" not in done and plan == "clean"
        verdict = "compliant" if compliant else "non_compliant"
        basis = "Ordinary-law crime, Article 83 met." if compliant else "The offence is excluded under Article 3."
        return "assess", LAWYER, {"verdict": verdict, "basis": basis, "articles": ["RPD Art. 83"]}
    if stage == "awaiting_decision":
        assessed_compliant = plan == "clean" and "conclude_review" not in done
        if assessed_compliant:
            return "decide", SUPERVISOR, {"outcome": "approve", "reason": "Meets the rules; assessed compliant."}
        return "decide", SECOND_LAWYER, {"outcome": "deny", "reason": "Assessed non-compliant."}
    return None


ROUTES = {
    "request_info": "/v1/cases/{id}/info-requests",
    "conclude_review": "/v1/cases/{id}/review-conclusion",
    "assess": "/v1/cases/{id}/assessment",
    "decide": "/v1/cases/{id}/decision",
    "reply": "/v1/requests/{id}/replies",
}
UPDATE_OF_ACTION = {
    "request_info": "request_info",
    "conclude_review": "conclude_review",
    "assess": "assess_case",
    "decide": "decide_case",
    "reply": "reply",
}
"""The workflow update each API action sends (the skeleton's scripts are keyed by them)."""


def path_name(actions: list[str]) -> str:
    """The path a case took, from the actions that ended it."""
    if "request_info" in actions or "reply" in actions:
        return "info"
    if "conclude_review" in actions:
        return "held"
    return "clean"
