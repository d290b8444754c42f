"""Pure review logic: screening rules, geopolitical context and person matching (no Temporal, no I/O)."""

from screening.matching import PersonIndex, PersonMatch
from screening.persons import duplicate_findings
from screening.rules import RULES, Rule, apply_rules
from screening.screen import ALL_RULES, screen

__all__ = ["ALL_RULES", "RULES", "PersonIndex", "PersonMatch", "Rule", "apply_rules", "duplicate_findings", "screen"]
