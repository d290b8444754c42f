"""Screening benchmark: the labelled corpus of requests (``benchmarks/corpus/``) through the real rules.

    .venv/bin/python -m benchmarks.screening_bench          # or: make bench-screening
    .venv/bin/python -m benchmarks.screening_bench --limit 10 --today 2026-11-20

Each corpus file is ``{"request": {...}, "label": {"route", "rules", "why", "source", "language"[, "split"]}
[, "setting"]}``: a request in the contract's shape (``models.request``) and the route a careful NDTF lawyer
would give it, with the ids of the rules (``screening.screen.ALL_RULES``) that must fire for it and the text
it was written from (the RPD, the General Secretariat's list of offences not meeting Article 83, the refugee
policy, the Article 3 repository of practice), not from the rules' code. ``split`` ``held_out`` marks the
requests written and committed before the rules were run on them.

Each request is validated as a submission (``parse_request``, then the NCB door's checks of membership
and of the offence classification against the shipped lists: one refused is routed
``refused_at_submission``), screened by ``screening.screen.screen`` with the shipped reference data
(``data/reference/``: country context, interstate disputes, refugees, political targeting), and routed
as ``NoticeRequestWorkflow.screen`` routes it: any missing item asks the NCB (``asked_of_ncb``), else any
doubt or blocking finding holds the case for detailed review (``held``), else it goes to legal assessment
(``legal_assessment``).

Besides the shipped reference data, each request is screened against the cases already on file
(``benchmarks/corpus_reference/on_file.json``: pending requests and published notices, for
``duplicate.same_person``) and asked of an external screening service through the real adapter
(``activities.external.ExternalScreening``), here a local server answering yente's ``/match`` API over
a fixed listing (``benchmarks/corpus_reference/external_listing.json``, scored with the project's name
matcher). A corpus file may say ``"setting": {"external_service": "down"}``: that request is screened
while the service does not answer (``external.unavailable``).

It prints per-rule precision and recall against the labels' rule ids (a rule "fires" on a request
when it gives any finding on it, info included), the confusion matrix of routes, the figures per
language and per split, and the three goals: recall 1.0 on the held class, at least 90 % of the sound requests
(labelled legal assessment) reaching legal assessment with no doubt, and every finding citing its
rule's article. It exits 1 when a goal is missed (the last line says how many are met), 0 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import re
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest.mock import patch

from httpx._transports import default as httpx_transports

from activities.external import ExternalScreening
from models.findings import Finding, ScreeningResult, Severity
from models.reference import (
    CountryContextRecord,
    DuplicateCandidate,
    InterstateDisputeRecord,
    PoliticalTargetRecord,
    RefugeeRecord,
)
from models.request import InvalidRequest, NoticeRequest, parse_request
from screening import classification as iccs
from screening.matching import PersonIndex
from screening.screen import ALL_RULES, screen

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "corpus"
REFERENCE = ROOT / "data" / "reference"
CORPUS_REFERENCE = Path(__file__).resolve().parent / "corpus_reference"
"""What the bench screens against besides data/reference/: cases on file and an external listing."""
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
    source: str = ""
    """What the case was written from (the RPD article, the General Secretariat's list, the refugee policy,
    the Article 3 repository of practice)."""
    split: str = "dev"
    """``held_out``: written and committed before the rules were ever run on it (its first, blind run is
    recorded in benchmarks/RESULTS.md); reported apart from ``dev``, the cases the rules were developed on."""


@dataclass(frozen=True)
class Case:
    name: str
    """The file's name without .json."""
    request: dict[str, object]
    label: Label
    external_down: bool = False
    """Screened while the external screening service does not answer (``"setting"`` of the file)."""


class CorpusError(ValueError):
    """A corpus file that is not of the expected shape (names the file)."""


def read_case(path: Path) -> Case:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        raw = data["label"]
        label = Label(route=raw["route"], rules=tuple(raw.get("rules", ())), why=raw["why"], language=raw["language"],
                      source=raw.get("source", ""), split=raw.get("split", "dev"))
        request = data["request"]
        setting = data.get("setting", {})
        external_down = setting.get("external_service", "up") == "down"
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise CorpusError(f"{path.name}: not a corpus file ({error!r})") from None
    if not isinstance(request, dict):
        raise CorpusError(f"{path.name}: 'request' is not an object")
    return Case(name=path.stem, request=request, label=label, external_down=external_down)


