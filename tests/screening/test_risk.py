"""How findings add up to the risk an operator filters cases by."""

from __future__ import annotations

from models.findings import Finding, RiskLevel, Severity, risk_of


def _finding(severity: Severity, article: str, source: str = "rules") -> Finding:
    return Finding(rule_id="r", article=article, severity=severity, field="f", message="m", source=source)


def test_no_findings_or_only_info_is_low() -> None:
    assert risk_of([]) is RiskLevel.LOW
    assert risk_of([_finding(Severity.INFO, "Constitution Art. 3")]) is RiskLevel.LOW


def test_anything_blocking_is_high() -> None:
    assert risk_of([_finding(Severity.BLOCKING, "RPD Art. 83(2)(a)")]) is RiskLevel.HIGH


def test_article_3_article_2_and_refugee_doubts_are_high() -> None:
    for article in ("Constitution Art. 3", "Constitution Art. 2(1)", "Refugee policy (Art. 2(1))"):
        assert risk_of([_finding(Severity.DOUBT, article)]) is RiskLevel.HIGH
    assert risk_of([_finding(Severity.DOUBT, "Constitution Art. 3", "political_targeting")]) is RiskLevel.HIGH


def test_other_doubts_and_context_are_medium() -> None:
    assert risk_of([_finding(Severity.DOUBT, "RPD Art. 83(1)(b)")]) is RiskLevel.MEDIUM
    assert risk_of([_finding(Severity.DOUBT, "Constitution Art. 3", "context")]) is RiskLevel.MEDIUM
