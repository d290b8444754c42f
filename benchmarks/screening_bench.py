"""Screening benchmark: the labelled corpus of requests (``benchmarks/corpus/``) through the real rules.

    .venv/bin/python -m benchmarks.screening_bench          # or: make bench-screening
    .venv/bin/python -m benchmarks.screening_bench --limit 10 --today 2026-11-20

Each corpus file is ``{"request": {...}, "label": {"route", "rules", "why", "language"}}``: a request in
the contract's shape (``models.request``) and the route a careful NDTF lawyer would give it, with the
ids of the rules (``screening.screen.ALL_RULES``) that must fire for it. The requests were written from
the RPD and INTERPOL's published practice, not from the rules' code.

Each request is validated as a submission (``parse_request``: one the contract refuses is routed
``refused_at_submission``), screened by ``screening.screen.screen`` with the shipped reference data
(``data/reference/``: country context, interstate disputes, refugees, political targeting; no
duplicates, no external service), and routed as ``NoticeRequestWorkflow.screen`` routes it: any missing
item asks the NCB (``asked_of_ncb``), else any doubt or blocking finding holds the case for detailed
review (``held``), else it goes to legal assessment (``legal_assessment``).

It prints per-rule precision and recall against the labels' rule ids (a rule "fires" on a request
when it gives any finding on it, info included), the confusion matrix of routes, and the three goals:
recall 1.0 on the held class, at least 90 % of the sound requests (labelled legal assessment) reaching
legal assessment with no doubt, and every finding citing an article of the expected form. It is a
measurement: the exit code is 0 whether the goals are met or not; the last line says how many are.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from models.findings import Finding, ScreeningResult, Severity
from models.reference import CountryContextRecord, InterstateDisputeRecord, PoliticalTargetRecord, RefugeeRecord
from models.request import InvalidRequest, parse_request
from screening.matching import PersonIndex
from screening.screen import ALL_RULES, screen

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "corpus"
REFERENCE = ROOT / "data" / "reference"
TODAY = date(2026, 11, 20)
"""The fixed 'today' the corpus is screened on (after every date in it but the one meant to be in the future)."""

HELD = "held"
LEGAL_ASSESSMENT = "legal_assessment"
ASKED = "asked_of_ncb"
REFUSED = "refused_at_submission"
ROUTES = (HELD, LEGAL_ASSESSMENT, ASKED, REFUSED)
LANGUAGES = ("en", "fr", "es", "ar")

HELD_RECALL_GOAL = 1.0
SOUND_CLEAN_GOAL = 0.9

ARTICLE_FORM = re.compile(
    r"^(RPD Art\. \d+(\(\d+\))?(\([a-z]\))?(\([ivx]+\))?"
    r"|Constitution Art\. \d+(\(\d+\))?"
    r"|Refugee policy \(Art\. 2\(1\)\))$"
)
"""What an article cited by a finding looks like: an RPD or Constitution article (with its paragraph,
letter and item), or the refugee policy under Article 2(1)."""

RULE_ARTICLES: dict[str, str] = {rule.id: rule.article for rule in ALL_RULES}


# --- the corpus ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    route: str
    rules: tuple[str, ...]
    why: str
    language: str


@dataclass(frozen=True)
class Case:
    name: str
    """The file's name without .json."""
    request: dict[str, object]
    label: Label


class CorpusError(ValueError):
    """A corpus file that is not of the expected shape (names the file)."""


def read_case(path: Path) -> Case:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        raw = data["label"]
        label = Label(route=raw["route"], rules=tuple(raw.get("rules", ())), why=raw["why"], language=raw["language"])
        request = data["request"]
    except (ValueError, KeyError, TypeError) as error:
        raise CorpusError(f"{path.name}: not a corpus file ({error!r})") from None
    if not isinstance(request, dict):
        raise CorpusError(f"{path.name}: 'request' is not an object")
    return Case(name=path.stem, request=request, label=label)


def load_corpus(directory: Path = CORPUS) -> list[Case]:
    return [read_case(path) for path in sorted(directory.glob("*.json"))]


# --- the shipped reference data (data/reference/, read as tests/screening/conftest.py reads it) -------


@dataclass
class Reference:
    country_context: list[CountryContextRecord]
    interstate_disputes: list[InterstateDisputeRecord]
    refugees: PersonIndex[RefugeeRecord]
    political_targeting: PersonIndex[PoliticalTargetRecord]