def load_corpus(directory: Path = CORPUS) -> list[Case]:
    return [read_case(path) for path in sorted(directory.glob("*.json"))]


# --- the shipped reference data (data/reference/, read as tests/screening/conftest.py reads it) -------


@dataclass
class Reference:
    country_context: list[CountryContextRecord]
    interstate_disputes: list[InterstateDisputeRecord]
    refugees: PersonIndex[RefugeeRecord]
    political_targeting: PersonIndex[PoliticalTargetRecord]
    on_file: list[DuplicateCandidate] = field(default_factory=list)
    """Pending requests and published notices the requests are compared with (duplicates)."""
    external_listing: list[dict[str, Any]] = field(default_factory=list)
    """What the local external screening service lists."""
    members: frozenset[str] = frozenset()
    """The member countries (members.csv); empty: not checked."""
    offence_codes: frozenset[str] = frozenset()
    """The codes of the offence classification (offence_classification.csv); empty: not checked."""


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
    return Reference(context, disputes, PersonIndex.build(refugees), PersonIndex.build(targets),
                     members=frozenset(row["country"] for row in _rows(directory, "members")),
                     offence_codes=frozenset(row["code"] for row in _rows(directory, "offence_classification")))


def load_corpus_reference(reference: Reference, directory: Path = CORPUS_REFERENCE) -> Reference:
    """``reference`` with the cases on file and the external listing of ``directory`` (when it has them)."""
    on_file = directory / "on_file.json"
    listing = directory / "external_listing.json"
    if on_file.exists():
        reference.on_file = [DuplicateCandidate.model_validate(row)
                             for row in json.loads(on_file.read_text(encoding="utf-8"))]
    if listing.exists():
        reference.external_listing = json.loads(listing.read_text(encoding="utf-8"))
    return reference


# --- a local external screening service speaking yente's /match API -----------------------------


@dataclass(frozen=True)
class _Listed:
    """A listed entity as the project's name matcher reads it."""

    family_name: str
    forenames: str | None
    date_of_birth: str | None
    nationalities: tuple[str, ...]
    entity: dict[str, Any]


def _split_name(name: str) -> tuple[str, str]:
    """(family, forenames) of a query's "Forenames FAMILY" (the contract writes family names in capitals)."""
    words = name.split()
    family = [w for w in words if w.isupper() and len(w) > 1]
    fore = [w for w in words if w not in family]
    return " ".join(family) or (words[-1] if words else ""), " ".join(fore)


class _Listing:
    """Answers yente's ``EntityMatchResponse`` for a batch of queries, scoring with the name matcher."""

    def __init__(self, entities: Sequence[dict[str, Any]]) -> None:
        self.index = PersonIndex.build([
            _Listed(e["family_name"], e.get("forenames"), e.get("birth_date"), tuple(e.get("nationalities", ())), e)
            for e in entities
        ])

    def answer(self, body: dict[str, Any], threshold: float) -> dict[str, Any]:
        responses: dict[str, Any] = {}
        for key, example in body.get("queries", {}).items():
            props = example.get("properties", {})
            family, fore = _split_name((props.get("name") or [""])[0])
            dob = (props.get("birthDate") or [None])[0]
            nationalities = [code.upper() for code in props.get("nationality", [])]
            results = []
            for match in self.index.search(family, fore, dob, nationalities, threshold * 100):
                entity = match.record.entity
                results.append({
                    "id": entity["id"], "caption": entity["caption"], "schema": "Person",
                    "properties": {"topics": entity.get("topics", []), "birthDate": [entity.get("birth_date", "")],
                                   "nationality": [c.lower() for c in entity.get("nationalities", [])]},
                    "datasets": entity.get("datasets", []), "score": round(match.score / 100, 3), "match": True,
                })
            responses[key] = {"status": 200, "results": results, "total": {"value": len(results)}}
        return {"responses": responses}


