"""What screening produces: findings a reviewer can act on, and the risk they add up to."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Severity(StrEnum):
    BLOCKING = "blocking"
    """The request cannot proceed without more from the NCB (or a supervisor's override)."""
    DOUBT = "doubt"
    """Sends the case to detailed review."""
    INFO = "info"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Finding(BaseModel):
    """One thing screening noticed, citing the rule and the article it rests on."""

    rule_id: str
    article: str
    severity: Severity
    field: str
    message: str
    source: str = "rules"
    """rules, context, refugees, political_targeting, duplicates, external."""
    missing_item: str | None = None
    """Set when the finding is missing mandatory data the NCB can supply: the item to ask for."""
    evidence: dict[str, str] = Field(default_factory=dict)
    score: float | None = None


class ScreeningResult(BaseModel):
    findings: list[Finding] = Field(default_factory=list)
    risk: RiskLevel = RiskLevel.LOW

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.BLOCKING]

    @property
    def doubts(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is not Severity.INFO]

    @property
    def missing_items(self) -> list[str]:
        return [f.missing_item for f in self.findings if f.missing_item]


SENSITIVE_ARTICLES = ("Constitution Art. 3", "Constitution Art. 2(1)", "Refugee policy")
"""Article strings (screening.rules / screening.persons) whose doubts make a case high risk."""
SENSITIVE_SOURCES = frozenset({"refugees", "political_targeting"})


def risk_of(findings: list[Finding]) -> RiskLevel:
    """High when anything blocks, or a doubt fired on Article 3, Article 2(1), the refugee policy or the
    political-targeting list; medium on any other doubt (geopolitical context included: it colours a case
    without pointing at the person); low otherwise."""
    if any(f.severity is Severity.BLOCKING for f in findings):
        return RiskLevel.HIGH
    doubts = [f for f in findings if f.severity is Severity.DOUBT]
    if any(
        f.source in SENSITIVE_SOURCES or (f.source != "context" and f.article.startswith(SENSITIVE_ARTICLES))
        for f in doubts
    ):
        return RiskLevel.HIGH
    if doubts:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW
