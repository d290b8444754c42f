"""Step 3 of the process, the NDTF's initial screening: rules, geopolitical context, the refugee and
political-targeting lists and duplicates, in one pure function (no Temporal, no database, no I/O)."""

from __future__ import annotations

from datetime import date

from models.findings import ScreeningResult, risk_of
from models.reference import (
    CountryContextRecord,
    DuplicateCandidate,
    InterstateDisputeRecord,
    PoliticalTargetRecord,
    RefugeeRecord,
)
from models.request import NoticeRequest
from screening.context import CONTEXT_RULES, context_findings
from screening.external import EXTERNAL_RULES
from screening.matching import PersonIndex
from screening.persons import PERSON_RULES, duplicate_findings, political_targeting_findings, refugee_findings
from screening.rules import RULES, Rule, apply_rules

ALL_RULES: list[Rule] = [*RULES, *CONTEXT_RULES, *PERSON_RULES, *EXTERNAL_RULES]
"""Everything screening checks, request rules first, then those that read reference data."""


def screen(
    request: NoticeRequest,
    today: date,
    *,
    country_context: list[CountryContextRecord],
    interstate_disputes: list[InterstateDisputeRecord],
    refugees: PersonIndex[RefugeeRecord],
    political_targeting: PersonIndex[PoliticalTargetRecord],
    duplicates: list[DuplicateCandidate],
) -> ScreeningResult:
    """All findings about one request, and the risk they add up to. Never approves or denies anything."""
    findings = apply_rules(request, today)
    findings += context_findings(request, today, country_context, interstate_disputes)
    findings += refugee_findings(request, refugees)
    findings += political_targeting_findings(request, political_targeting)
    findings += duplicate_findings(request, duplicates)
    return ScreeningResult(findings=findings, risk=risk_of(findings))