@contextmanager
def external_service(entities: Sequence[dict[str, Any]]) -> Iterator[str]:
    """A local HTTP server answering ``POST /match/{dataset}`` over ``entities``; yields its URL."""
    listing = _Listing(entities)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            threshold = float(self.path.partition("threshold=")[2].split("&")[0] or 0.7)
            data = json.dumps(listing.answer(body, threshold)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def _one_tls_context() -> Iterator[None]:
    """The adapter opens an HTTP client per screening, and each loads the CA bundle (tens of ms, far more on
    a loaded machine) for a TLS it never uses here (the local service is plain HTTP): the bench loads it
    once. Only the bench's own run is patched; the adapter is unchanged."""
    made = httpx_transports.create_ssl_context()
    with patch.object(httpx_transports, "create_ssl_context", lambda *args, **kwargs: made):
        yield


def _closed_port() -> str:
    """A URL where nothing answers (a port bound, then released)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}"


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


@dataclass(frozen=True)
class Services:
    """The external screening service as the bench reaches it: up (a local listing), and down."""

    up: ExternalScreening | None = None
    down: ExternalScreening | None = None


def submission_errors(request: NoticeRequest, reference: Reference) -> list[str]:
    """What the NCB door refuses besides the contract (api/routes/ncb.py, with the shipped lists loaded):
    a requesting country or diffusion recipient that is not a member, a category that is neither a code
    of the offence classification nor a legacy category mapped to one."""
    errors: list[str] = []
    if reference.members and request.requesting_ncb not in reference.members:
        errors.append(f"requesting_ncb: {request.requesting_ncb} is not a member country")
    errors += [f"diffusion_recipients.{i}: {ncb} is not a member country"
               for i, ncb in enumerate(request.diffusion_recipients)
               if reference.members and ncb not in reference.members]
    for i, charge in enumerate(request.judicial.charges):
        category = charge.category
        if reference.offence_codes and category not in reference.offence_codes and (
                iccs.is_code(category) or iccs.LEGACY_CATEGORIES.get(category) not in reference.offence_codes):
            errors.append(f"judicial.charges.{i}.category: '{category}' is not a code of the offence classification")
    return errors


def run_case(case: Case, reference: Reference, today: date = TODAY, services: Services = Services()) -> Outcome:
    try:
        request = parse_request(case.request, today)
    except InvalidRequest as error:
        return Outcome(case, REFUSED, refusal=str(error))
    refused = submission_errors(request, reference)
    if refused:
        return Outcome(case, REFUSED, refusal="; ".join(refused))
    result = screen(
        request,
        today,
        country_context=reference.country_context,
        interstate_disputes=reference.interstate_disputes,
        refugees=reference.refugees,
        political_targeting=reference.political_targeting,
        duplicates=reference.on_file,
    )
    findings = list(result.findings)
    external = services.down if case.external_down else services.up
    if external is not None:  # as activities.screening adds them: after the rules' findings
        findings += asyncio.run(external.screen(request))
    result = result.model_copy(update={"findings": findings})
    return Outcome(case, route_of(result), findings=findings)


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

    @property
    def unexpected_rules(self) -> list[str]:
        """Rules of ``ALL_RULES`` that no label expects (their row in the table measures nothing)."""
        return [s.rule_id for s in self.rules
                if s.rule_id in RULE_ARTICLES and s.true_positives + s.false_negatives == 0]

    def by_language(self) -> list[LanguageFigures]:
        return [language_figures(self.outcomes, language) for language in LANGUAGES]

    def goals(self) -> list[tuple[str, bool]]:
        return [
            (f"recall on the held class = {HELD_RECALL_GOAL:.1f}", self.held_recall is not None
             and self.held_recall >= HELD_RECALL_GOAL),
            (f"sound requests reaching legal assessment with no doubt >= {SOUND_CLEAN_GOAL:.0%}",
             self.sound_clean is not None and self.sound_clean >= SOUND_CLEAN_GOAL),
            ("every finding cites its rule's article", self.articles_ok),
        ]


@dataclass(frozen=True)
class LanguageFigures:
    language: str
    requests: int
    as_labelled: int
    """Routed as labelled."""
    held: int
    held_hit: int
    sound: int
    sound_clean: int


SPLITS = ("dev", "held_out", "held_out_2")


def language_figures(outcomes: Sequence[Outcome], language: str) -> LanguageFigures:
    return _figures(language, [o for o in outcomes if o.case.label.language == language])


def split_figures(outcomes: Sequence[Outcome], split: str) -> LanguageFigures:
    return _figures(split, [o for o in outcomes if o.case.label.split == split])


def _figures(name: str, mine: Sequence[Outcome]) -> LanguageFigures:
    return LanguageFigures(
        language=name,
        requests=len(mine),
        as_labelled=sum(o.route == o.case.label.route for o in mine),
        held=sum(o.case.label.route == HELD for o in mine),
        held_hit=sum(o.case.label.route == HELD and o.route == HELD for o in mine),
        sound=sum(o.case.label.route == LEGAL_ASSESSMENT for o in mine),
        sound_clean=sum(o.case.label.route == LEGAL_ASSESSMENT and o.route == LEGAL_ASSESSMENT for o in mine),
    )


def _share(outcomes: Sequence[Outcome], label: str, route: str) -> float | None:
    labelled = [o for o in outcomes if o.case.label.route == label]
    return sum(o.route == route for o in labelled) / len(labelled) if labelled else None


def _held_for_reason(outcome: Outcome) -> bool:
    return outcome.route == HELD and bool(set(outcome.case.label.rules) & outcome.fired)


def _held_for_label(outcomes: Sequence[Outcome]) -> float | None:
    labelled = [o for o in outcomes if o.case.label.route == HELD]
    return sum(_held_for_reason(o) for o in labelled) / len(labelled) if labelled else None


def evaluate(cases: Sequence[Case], reference: Reference, today: date = TODAY) -> Report:
    """Every case screened and routed, with the figures; the external service runs for the duration."""
    with external_service(reference.external_listing) as url, _one_tls_context():
        services = Services(up=ExternalScreening(url=url, timeout=5.0),
                            down=ExternalScreening(url=_closed_port(), timeout=2.0))
        outcomes = [run_case(case, reference, today, services) for case in cases]
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
    if report.unexpected_rules:
        out.append(f"(expected by no label, so not measured: {', '.join(report.unexpected_rules)})")
    out += ["", "routes (rows: label, columns: screening):", ""]
    out.append("| label \\ screening      | " + " | ".join(f"{r:>21}" for r in ROUTES) + " |")
    out.append("|------------------------|" + "|".join("-" * 23 for _ in ROUTES) + "|")
    for label in ROUTES:
        out.append(f"| {label:<22} | " + " | ".join(f"{report.confusion.get((label, r), 0):>21}" for r in ROUTES)
                   + " |")
    out += ["", "per language:", "",
            "| language | requests | routed as labelled | held recall   | sound, no doubt |",
            "|----------|----------|--------------------|---------------|-----------------|"]
    for f in report.by_language():
        held_share = f"{f.held_hit / f.held:.2f} ({f.held_hit}/{f.held})" if f.held else "-"
        sound_share = f"{f.sound_clean / f.sound:.2f} ({f.sound_clean}/{f.sound})" if f.sound else "-"
        routed = f"{f.as_labelled} ({f.as_labelled / max(f.requests, 1):.2f})"
        out.append(f"| {f.language:<8} | {f.requests:>8} | {routed:>18} | {held_share:<13} | {sound_share:<15} |")
    out += ["", "per split (held_out*: written and committed before any run on it; first runs in RESULTS.md):", "",
            "| split      | requests | routed as labelled | held recall   | sound, no doubt |",
            "|------------|----------|--------------------|---------------|-----------------|"]
    for name in SPLITS:
        f = split_figures(outcomes, name)
        held_share = f"{f.held_hit / f.held:.2f} ({f.held_hit}/{f.held})" if f.held else "-"
        sound_share = f"{f.sound_clean / f.sound:.2f} ({f.sound_clean}/{f.sound})" if f.sound else "-"
        routed = f"{f.as_labelled} ({f.as_labelled / max(f.requests, 1):.2f})"
        out.append(f"| {name:<10} | {f.requests:>8} | {routed:>18} | {held_share:<13} | {sound_share:<15} |")
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
        f"findings citing their rule's article: {report.findings - len(report.article_problems)}"
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
    parser.add_argument("--corpus-reference", type=Path, default=CORPUS_REFERENCE,
                        help="cases on file and external listing (default: %(default)s)")
    parser.add_argument("--today", type=date.fromisoformat, default=TODAY, help="screening date (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N corpus files")
    args = parser.parse_args(argv)
    logging.getLogger("notice.screening.external").setLevel(logging.ERROR)  # the 'down' cases warn by design
    cases = load_corpus(args.corpus)[: args.limit]
    reference = load_corpus_reference(load_reference(args.reference), args.corpus_reference)
    report = evaluate(cases, reference, args.today)
    print(format_report(report, args.today))
    return 0 if all(met for _, met in report.goals()) else 1


if __name__ == "__main__":
    sys.exit(main())
