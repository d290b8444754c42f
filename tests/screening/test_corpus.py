"""The labelled screening corpus (benchmarks/corpus/) and its benchmark (benchmarks/screening_bench.py).

The corpus must be well formed (each file parses, or is refused at the door as labelled; labels name
existing rules and routes; every language and every rule is there), and the shipped rules must meet the
goals on it: a change to the rules that holds a sound request, lets a non-compliant one through or cites
the wrong article fails here, as it fails ``make bench-screening``.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from benchmarks import screening_bench as bench
from models.findings import Finding, ScreeningResult, Severity
from models.request import InvalidRequest, parse_request
from screening.screen import ALL_RULES

CASES = bench.load_corpus()
RULE_IDS = {rule.id for rule in ALL_RULES}
INFO_RULES = {rule.id for rule in ALL_RULES if rule.severity is Severity.INFO}
UNREACHABLE_FROM_A_SUBMISSION = {
    "consistency.future_date": "the contract refuses every date in the future at the door (074 shows it), so a "
    "submitted request never reaches this rule; it guards requests stored or amended otherwise",
}
"""Rules no corpus request can exercise, and why (every other rule is expected by at least one label)."""


def _ids(cases: list[bench.Case]) -> list[str]:
    return [case.name for case in cases]


@pytest.fixture(scope="module")
def reference() -> bench.Reference:
    return bench.load_corpus_reference(bench.load_reference())


@pytest.fixture(scope="module")
def report(reference: bench.Reference) -> bench.Report:
    return bench.evaluate(CASES, reference)


# --- the corpus ----------------------------------------------------------------------------------


def test_corpus_is_large_enough_and_covers_every_route() -> None:
    assert len(CASES) >= 160
    routes = Counter(case.label.route for case in CASES)
    assert set(routes) == set(bench.ROUTES)
    for route in (bench.HELD, bench.LEGAL_ASSESSMENT, bench.ASKED):
        assert routes[route] >= 20, route
    assert routes[bench.REFUSED] >= 3


def test_every_file_is_a_corpus_file_with_its_source() -> None:
    for path in sorted(bench.CORPUS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert set(data) <= {"request", "label", "setting"}, path.name
        assert set(data["label"]) - {"split"} == {"route", "rules", "why", "language", "source"}, path.name
        assert data["label"]["why"].strip() and data["label"]["source"].strip(), path.name
        assert data["label"].get("split", "dev") in bench.SPLITS, path.name
        assert set(data.get("setting", {})) <= {"external_service"}, path.name


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_request_is_accepted_at_the_door_unless_labelled_refused(case: bench.Case, reference: bench.Reference) -> None:
    try:
        refused = bool(bench.submission_errors(parse_request(case.request, bench.TODAY), reference))
    except InvalidRequest:
        refused = True
    assert refused is (case.label.route == bench.REFUSED)


@pytest.mark.parametrize("case", CASES, ids=_ids(CASES))
def test_label_names_a_valid_route_and_existing_rules(case: bench.Case) -> None:
    label = case.label
    assert label.route in bench.ROUTES
    assert set(label.rules) <= RULE_IDS, set(label.rules) - RULE_IDS
    assert len(set(label.rules)) == len(label.rules)
    assert label.language in bench.LANGUAGES
    if label.route in (bench.HELD, bench.ASKED):
        assert set(label.rules) - INFO_RULES, "a held or asked request names a rule that holds or asks"
    if label.route == bench.LEGAL_ASSESSMENT:
        assert set(label.rules) <= INFO_RULES, "a sound request may only expect information"
    if label.route == bench.REFUSED:
        assert not label.rules


def test_every_language_is_present_and_over_a_third_is_not_english() -> None:
    languages = Counter(case.label.language for case in CASES)
    assert set(languages) == set(bench.LANGUAGES)
    assert all(languages[lang] >= 20 for lang in bench.LANGUAGES), languages
    assert (len(CASES) - languages["en"]) * 3 >= len(CASES)


def test_every_rule_is_expected_by_some_request_unless_unreachable() -> None:
    expected = {rule_id for case in CASES for rule_id in case.label.rules}
    assert set(UNREACHABLE_FROM_A_SUBMISSION) <= RULE_IDS
    assert RULE_IDS - expected == set(UNREACHABLE_FROM_A_SUBMISSION)


@pytest.mark.parametrize("split", ["held_out", "held_out_2"])
def test_each_held_out_split_covers_every_language(split: str) -> None:
    held_out = [case for case in CASES if case.label.split == split]
    assert len(held_out) >= 15
    assert {case.label.language for case in held_out} == set(bench.LANGUAGES)


# --- the goals on the shipped corpus (a regression in the rules fails here) ---------------------------


def test_every_request_labelled_held_is_held(report: bench.Report) -> None:
    missed = [o.case.name for o in report.outcomes if o.case.label.route == bench.HELD and o.route != bench.HELD]
    assert missed == []
    assert report.held_recall == 1.0


def test_at_least_nine_in_ten_sound_requests_reach_legal_assessment_with_no_doubt(report: bench.Report) -> None:
    assert report.sound_clean is not None and report.sound_clean >= bench.SOUND_CLEAN_GOAL
    for figures in report.by_language():  # and in every language, not only on average
        assert figures.sound and figures.sound_clean / figures.sound >= bench.SOUND_CLEAN_GOAL, figures


def test_every_finding_cites_its_rules_article(report: bench.Report) -> None:
    assert report.article_problems == []
    assert report.findings > 0


def test_requests_asked_of_the_ncb_and_refused_are_routed_so(report: bench.Report) -> None:
    for route in (bench.ASKED, bench.REFUSED):
        wrong = [o.case.name for o in report.outcomes if o.case.label.route == route and o.route != route]
        assert wrong == [], route


def test_every_expected_rule_fires_where_labelled(report: bench.Report) -> None:
    """Recall 1.0 for every rule: each rule a label names fires on that request."""
    missed = [(o.case.name, rule_id) for o in report.outcomes if o.route != bench.REFUSED
              for rule_id in o.case.label.rules if rule_id not in o.fired]
    assert missed == []


def test_the_external_rules_come_through_the_adapter(report: bench.Report) -> None:
    by_rule = Counter(f.rule_id for o in report.outcomes for f in o.findings)
    assert by_rule["external.match"] >= 1 and by_rule["external.unavailable"] >= 1
    match = next(f for o in report.outcomes for f in o.findings if f.rule_id == "external.match")
    assert match.source == "external" and match.evidence["datasets"] and match.evidence["retrieved_at"]


# --- the benchmark itself -------------------------------------------------------------------------------


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


def test_the_door_refuses_non_members_and_unknown_codes(reference: bench.Reference) -> None:
    sound = next(case for case in CASES if case.name.startswith("003_"))
    request = parse_request(sound.request, bench.TODAY)
    assert bench.submission_errors(request, reference) == []
    assert bench.submission_errors(request.model_copy(update={"requesting_ncb": "TW"}), reference) == [
        "requesting_ncb: TW is not a member country"]
    charge = request.judicial.charges[0].model_copy(update={"category": "0799"})
    judicial = request.judicial.model_copy(update={"charges": [charge]})
    [error] = bench.submission_errors(request.model_copy(update={"judicial": judicial}), reference)
    assert "0799" in error


def test_the_local_external_service_answers_in_the_match_shape() -> None:
    listing = bench._Listing([{"id": "e1", "caption": "Ana PÉREZ", "family_name": "PÉREZ", "forenames": "Ana",
                               "birth_date": "1980-01-01", "nationalities": ["ES"], "datasets": ["x"]}])
    body = {"queries": {"q0": {"schema": "Person", "properties": {"name": ["Ana PÉREZ"], "birthDate": ["1980-01-01"]}},
                        "q1": {"schema": "Person", "properties": {"name": ["Otto MEYER"]}}}}
    answer = listing.answer(body, 0.7)
    [hit] = answer["responses"]["q0"]["results"]
    assert hit["id"] == "e1" and 0.7 <= hit["score"] <= 1.0
    assert answer["responses"]["q1"]["results"] == []


def test_the_report_has_every_rule_every_language_and_the_goals(report: bench.Report) -> None:
    text = bench.format_report(report)
    for rule_id in RULE_IDS:
        assert f"| {rule_id} " in text
    for language in bench.LANGUAGES:
        assert f"| {language} " in text
    goals = [line for line in text.splitlines() if line.startswith(("PASS  ", "FAIL  "))]
    assert len(goals) == 3
    assert text.splitlines()[-1] == f"goals met: {sum(met for _, met in report.goals())}/3"


def test_benchmark_command_exits_zero_on_the_shipped_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main([]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1] == "goals met: 3/3"


def test_benchmark_command_exits_one_when_a_goal_is_missed(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    sound = json.loads(next(bench.CORPUS.glob("003_*.json")).read_text(encoding="utf-8"))
    sound["label"].update(route="held", rules=["art3.offence_character"])  # a sound request mislabelled held
    (tmp_path / "001_mislabelled.json").write_text(json.dumps(sound), encoding="utf-8")
    assert bench.main(["--corpus", str(tmp_path)]) == 1
    assert "FAIL  recall on the held class" in capsys.readouterr().out
