"""The subject against the refugee and political-targeting lists, and against other requests and notices.

The subject and every alias are searched (aliases with the subject's birth date and nationalities).
Another request or notice is searched under every name on file for it, its subject's and its aliases.
Each list entry is reported once, with its best score, which name matched and what agreed or not.
A match is evidence for reviewers: only a granted refugee status whose persecution country is the
requesting country blocks the request (refugee policy), and a supervisor can still override it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from models.findings import Finding, Severity
from models.reference import DuplicateCandidate, PoliticalTargetRecord, RefugeeRecord, RefugeeStatus
from models.request import NoticeRequest
from screening.matching import DEFAULT_THRESHOLD, PersonIndex, PersonMatch, PersonRecord
from screening.rules import ART_NEUTRALITY, ART_QUALITY, Rule

ART_REFUGEE = "Refugee policy (Art. 2(1))"

REFUGEE_PERSECUTOR = Rule(
    "refugee.persecution_country_requests", ART_REFUGEE, Severity.BLOCKING, ("subject", "subject.aliases"),
    "The subject matches a person granted refugee status on account of persecution by the requesting country: "
    "INTERPOL's refugee policy stops the request unless the status is shown not to apply.",
    source="refugees",
)
REFUGEE_GRANTED = Rule(
    "refugee.status_granted", ART_REFUGEE, Severity.DOUBT, ("subject", "subject.aliases"),
    "The subject matches a person granted refugee status (persecution by another country).",
    source="refugees",
)
ASYLUM_SEEKER = Rule(
    "refugee.asylum_seeker", ART_REFUGEE, Severity.DOUBT, ("subject", "subject.aliases"),
    "The subject matches a person who applied for asylum (not decided yet): the refugee policy applies once "
    "the status is recognised, so the reviewer establishes where the application stands.",
    source="refugees",
)
REFUGEE_REVOKED = Rule(
    "refugee.status_revoked", ART_REFUGEE, Severity.INFO, ("subject", "subject.aliases"),
    "The subject matches a person whose refugee status was revoked.",
    source="refugees",
)
TARGETED_BY_REQUESTER = Rule(
    "political_targeting.by_requesting_country", ART_NEUTRALITY, Severity.DOUBT, ("subject", "subject.aliases"),
    "The subject matches a person previously targeted by politically motivated action of the requesting country "
    "(an Article 3 refusal, a known activist, journalist or opposition figure).",
    source="political_targeting",
)
TARGETED_BY_OTHER = Rule(
    "political_targeting.by_other_country", ART_NEUTRALITY, Severity.INFO, ("subject", "subject.aliases"),
    "The subject matches a person previously targeted by politically motivated action of another country.",
    source="political_targeting",
)
DUPLICATE = Rule(
    "duplicate.same_person", ART_QUALITY, Severity.DOUBT, ("subject", "subject.aliases"),
    "The subject matches the person of another pending request or published notice.",
    source="duplicates",
)
PERSON_RULES: list[Rule] = [
    REFUGEE_PERSECUTOR, REFUGEE_GRANTED, ASYLUM_SEEKER, REFUGEE_REVOKED, TARGETED_BY_REQUESTER, TARGETED_BY_OTHER,
    DUPLICATE,
]

R = TypeVar("R", bound=PersonRecord)


@dataclass
class NamedMatch:
    field: str
    """subject, or subject.aliases[i]."""
    searched: str
    match: PersonMatch


def subject_names(request: NoticeRequest) -> list[tuple[str, str, str | None]]:
    """(field, family name, forenames) of the subject and of each alias."""
    subject = request.subject
    names: list[tuple[str, str, str | None]] = [("subject", subject.family_name, subject.forenames)]
    names += [(f"subject.aliases[{i}]", a.family_name, a.forenames) for i, a in enumerate(subject.aliases)]
    return names


def search_subject(
    request: NoticeRequest, index: PersonIndex[R], threshold: float = DEFAULT_THRESHOLD
) -> list[NamedMatch]:
    """The best match per list entry over the subject and every alias, best first."""
    subject = request.subject
    best: dict[int, NamedMatch] = {}
    for field, family, forenames in subject_names(request):
        for match in index.search(family, forenames, subject.date_of_birth, subject.nationalities, threshold):
            known = best.get(match.row)
            if known is None or match.score > known.match.score:
                searched = " ".join(p for p in (family, forenames or "") if p)
                best[match.row] = NamedMatch(field, searched, match)
    return sorted(best.values(), key=lambda m: (-m.match.score, m.match.row))


def _evidence(named: NamedMatch, extra: dict[str, str]) -> dict[str, str]:
    record = named.match.record
    entry_id = getattr(record, "entry_id", "")
    return {
        **({"entry_id": entry_id} if entry_id else {}),
        "matched_on": named.field,
        "searched_name": named.searched,
        "list_entry": " ".join(p for p in (record.family_name, record.forenames or "") if p),
        "list_date_of_birth": record.date_of_birth or "",
        "list_nationalities": ";".join(record.nationalities),
        "score": f"{named.match.score:.1f}",
        "agreed": ", ".join(named.match.agreed),
        "disagreed": ", ".join(named.match.disagreed),
        **extra,
    }


def _alias_note(named: NamedMatch) -> str:
    return f" (through the alias '{named.searched}')" if named.field != "subject" else ""


def refugee_findings(request: NoticeRequest, index: PersonIndex[RefugeeRecord]) -> list[Finding]:
    findings: list[Finding] = []
    for named in search_subject(request, index):
        record: RefugeeRecord = named.match.record
        decided = f" on {record.decided_on.isoformat()}" if record.decided_on else ""
        extra = {"granted_by": record.granted_by, "persecution_country": record.persecution_country,
                 "status": record.status, "decided_on": record.decided_on.isoformat() if record.decided_on else ""}
        if record.applied_on:
            extra["applied_on"] = record.applied_on.isoformat()
        if record.confirmed_on:
            extra["confirmed_on"] = record.confirmed_on.isoformat()
        by_requester = record.persecution_country.upper() == request.requesting_ncb
        if record.status == RefugeeStatus.CONFIRMED:
            confirmed = f" on {record.confirmed_on.isoformat()}" if record.confirmed_on else ""
            decided += f", status confirmed{confirmed}"
        if record.status == "revoked":
            rule, lead = REFUGEE_REVOKED, f"a person whose refugee status ({record.granted_by}) was revoked{decided}"
        elif record.status == RefugeeStatus.ASYLUM_SEEKER:
            applied = f" on {record.applied_on.isoformat()}" if record.applied_on else ""
            fled = f"{record.persecution_country}, the requesting country" if by_requester else (
                record.persecution_country
            )
            rule = ASYLUM_SEEKER
            lead = f"an asylum seeker in {record.granted_by} (applied{applied or ', date not given'}) fleeing {fled}"
        elif by_requester:
            rule = REFUGEE_PERSECUTOR
            lead = (f"a refugee recognised by {record.granted_by}{decided} on account of persecution by "
                    f"{record.persecution_country}, the requesting country")
        else:
            rule = REFUGEE_GRANTED
            lead = (f"a refugee recognised by {record.granted_by}{decided} on account of persecution by "
                    f"{record.persecution_country}")
        findings.append(rule.finding(
            named.field,
            f"The subject{_alias_note(named)} may be {lead}; {named.match.explanation}. "
            f"Confirm the identity{' and the status' if rule is ASYLUM_SEEKER else ''} with {record.granted_by} "
            "before relying on it.",
            evidence=_evidence(named, extra),
            score=named.match.score,
        ))
    return findings


def political_targeting_findings(request: NoticeRequest, index: PersonIndex[PoliticalTargetRecord]) -> list[Finding]:
    findings: list[Finding] = []
    for named in search_subject(request, index):
        record: PoliticalTargetRecord = named.match.record
        by_requester = record.country.upper() == request.requesting_ncb
        rule = TARGETED_BY_REQUESTER if by_requester else TARGETED_BY_OTHER
        note = f" ({record.note})" if record.note else ""
        findings.append(rule.finding(
            named.field,
            f"The subject{_alias_note(named)} may be a person listed as {record.kind.replace('_', ' ')} targeted by "
            f"{record.country}{' (the requesting country)' if by_requester else ''}{note}; "
            f"{named.match.explanation}.",
            evidence=_evidence(named, {"country": record.country, "kind": record.kind}),
            score=named.match.score,
        ))
    return findings


@dataclass(frozen=True)
class CandidateName:
    """One name on file for another case, as the person index reads it: the subject's name or one of its
    aliases, with the subject's birth date and nationalities."""

    candidate: DuplicateCandidate
    field: str
    """Where the other case files this name: subject, or subject.aliases[i]."""
    family_name: str
    forenames: str | None
    date_of_birth: str | None
    nationalities: Sequence[str]