def _rows(directory: Path, kind: str) -> list[dict[str, str]]:
    with (directory / f"{kind}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _codes(value: str) -> tuple[str, ...]:
    return tuple(code for code in value.split(";") if code)


def load_reference(directory: Path = REFERENCE) -> Reference:
    refugees = [
        RefugeeRecord(
            family_name=row["family_name"],
            forenames=row["forenames"],
            date_of_birth=row["date_of_birth"],
            nationalities=_codes(row["nationalities"]),
            granted_by=row["granted_by"],
            persecution_country=row["persecution_country"],
            status=row["status"],
            decided_on=date.fromisoformat(row["decided_on"]) if row["decided_on"] else None,
        )
        for row in _rows(directory, "refugees")
    ]
    targets = [
        PoliticalTargetRecord(
            family_name=row["family_name"],
            forenames=row["forenames"],
            date_of_birth=row["date_of_birth"],
            nationalities=_codes(row["nationalities"]),
            country=row["country"],
            kind=row["kind"],
            note=row.get("note", ""),
        )
        for row in _rows(directory, "political_targeting")
    ]
    context = [
        CountryContextRecord.model_validate(
            {"country": r["country"], "kind": r["kind"], "start": r["from"], "end": r["to"] or None, "note": r["note"]}
        )
        for r in _rows(directory, "country_context")
    ]
    disputes = [
        InterstateDisputeRecord.model_validate(
            {"country_a": r["country_a"], "country_b": r["country_b"], "start": r["from"], "end": r["to"] or None,
             "note": r["note"]}
        )
        for r in _rows(directory, "interstate_disputes")
    ]
    return Reference(context, disputes, PersonIndex.build(refugees), PersonIndex.build(targets))


# --- screening and routing ----------------------------------------------------------------------


def route_of(result: ScreeningResult) -> str:
    """The stage ``NoticeRequestWorkflow.screen`` moves a screened request to: missing items are asked of
    the NCB at once; otherwise any doubt (a blocking finding included) sends it to detailed review."""
    if result.missing_items:
        return ASKED
    if result.doubts:
        return HELD
    return LEGAL_ASSESSMENT


@dataclass
class Outcome:
    case: Case
    route: str
    findings: list[Finding] = field(default_factory=list)
    refusal: str = ""
    """Why the contract refused it at submission, when it did."""

    @property
    def fired(self) -> set[str]:
        return {finding.rule_id for finding in self.findings}

    @property
    def doubts(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.severity is not Severity.INFO]


def run_case(case: Case, reference: Reference, today: date = TODAY) -> Outcome:
    try:
        request = parse_request(case.request, today)
    except InvalidRequest as error:
        return Outcome(case, REFUSED, refusal=str(error))
    result = screen(
        request,
        today,
        country_context=reference.country_context,
        interstate_disputes=reference.interstate_disputes,
        refugees=reference.refugees,
        political_targeting=reference.political_targeting,
        duplicates=[],
    )
    return Outcome(case, route_of(result), findings=result.findings)


# --- figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleScore:
    rule_id: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float | None:
        fired = self.true_positives + self.false_positives
        return self.true_positives / fired if fired else None

    @property
    def recall(self) -> float | None:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else None


def article_problem(finding: Finding) -> str | None:
    """Why a finding's article is not acceptable (empty, not of the expected form, not its rule's), or None."""
    article = finding.article.strip()
    if not article:
        return "no article"
    if not ARTICLE_FORM.match(article):
        return (f"article {article!r} is not of the form 'RPD Art. N(n)(a)(i)', 'Constitution Art. N(n)' or the "
                "refugee policy")
    expected = RULE_ARTICLES.get(finding.rule_id)
    if expected is not None and article != expected:
        return f"article {article!r} is not its rule's ({expected!r})"
    return None


@dataclass
class Report:
    outcomes: list[Outcome]
    rules: list[RuleScore]
    confusion: dict[tuple[str, str], int]
    """(labelled route, screening's route) -> number of requests."""
    held_recall: float | None
    """Share of the requests labelled held that screening holds (None without any)."""
    sound_clean: float | None
    """Share of the requests labelled legal assessment that reach it with no doubt (None without any)."""
    held_for_label: float | None
    """Share of the requests labelled held that screening holds with at least one of the label's rules firing
    (the others are held only by rules the label does not name: held, but not for the reason it should be)."""
    findings: int
    article_problems: list[tuple[str, str, str]]
    """(request, rule id, problem) for every finding whose article is not acceptable."""

    @property
    def articles_ok(self) -> bool:
        return not self.article_problems

    def goals(self) -> list[tuple[str, bool]]:
        return [
            (f"recall on the held class = {HELD_RECALL_GOAL:.1f}", self.held_recall is not None
             and self.held_recall >= HELD_RECALL_GOAL),
            (f"sound requests reaching legal assessment with no doubt >= {SOUND_CLEAN_GOAL:.0%}",
             self.sound_clean is not None and self.sound_clean >= SOUND_CLEAN_GOAL),
            ("every finding cites an article of the expected form", self.articles_ok),
        ]


def _share(outcomes: Sequence[Outcome], label: str, route: str) -> float | None:
    labelled = [o for o in outcomes if o.case.label.route == label]
    return sum(o.route == route for o in labelled) / len(labelled) if labelled else None


def _held_for_reason(outcome: Outcome) -> bool:
    return outcome.route == HELD and bool(set(outcome.case.label.rules) & outcome.fired)


def _held_for_label(outcomes: Sequence[Outcome]) -> float | None:
    labelled = [o for o in outcomes if o.case.label.route == HELD]
    return sum(_held_for_reason(o) for o in labelled) / len(labelled) if labelled else None


def evaluate(cases: Sequence[Case], reference: Reference, today: date = TODAY) -> Report:
    outcomes = [run_case(case, reference, today) for case in cases]
    screened = [o for o in outcomes if o.route != REFUSED]
    counts: dict[str, Counter[str]] = {"tp": Counter(), "fp": Counter(), "fn": Counter()}
    for outcome in screened:
        expected = set(outcome.case.label.rules)
        for rule_id in outcome.fired | expected:
            kind = "tp" if rule_id in outcome.fired and rule_id in expected else (
                "fp" if rule_id in outcome.fired else "fn")
            counts[kind][rule_id] += 1
    ids = [rule.id for rule in ALL_RULES]
    ids += sorted({*counts["tp"], *counts["fp"], *counts["fn"]} - set(ids))
    scores = [RuleScore(i, counts["tp"][i], counts["fp"][i], counts["fn"][i]) for i in ids]
    confusion = Counter((o.case.label.route, o.route) for o in outcomes)
    problems = [
        (o.case.name, f.rule_id, problem)
        for o in screened
        for f in o.findings
        if (problem := article_problem(f)) is not None
    ]
    return Report(
        outcomes=outcomes,
        rules=scores,
        confusion=dict(confusion),
        held_recall=_share(outcomes, HELD, HELD),
        sound_clean=_share(outcomes, LEGAL_ASSESSMENT, LEGAL_ASSESSMENT),
        held_for_label=_held_for_label(outcomes),
        findings=sum(len(o.findings) for o in screened),
        article_problems=problems,
    )


# --- the report ---------------------------------------------------------------------------------


def _ratio(value: float | None) -> str:
    return "   -" if value is None else f"{value:.2f}"


def _misroutes(report: Report) -> list[str]:
    lines: list[str] = []
    for o in report.outcomes:
        label = o.case.label
        if o.route == label.route:
            continue
        missed = sorted(set(label.rules) - o.fired)
        extra = sorted({f.rule_id for f in o.doubts} - set(label.rules))
        detail = []
        if missed:
            detail.append("did not fire: " + ", ".join(missed))
        if extra:
            detail.append("fired beyond the label: " + ", ".join(extra))
        if o.refusal:
            detail.append("refused: " + o.refusal)
        lines.append(f"  {o.case.name} [{label.language}] labelled {label.route}, screened {o.route}"
                     + (f" ({'; '.join(detail)})" if detail else ""))
    return lines


def format_report(report: Report, today: date = TODAY) -> str:
    outcomes = report.outcomes
    languages = Counter(o.case.label.language for o in outcomes)
    labelled = Counter(o.case.label.route for o in outcomes)
    out = [
        f"corpus: {len(outcomes)} requests ("
        + ", ".join(f"{labelled[r]} {r}" for r in ROUTES) + "); languages: "
        + ", ".join(f"{lang} {languages[lang]}" for lang in LANGUAGES) + f"; screened as of {today.isoformat()}",
        f"findings: {report.findings}",
        "",
        "per rule (a rule fires on a request when it gives any finding; expected = in the request's label):",
        "",
        "| rule                                       |  TP |  FP |  FN | precision | recall |",
        "|--------------------------------------------|-----|-----|-----|-----------|--------|",
    ]
    for s in report.rules:
        if s.true_positives + s.false_positives + s.false_negatives == 0:
            continue
        out.append(f"| {s.rule_id:<42} | {s.true_positives:>3} | {s.false_positives:>3} | {s.false_negatives:>3} | "
                   f"{_ratio(s.precision):>9} | {_ratio(s.recall):>6} |")
    for s in report.rules:
        missed = [o.case.name for o in outcomes if s.rule_id in o.case.label.rules and s.rule_id not in o.fired
                  and o.route != REFUSED]
        extra = [o.case.name for o in outcomes if s.rule_id in o.fired and s.rule_id not in o.case.label.rules]
        if missed:
            out.append(f"  {s.rule_id} did not fire on: {', '.join(missed)}")
        if extra:
            out.append(f"  {s.rule_id} fired beyond the label on: {', '.join(extra)}")
    silent = [s.rule_id for s in report.rules if s.true_positives + s.false_positives + s.false_negatives == 0]
    if silent:
        out.append(f"(never fired nor expected: {', '.join(silent)})")
    out += ["", "routes (rows: label, columns: screening):", ""]
    out.append("| label \\ screening      | " + " | ".join(f"{r:>21}" for r in ROUTES) + " |")
    out.append("|------------------------|" + "|".join("-" * 23 for _ in ROUTES) + "|")
    for label in ROUTES:
        out.append(f"| {label:<22} | " + " | ".join(f"{report.confusion.get((label, r), 0):>21}" for r in ROUTES)
                   + " |")
    held = labelled[HELD]
    sound = labelled[LEGAL_ASSESSMENT]
    held_hits = report.confusion.get((HELD, HELD), 0)
    sound_hits = report.confusion.get((LEGAL_ASSESSMENT, LEGAL_ASSESSMENT), 0)
    out += [
        "",
        f"recall on the held class: {_ratio(report.held_recall)} ({held_hits}/{held})",
        f"  of which held by at least one rule of the label: {_ratio(report.held_for_label)}"
        f" ({sum(_held_for_reason(o) for o in outcomes if o.case.label.route == HELD)}/{held})",
        f"sound requests reaching legal assessment with no doubt: {_ratio(report.sound_clean)} ({sound_hits}/{sound})",
        f"findings citing an article of the expected form: {report.findings - len(report.article_problems)}"
        f"/{report.findings}",
    ]
    for name, rule_id, problem in report.article_problems:
        out.append(f"  {name}: {rule_id}: {problem}")
    by_others = [o for o in outcomes if o.case.label.route == HELD and o.route == HELD and not _held_for_reason(o)]
    if by_others:
        out += ["", "requests labelled held that screening holds only on rules outside the label:"]
        out += [f"  {o.case.name} [{o.case.label.language}] expected {', '.join(o.case.label.rules)}; held by "
                f"{', '.join(sorted({f.rule_id for f in o.doubts}))}" for o in by_others]
    misroutes = _misroutes(report)
    if misroutes:
        out += ["", "requests routed otherwise than labelled:", *misroutes]
    out.append("")
    goals = report.goals()
    for text, met in goals:
        out.append(f"{'PASS' if met else 'FAIL'}  {text}")
    out.append(f"goals met: {sum(met for _, met in goals)}/{len(goals)}")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder of corpus files (default: %(default)s)")
    parser.add_argument("--reference", type=Path, default=REFERENCE, help="reference data (default: %(default)s)")
    parser.add_argument("--today", type=date.fromisoformat, default=TODAY, help="screening date (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N corpus files")
    args = parser.parse_args(argv)
    cases = load_corpus(args.corpus)[: args.limit]
    report = evaluate(cases, load_reference(args.reference), args.today)
    print(format_report(report, args.today))
    return 0


if __name__ == "__main__":
    sys.exit(main())
