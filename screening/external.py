"""The rules of the external sources consulted in screening (the seed's step 4): data, listed with every
other rule in ``screening.screen.ALL_RULES``; ``activities/external.py`` asks the service and applies them."""

from __future__ import annotations

from models.findings import Severity
from screening.rules import Rule

ART_EXTERNAL = "RPD Art. 34(3)"

EXTERNAL_MATCH = Rule(
    "external.match", ART_EXTERNAL, Severity.DOUBT, ("subject", "subject.aliases"),
    "The subject matches an entity an external screening service lists (sanctions, politically exposed persons, "
    "wanted persons): check whether it is the same person and whether the listing bears on Article 3.",
    source="external",
)
EXTERNAL_UNAVAILABLE = Rule(
    "external.unavailable", ART_EXTERNAL, Severity.INFO, ("subject",),
    "The external screening service could not be consulted: the subject was not checked against external "
    "sources in this screening round.",
    source="external",
)
EXTERNAL_RULES: list[Rule] = [EXTERNAL_MATCH, EXTERNAL_UNAVAILABLE]
