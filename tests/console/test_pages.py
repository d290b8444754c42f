"""What the console's pages compute, without a server: time left, findings grouped by article with the
evidence apart from the matched list entry, and the charge's ICCS label."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.console.pages import _by_article, _charge_code, time_left
from models.findings import Finding, Severity

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_time_left_reads_in_days_hours_or_minutes_and_says_overdue_once_past() -> None:
    assert time_left(NOW + timedelta(days=29, hours=23), NOW) == "29 days left"
    assert time_left(NOW + timedelta(hours=30), NOW) == "30 hours left"
    assert time_left(NOW + timedelta(minutes=90), NOW) == "90 minutes left"
    assert time_left(NOW - timedelta(days=3), NOW) == "overdue by 3 days"
    assert time_left(None, NOW) == "—"


def finding(rule: str, article: str, severity: Severity, **evidence: str) -> Finding:
    return Finding(rule_id=rule, article=article, severity=severity, field="subject", message=rule,
                   evidence=evidence)


def test_findings_are_grouped_by_article_blocking_first_with_the_list_entry_beside_the_evidence() -> None:
    groups = _by_article([
        finding("info.a", "RPD Art. 84", Severity.INFO),
        finding("refugees.status", "Refugee policy", Severity.BLOCKING, matched_on="subject",
                searched_name="DOE John", list_entry="DOE Jon", list_date_of_birth="1980", score="96.0", country=""),
        finding("art3.x", "Constitution Art. 3", Severity.DOUBT, matched="journalist"),
        finding("art3.y", "Constitution Art. 3", Severity.INFO),
    ])
    assert [article for article, _ in groups] == ["Refugee policy", "Constitution Art. 3", "RPD Art. 84"]
    (refugee,) = groups[0][1]
    assert refugee.evidence == [("matched on", "subject"), ("searched name", "DOE John")]
    assert refugee.entry == [("list entry", "DOE Jon"), ("list date of birth", "1980"), ("score", "96.0")]
    assert [v.finding.rule_id for v in groups[1][1]] == ["art3.x", "art3.y"]


def test_a_charge_shows_its_iccs_code_and_label() -> None:
    assert _charge_code("0701") == "0701 (Fraud)"
    assert _charge_code("fraud") == "0701 (Fraud)"
