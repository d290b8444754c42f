"""The labelled screening corpus (benchmarks/corpus/) and its benchmark (benchmarks/screening_bench.py).

These check that the corpus is well formed and that the benchmark computes its figures; they do not
check that the goals are met (that is the rules' business, measured by ``make bench-screening``).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from benchmarks import screening_bench as bench
from models.findings import Finding, ScreeningResult, Severity
from models.request import InvalidRequest, parse_request
from screening.screen import ALL_RULES

CASES = bench.load_corpus()
RULE_IDS = {rule.id for rule in ALL_RULES}


def _ids(cases: list[bench.Case]) -> list[str]:
    return [case.name for case in cases]


def test_corpus_is_large_enough_and_covers_every_route() -> None:
    assert len(CASES) >= 60
    routes = Counter(case.label.route for case in CASES)
    assert set(routes) <= set(bench.ROUTES)
    for route in (bench.HELD, bench.LEGAL_ASSESSMENT, bench.ASKED):
        assert routes[route] >= 10, route


def test_every_file_is_a_corpus_file() -> None:
    for path in sorted(bench.CORPUS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert set(data) == {"request", "label"}, path.name
        assert set(data["label"]) == {"route", "rules", "why", "language"}, path.name
        assert data["label"]["why"].strip(), path.name


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_request_parses_against_the_contract_unless_labelled_refused(case: bench.Case) -> None:
    if case.label.route == bench.REFUSED:
        with pytest.raises(InvalidRequest):
            parse_request(case.request, bench.TODAY)
    else:
        parse_request(case.request, bench.TODAY)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_label_names_a_valid_route_and_existing_rules(case: bench.Case) -> None:
    label = case.label
    assert label.route in bench.ROUTES
    assert set(label.rules) <= RULE_IDS, set(label.rules) - RULE_IDS
    assert len(set(label.rules)) == len(label.rules)
    assert label.language in bench.LANGUAGES
    if label.route in (bench.HELD, bench.ASKED):
        assert label.rules, "a held or asked request names the rules that must fire"
    if label.route in (bench.LEGAL_ASSESSMENT, bench.REFUSED):
        assert not label.rules


def test_every_language_is_present_and_a_quarter_is_not_english() -> None:
    languages = Counter(case.label.language for case in CASES)
    assert set(languages) == set(bench.LANGUAGES)
    assert (len(CASES) - languages["en"]) * 4 >= len(CASES)


def test_route_mirrors_the_workflow() -> None:
    def finding(severity: Severity, missing: str | None = None) -> Finding:
        return Finding(rule_id="x", article="RPD Art. 12", severity=severity, field="f", message="m",
                       missing_item=missing)

    assert bench.route_of(ScreeningResult()) == bench.LEGAL_ASSESSMENT
    assert bench.route_of(ScreeningResult(findings=[finding(Severity.INFO)])) == bench.LEGAL_ASSESSMENT
    assert bench.route_of(ScreeningResult(findings=[finding(Severity.DOUBT)])) == bench.HELD
    assert bench.route_of(ScreeningResult(findings=[finding(Severity.BLOCKING)])) == bench.HELD
    assert bench.route_of(
        ScreeningResult(findings=[finding(Severity.DOUBT), finding(Severity.BLOCKING, "the warrant")])
    ) == bench.ASKED


def test_article_check() -> None:
    def finding(rule_id: str, article: str) -> Finding:
        return Finding(rule_id=rule_id, article=article, severity=Severity.DOUBT, field="f", message="m")

    assert bench.article_problem(finding("art3.offence_character", "Constitution Art. 3")) is None
    assert bench.article_problem(finding("refugee.status_granted", "Refugee policy (Art. 2(1))")) is None
    assert bench.article_problem(finding("x", "RPD Art. 83(1)(a)(iii)")) is None
    assert bench.article_problem(finding("x", "")) == "no article"
    assert bench.article_problem(finding("x", "see the rules")) is not None
    assert bench.article_problem(finding("art3.offence_character", "RPD Art. 12")) is not None


@pytest.fixture(scope="module")
def reference() -> bench.Reference:
    return bench.load_reference()


def _subset() -> list[bench.Case]:
    by_route: dict[str, list[bench.Case]] = {}
    for case in CASES:
        by_route.setdefault(case.label.route, []).append(case)
    return [case for route in bench.ROUTES for case in by_route.get(route, [])[:3]]


def test_benchmark_computes_the_three_figures_on_a_subset(reference: bench.Reference) -> None:
    subset = _subset()
    report = bench.evaluate(subset, reference)
    assert len(report.outcomes) == len(subset)
    assert all(o.route in bench.ROUTES for o in report.outcomes)
    assert sum(report.confusion.values()) == len(subset)
    assert report.held_recall is not None and 0.0 <= report.held_recall <= 1.0
    assert report.sound_clean is not None and 0.0 <= report.sound_clean <= 1.0
    assert report.held_for_label is not None and 0.0 <= report.held_for_label <= report.held_recall
    assert report.findings > 0
    assert isinstance(report.articles_ok, bool)
    for score in report.rules:
        for value in (score.precision, score.recall):
            assert value is None or 0.0 <= value <= 1.0
    text = bench.format_report(report)
    goals = [line for line in text.splitlines() if line.startswith(("PASS  ", "FAIL  "))]
    assert len(goals) == 3
    assert text.splitlines()[-1] == f"goals met: {sum(met for _, met in report.goals())}/3"


def test_benchmark_command_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--limit", "8"]) == 0
    out = capsys.readouterr().out
    assert "recall on the held class" in out
    assert out.rstrip().splitlines()[-1].startswith("goals met: ")