def candidate_names(candidate: DuplicateCandidate) -> list[CandidateName]:
    """Every name on file for another case: its subject's, then each alias."""
    names = [("subject", candidate.family_name, candidate.forenames)]
    names += [(f"subject.aliases[{i}]", a.family_name, a.forenames) for i, a in enumerate(candidate.aliases)]
    return [
        CandidateName(candidate, field, family, forenames, candidate.date_of_birth, candidate.nationalities)
        for field, family, forenames in names
        if family or forenames
    ]


def duplicate_findings(
    request: NoticeRequest, candidates: Sequence[DuplicateCandidate], threshold: float = DEFAULT_THRESHOLD
) -> list[Finding]:
    """Other pending requests or published notices that concern the same person, with the same scorer.

    Every name of the subject (family name and forenames, each alias) is compared with every name on
    file for each other case (its subject's and its aliases); each case is reported once, with the
    pair of names that scored best, both named in the evidence.
    """
    names = [name for candidate in candidates for name in candidate_names(candidate)]
    if not names:
        return []
    index = PersonIndex.build(names)
    best: dict[str, NamedMatch] = {}
    for named in search_subject(request, index, threshold):  # best first, so the first per case is its best
        best.setdefault(named.match.record.candidate.request_id, named)
    findings: list[Finding] = []
    for named in best.values():
        name: CandidateName = named.match.record
        other = name.candidate
        what = f"notice {other.notice_id} (request {other.request_id})" if other.notice_id else (
            f"request {other.request_id}"
        )
        listed = " ".join(p for p in (name.family_name, name.forenames or "") if p)
        under = f", on file under the alias '{listed}'" if name.field != "subject" else ""
        findings.append(DUPLICATE.finding(
            named.field,
            f"The subject{_alias_note(named)} may be the person of {what} from {other.requesting_ncb} "
            f"(stage {other.stage}){under}; {named.match.explanation}. Check whether this request duplicates it.",
            evidence=_evidence(named, {"list_entry_field": name.field, "request_id": other.request_id,
                                       "notice_id": other.notice_id, "requesting_ncb": other.requesting_ncb,
                                       "stage": other.stage}),
            score=named.match.score,
        ))
    return findings
