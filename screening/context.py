"""Geopolitical context: unrest, regime change, coup, armed conflict or elections in the requesting
country around the facts or the request, and disputes between the requesting country and a country
of the subject's nationality.

A context finding sends the case to reviewers (doubt) so that they weigh Article 3; it never decides
it. "Around" a date means a period that comes within ``AROUND_DAYS`` of it, on either side: events
shortly before or after the facts or the request can colour both.
"""

from __future__ import annotations

from datetime import date, timedelta

from models.findings import Finding, Severity
from models.reference import CountryContextRecord, InterstateDisputeRecord
from models.request import NoticeRequest
from screening.rules import ART_NEUTRALITY, Rule

AROUND_DAYS = 90

_KIND_WORDS = {
    "unrest": "civil unrest",
    "regime_change": "a change of regime",
    "coup": "a coup",
    "armed_conflict": "an armed conflict",
    "election": "an election period",
}

CONTEXT_SITUATION = Rule(
    "context.requesting_country_situation",
    ART_NEUTRALITY,
    Severity.DOUBT,
    ("requesting_ncb", "judicial.offence_date"),
    f"The requesting country was in unrest, a regime change, a coup, an armed conflict or an election period "
    f"within {AROUND_DAYS} days of the offence date or of today (country_context list).",
    source="context",
)
CONTEXT_DISPUTE = Rule(
    "context.interstate_dispute",
    ART_NEUTRALITY,
    Severity.DOUBT,
    ("requesting_ncb", "subject.nationalities", "judicial.offence_date"),
    f"The requesting country is in a dispute with a country of the subject's nationality within {AROUND_DAYS} "
    "days of the offence date or of today (interstate_disputes list).",
    source="context",
)
CONTEXT_RULES: list[Rule] = [CONTEXT_SITUATION, CONTEXT_DISPUTE]


def _near(start: date, end: date | None, moment: date) -> bool:
    margin = timedelta(days=AROUND_DAYS)
    return start - margin <= moment and (end is None or moment <= end + margin)


def _moments(request: NoticeRequest, today: date) -> list[tuple[str, date]]:
    moments: list[tuple[str, date]] = []
    if request.judicial.offence_date is not None:
        moments.append(("the offence", request.judicial.offence_date))
    moments.append(("the request", today))
    return moments


def _period(start: date, end: date | None) -> str:
    return f"{start.isoformat()} to {end.isoformat() if end else 'now'}"


def context_findings(
    request: NoticeRequest,
    today: date,
    country_context: list[CountryContextRecord],
    interstate_disputes: list[InterstateDisputeRecord],
) -> list[Finding]:
    country = request.requesting_ncb
    findings: list[Finding] = []
    moments = _moments(request, today)
    for record in country_context:
        if record.country.upper() != country:
            continue
        near = [label for label, moment in moments if _near(record.start, record.end, moment)]
        if not near:
            continue
        what = _KIND_WORDS.get(record.kind, record.kind.replace("_", " "))
        note = f" ({record.note})" if record.note else ""
        findings.append(CONTEXT_SITUATION.finding(
            "requesting_ncb",
            f"{country} was in {what} ({_period(record.start, record.end)}){note} around "
            f"{' and '.join(near)}: weigh whether the request serves political ends (Article 3).",
            evidence={"country": country, "kind": record.kind, "period": _period(record.start, record.end),
                      "around": ", ".join(near)},
        ))
    nationalities = {n.upper() for n in request.subject.nationalities}
    for dispute in interstate_disputes:
        pair = {dispute.country_a.upper(), dispute.country_b.upper()}
        if country not in pair:
            continue
        other = (pair - {country}) or {country}
        counterpart = next(iter(other))
        if counterpart not in nationalities or counterpart == country:
            continue
        near = [label for label, moment in moments if _near(dispute.start, dispute.end, moment)]
        if not near:
            continue
        note = f" ({dispute.note})" if dispute.note else ""
        findings.append(CONTEXT_DISPUTE.finding(
            "subject.nationalities",
            f"{country} is in a dispute with {counterpart}, a country of the subject's nationality "
            f"({_period(dispute.start, dispute.end)}){note}, around {' and '.join(near)}: weigh whether the request "
            "is used against a national of the other state (Article 3).",
            evidence={"countries": f"{country}-{counterpart}", "period": _period(dispute.start, dispute.end),
                      "around": ", ".join(near)},
        ))
    return findings
