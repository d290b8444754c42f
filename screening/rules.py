"""The screening rules: what the NDTF's automated first look checks in a request, as data.

Each ``Rule`` names the article it rests on, a severity, the request fields it reads and the sentence
a reviewer reads; ``RULES`` is the list of them, and so the documentation of what screening checks.
Severities:

* ``blocking``: the request cannot go on without more from the NCB. Missing mandatory data is always
  blocking and names, in ``Finding.missing_item``, exactly what the NCB must supply (the workflow asks
  for those items at once).
* ``doubt``: sends the case to detailed review. Penalty thresholds, excluded offences, consistency
  problems and every Article 3 / Article 2(1) indicator are doubts: a rule may flag a case for a
  reviewer, it never refuses one (the NDTF may proceed below a threshold for a case of particular
  importance) and never approves one.
* ``info``: worth knowing, changes nothing.

Rules here read only the request and today's date; rules that need reference data (geopolitical
context, refugee and political-targeting lists, duplicates) are in ``screening.context`` and
``screening.persons`` and are catalogued the same way there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from models.findings import Finding, Severity
from models.request import Charge, NoticeKind, NoticeRequest, Purpose, partial_date_bounds

ART_IDENTITY = "RPD Art. 83(2)(a)"
ART_JUDICIAL = "RPD Art. 83(2)(b)"
ART_THRESHOLD = "RPD Art. 83(1)(b)"
ART_EXCLUDED = "RPD Art. 83(1)(a)"
ART_ASSURANCES = "RPD Art. 84"
ART_QUALITY = "RPD Art. 12"
ART_NEUTRALITY = "Constitution Art. 3"
ART_HUMAN_RIGHTS = "Constitution Art. 2(1)"

PROSECUTION_MIN_MONTHS = 24
"""Prosecution: the offence must be punishable by at least two years (24 months)."""
SENTENCE_MIN_REMAINING_MONTHS = 6
"""Serving a sentence: at least six months must remain to be served."""
CHEQUE_MIN_USD = 10_000
"""Unfunded cheques below USD 10,000 are excluded unless the offence is repeated."""
MIN_AGE_AT_OFFENCE = 12
MAX_AGE = 100

Check = Callable[["Rule", NoticeRequest, date], list[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    article: str
    severity: Severity
    fields: tuple[str, ...]
    explanation: str
    """What the rule checks and why, for a reviewer."""
    check: Check | None = None
    """None for rules applied outside this module (they need reference data)."""
    source: str = "rules"

    def finding(
        self,
        field: str,
        message: str,
        *,
        missing_item: str | None = None,
        evidence: dict[str, str] | None = None,
        score: float | None = None,
    ) -> Finding:
        return Finding(
            rule_id=self.id,
            article=self.article,
            severity=self.severity,
            field=field,
            message=message,
            source=self.source,
            missing_item=missing_item,
            evidence=evidence or {},
            score=score,
        )


# --- text helpers ---------------------------------------------------------------------------------


def _has(pattern: re.Pattern[str], *texts: str | None) -> str | None:
    """The first match of ``pattern`` in any of ``texts`` (lower-cased), or None."""
    for text in texts:
        if text:
            found = pattern.search(text.lower())
            if found:
                return found.group(0)
    return None


def _charge_label(index: int, charge: Charge, *, capital: bool = False) -> str:
    return f"{'C' if capital else 'c'}harge {index + 1} ('{charge.offence}')"


def _is_red_notice(request: NoticeRequest) -> bool:
    return request.kind is NoticeKind.RED_NOTICE


# --- identity data: RPD Art. 83(2)(a) -------------------------------------------------------------


def _family_name(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    if request.subject.family_name.strip():
        return []
    return [rule.finding("subject.family_name", "The subject's family name is missing.",
                         missing_item="the subject's family name")]


def _forename(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    if (request.subject.forenames or "").strip():
        return []
    return [rule.finding("subject.forenames", "The subject's forename is missing; ask the NCB for it.",
                         missing_item="the subject's forename(s)")]


def _sex(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    if request.subject.sex:
        return []
    return [rule.finding("subject.sex", "The subject's sex is not given; ask the NCB for it.",
                         missing_item="the subject's sex")]


def _date_of_birth(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    if request.subject.date_of_birth:
        return []
    return [rule.finding("subject.date_of_birth",
                         "The subject's date of birth is missing; at least the year of birth is required.",
                         missing_item="the subject's date of birth (at least the year)")]


def _photo_partner(request: NoticeRequest) -> bool:
    """A photograph counts as an identifier together with a place of birth or a full date of birth."""
    subject = request.subject
    full_dob = bool(subject.date_of_birth) and len(subject.date_of_birth or "") == 10
    return bool(subject.place_of_birth) or full_dob


def _additional_identifier(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    subject = request.subject
    if (
        (subject.physical_description is not None and subject.physical_description.has_content())
        or subject.fingerprints_available
        or subject.dna_profile_available
        or subject.identity_documents
        or (subject.photo_available and _photo_partner(request))
    ):
        return []
    photo_note = (
        " A photograph is available but counts only with a place of birth or a full date of birth."
        if subject.photo_available else ""
    )
    return [rule.finding(
        "subject",
        "Too few identifiers to identify the subject: besides name, sex and birth date the request needs a "
        "physical description, fingerprints, a DNA profile, identity document data, or a photograph with "
        "another identifier." + photo_note,
        missing_item="a further identifier: physical description, fingerprints, DNA profile, identity document "
        "details, or a photograph with the place of birth",
    )]


# --- judicial data: RPD Art. 83(2)(b) -------------------------------------------------------------


def _warrant_or_decision(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    judicial = request.judicial
    if judicial.arrest_warrant or judicial.court_decision:
        return []
    if request.purpose is Purpose.SERVE_SENTENCE:
        return [rule.finding(
            "judicial.court_decision",
            "No reference to the court decision imposing the sentence (or an arrest warrant) is given.",
            missing_item="the reference, date and issuing authority of the court decision imposing the sentence",
        )]
    return [rule.finding(
        "judicial.arrest_warrant",
        "No reference to an arrest warrant or judicial decision is given.",
        missing_item="the reference, date of issue and issuing authority of a valid arrest warrant",
    )]


def _warrant_expired(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    warrant = request.judicial.arrest_warrant
    if warrant is None or warrant.valid_until is None or warrant.valid_until >= today:
        return []
    return [rule.finding(
        "judicial.arrest_warrant.valid_until",
        f"The arrest warrant {warrant.reference} expired on {warrant.valid_until.isoformat()}; "
        "a notice needs a warrant that is still valid.",
        missing_item="a currently valid arrest warrant (the one given has expired)",
    )]


_TIME_IN_TEXT = re.compile(
    r"\b(1[89]|20)\d{2}\b|\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"
)
_PLACE_IN_TEXT = re.compile(r"\b(in|at|near|from)\s+(the\s+)?(port|city|town|village|province|region|[A-Z])")


def _facts_when(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    judicial = request.judicial
    if judicial.offence_date or _TIME_IN_TEXT.search(judicial.facts_summary.lower()):
        return []
    return [rule.finding(
        "judicial.facts_summary",
        "The summary of facts does not say when the offence was committed.",
        missing_item="when the facts took place (date or period of the offence)",
    )]


def _facts_where(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    judicial = request.judicial
    if (judicial.offence_place or "").strip() or _PLACE_IN_TEXT.search(judicial.facts_summary):
        return []
    return [rule.finding(
        "judicial.facts_summary",
        "The summary of facts does not say where the offence was committed.",
        missing_item="where the facts took place (place of the offence)",
    )]


def _charge_law(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    return [
        rule.finding(
            f"judicial.charges[{i}].law",
            f"The law provision for {_charge_label(i, charge)} is missing.",
            missing_item=f"the law provision for the charge '{charge.offence}'",
        )
        for i, charge in enumerate(request.judicial.charges)
        if not (charge.law or "").strip()
    ]


def _charge_penalty(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    return [
        rule.finding(
            f"judicial.charges[{i}].max_penalty_months",
            f"The maximum penalty for {_charge_label(i, charge)} is missing.",
            missing_item=f"the maximum penalty for the charge '{charge.offence}'",
        )
        for i, charge in enumerate(request.judicial.charges)
        if charge.max_penalty_months is None
    ]


def _sentence_imposed(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    if request.purpose is not Purpose.SERVE_SENTENCE:
        return []
    sentence = request.judicial.sentence
    if sentence is not None and sentence.imposed_months is not None:
        return []
    return [rule.finding(
        "judicial.sentence.imposed_months",
        "The request is to serve a sentence but does not state the sentence imposed.",
        missing_item="the sentence imposed (in months)",
    )]


def _sentence_remaining(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    if request.purpose is not Purpose.SERVE_SENTENCE:
        return []
    sentence = request.judicial.sentence
    if sentence is not None and sentence.remaining_months is not None:
        return []
    return [rule.finding(
        "judicial.sentence.remaining_months",
        "The request is to serve a sentence but does not state how much of it remains to be served.",
        missing_item="the remaining sentence to be served (in months)",
    )]


# --- penalty thresholds: RPD Art. 83(1)(b) --------------------------------------------------------

_PARTICULAR_IMPORTANCE = (
    "The NDTF may still proceed for a case of particular importance to international police cooperation, "
    "after consulting the NCB."
)


def _prosecution_threshold(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    if not _is_red_notice(request) or request.purpose is not Purpose.PROSECUTION:
        return []
    penalties = [c.max_penalty_months for c in request.judicial.charges if c.max_penalty_months is not None]
    if not penalties or max(penalties) >= PROSECUTION_MIN_MONTHS:
        return []
    return [rule.finding(
        "judicial.charges",
        f"No charge is punishable by at least {PROSECUTION_MIN_MONTHS} months (highest maximum penalty: "
        f"{max(penalties)} months), below the red notice threshold for prosecution. " + _PARTICULAR_IMPORTANCE,
        evidence={"highest_max_penalty_months": str(max(penalties))},
    )]


def _sentence_threshold(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    if not _is_red_notice(request) or request.purpose is not Purpose.SERVE_SENTENCE:
        return []
    sentence = request.judicial.sentence
    if sentence is None or sentence.remaining_months is None:
        return []
    if sentence.remaining_months >= SENTENCE_MIN_REMAINING_MONTHS:
        return []
    return [rule.finding(
        "judicial.sentence.remaining_months",
        f"Only {sentence.remaining_months} month(s) of the sentence remain, below the "
        f"{SENTENCE_MIN_REMAINING_MONTHS} months a red notice to serve a sentence requires. " + _PARTICULAR_IMPORTANCE,
        evidence={"remaining_months": str(sentence.remaining_months)},
    )]


# --- excluded offences: RPD Art. 83(1)(a) ---------------------------------------------------------

_BEHAVIOUR_CATEGORIES = frozenset({
    "defamation", "insult", "slander", "libel", "adultery", "consensual_sexual_acts", "homosexuality",
    "personal_drug_use", "drug_use", "blasphemy", "apostasy", "public_morality", "indecency", "dress_code",
})
_BEHAVIOUR_WORDS = re.compile(
    r"defam|insult|slander|libel|adulter|blasphem|apostas|homosexual|sodomy|consensual|"
    r"(personal|own) (drug )?use|drug use|consumption of (drugs|narcotics|cannabis)|public morals|indecen|dress code"
)
_FAMILY_CATEGORIES = frozenset({
    "family", "family_matter", "child_custody", "custody", "parental_abduction", "child_maintenance",
    "maintenance", "alimony", "abandonment_of_family",
})
_FAMILY_WORDS = re.compile(
    r"custody|alimony|child maintenance|non-payment of maintenance|maintenance payments|abandonment of (the )?family|"
    r"parental (child )?abduction|family dispute|divorce"
)
_ADMIN_CATEGORIES = frozenset({
    "administrative", "private_dispute", "debt", "breach_of_contract", "civil_dispute", "commercial_dispute",
    "immigration", "labour_dispute",
})
_ADMIN_WORDS = re.compile(
    r"breach of contract|unpaid debt|non-payment of (a )?debt|administrative (offence|violation|breach)|"
    r"civil dispute|commercial dispute|immigration (violation|offence)|overstay|labour dispute"
)
_SERIOUS_LINK = re.compile(
    r"organi[sz]ed crime|criminal (organi[sz]ation|group|network|gang)|money laundering|terroris|trafficking|"
    r"smuggling|corruption"
)
_CHEQUE_CATEGORIES = frozenset({"cheque", "unfunded_cheque", "bad_cheque", "dishonoured_cheque", "bounced_cheque"})
_CHEQUE_WORDS = re.compile(
    r"(unfunded|bounced|dishono(u)?red|bad|worthless|uncovered)\s+(cheque|check)|"
    r"(cheque|check)s?\s+(without|with insufficient)\s+(sufficient\s+)?(funds|cover|provision)"
)
_USD_AMOUNT = re.compile(r"(?:usd|us\$|\$)\s?(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s?(?:usd|us dollars)")
_REPEATED = re.compile(r"repeated|several cheques|multiple cheques|series of|\b\d+ cheques|on \d+ occasions")


def _excluded(
    rule: Rule,
    request: NoticeRequest,
    categories: frozenset[str],
    words: re.Pattern[str],
    what: str,
) -> list[Finding]:
    findings: list[Finding] = []
    for i, charge in enumerate(request.judicial.charges):
        hit = charge.category if charge.category in categories else _has(words, charge.offence)
        if hit:
            findings.append(rule.finding(
                f"judicial.charges[{i}]",
                f"{_charge_label(i, charge, capital=True)} looks like {what} ({hit.replace('_', ' ')}), which INTERPOL "
                "excludes from red notices and diffusions; a reviewer must confirm whether the facts are of that "
                "nature.",
                evidence={"matched": hit},
            ))
    return findings


def _excluded_behaviour(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    return _excluded(rule, request, _BEHAVIOUR_CATEGORIES, _BEHAVIOUR_WORDS,
                     "an offence about behaviour or cultural norms")


def _excluded_family(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    return _excluded(rule, request, _FAMILY_CATEGORIES, _FAMILY_WORDS, "a private or family matter")


def _excluded_administrative(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    if _has(_SERIOUS_LINK, request.judicial.facts_summary):
        return []
    return _excluded(rule, request, _ADMIN_CATEGORIES, _ADMIN_WORDS,
                     "a breach of administrative law or a private dispute not linked to serious or organised crime")


def _usd_amount(*texts: str | None) -> float | None:
    for text in texts:
        if not text:
            continue
        found = _USD_AMOUNT.search(text.lower())
        if found:
            raw = (found.group(1) or found.group(2)).replace(",", "")
            try:
                return float(raw)
            except ValueError:
                continue
    return None


def _unfunded_cheque(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    judicial = request.judicial
    cheques = [
        (i, c) for i, c in enumerate(judicial.charges)
        if c.category in _CHEQUE_CATEGORIES or _has(_CHEQUE_WORDS, c.offence)
    ]
    if not cheques:
        return []
    if len(cheques) > 1 or _has(_REPEATED, judicial.facts_summary, *(c.offence for _, c in cheques)):
        return []
    i, charge = cheques[0]
    amount = _usd_amount(charge.offence, judicial.facts_summary)
    if amount is not None and amount >= CHEQUE_MIN_USD:
        return []
    stated = f"USD {amount:,.0f}" if amount is not None else "an amount not stated in USD"
    return [rule.finding(
        f"judicial.charges[{i}]",
        f"{_charge_label(i, charge, capital=True)} is a single unfunded cheque for {stated}; unfunded cheques under "
        f"USD {CHEQUE_MIN_USD:,} are excluded unless the offence is repeated. Check the amount and whether "
        "it was repeated.",
        evidence={"amount_usd": f"{amount:.2f}" if amount is not None else "unknown"},
    )]


# --- consistency: RPD Art. 12 (data quality) ------------------------------------------------------


def _birth_before_offence(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    dob, offence = request.subject.date_of_birth, request.judicial.offence_date
    if not dob or not offence or partial_date_bounds(dob)[0] <= offence:
        return []
    return [rule.finding(
        "subject.date_of_birth",
        f"The subject was born ({dob}) after the offence date ({offence.isoformat()}): one of the dates is wrong.",
    )]


def _offence_before_warrant(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    judicial = request.judicial
    offence = judicial.offence_date
    if offence is None:
        return []
    findings: list[Finding] = []
    for field, document in (("arrest_warrant", judicial.arrest_warrant), ("court_decision", judicial.court_decision)):
        if document is not None and document.issued_on < offence:
            findings.append(rule.finding(
                f"judicial.{field}.issued_on",
                f"The {field.replace('_', ' ')} was issued ({document.issued_on.isoformat()}) before the offence "
                f"it concerns ({offence.isoformat()}).",
            ))
    return findings


def _future_dates(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    judicial = request.judicial
    dated: list[tuple[str, date | None]] = [
        ("subject.date_of_birth",
         partial_date_bounds(request.subject.date_of_birth)[0] if request.subject.date_of_birth else None),
        ("judicial.offence_date", judicial.offence_date),
        ("judicial.arrest_warrant.issued_on", judicial.arrest_warrant.issued_on if judicial.arrest_warrant else None),
        ("judicial.court_decision.issued_on", judicial.court_decision.issued_on if judicial.court_decision else None),
    ]
    return [
        rule.finding(field, f"{field} ({value.isoformat()}) lies in the future.")
        for field, value in dated
        if value is not None and value > today
    ]


def _years_between(earlier: date, later: date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def _implausible_age(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    dob = request.subject.date_of_birth
    if not dob:
        return []
    earliest, latest = partial_date_bounds(dob)
    findings: list[Finding] = []
    offence = request.judicial.offence_date
    if offence is not None and earliest <= offence:
        oldest_at_offence = _years_between(earliest, offence)
        if oldest_at_offence < MIN_AGE_AT_OFFENCE:
            findings.append(rule.finding(
                "subject.date_of_birth",
                f"The subject was at most {oldest_at_offence} at the time of the offence (born {dob}), under "
                f"{MIN_AGE_AT_OFFENCE}: check the birth date and whether a child can be held responsible.",
            ))
    youngest_today = _years_between(latest, today) if latest <= today else 0
    if youngest_today > MAX_AGE:
        findings.append(rule.finding(
            "subject.date_of_birth",
            f"The subject would be at least {youngest_today} years old today (born {dob}): check the birth date.",
        ))
    return findings


_CATEGORY_TERMS: dict[str, tuple[str, ...]] = {
    "fraud": ("fraud", "forg", "deceiv", "decept", "divert", "embezzl", "invoice", "misappropr", "swindl", "scam",
              "false", "fake", "investor"),
    "money_laundering": ("launder", "proceeds", "transfer", "account", "conceal", "shell compan"),
    "drug_trafficking": ("drug", "cocaine", "heroin", "cannabis", "narcotic", "methamph", "import", "export",
                         "kg", "smuggl", "traffick"),
    "robbery": ("robb", "stole", "steal", "armed", "weapon", "gun", "knife"),
    "theft": ("stole", "steal", "theft", "took"),
    "murder": ("kill", "murder", "shot", "stabb", "death", "dead", "body"),
    "homicide": ("kill", "murder", "shot", "stabb", "death", "dead"),
    "assault": ("assault", "attack", "beat", "injur", "wound", "hit"),
    "rape": ("rape", "sexual"),
    "sexual_assault": ("sexual", "rape", "assault"),
    "kidnapping": ("kidnap", "abduct", "hostage", "ransom"),
    "human_trafficking": ("traffick", "exploit", "recruit", "victim"),
    "terrorism": ("terror", "bomb", "attack", "explos"),
    "corruption": ("brib", "corrupt", "kickback", "public official"),
    "cybercrime": ("hack", "malware", "ransomware", "computer", "online", "phishing"),
    "defamation": ("insult", "defam", "slander", "libel", "honour", "honor", "reputation"),
}
_GENERIC_WORDS = frozenset(
    "offence offense crime criminal against other person persons public under article aggravated attempted attempt "
    "serious organised organized group acts act with without their the and".split()
)


def _charge_stems(charge: Charge) -> set[str]:
    stems = set(_CATEGORY_TERMS.get(charge.category, ()))
    for word in re.findall(r"[a-z]+", charge.offence.lower()):
        if len(word) >= 5 and word not in _GENERIC_WORDS:
            stems.add(word[:5])
    return stems


def _charges_match_facts(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    facts = request.judicial.facts_summary.lower()
    findings: list[Finding] = []
    for i, charge in enumerate(request.judicial.charges):
        stems = _charge_stems(charge)
        if stems and not any(stem in facts for stem in stems):
            findings.append(rule.finding(
                f"judicial.charges[{i}]",
                f"The summary of facts does not describe conduct matching {_charge_label(i, charge)}: ask the NCB "
                "how the facts constitute this offence.",
            ))
    return findings


# --- Article 3 and Article 2(1) indicators --------------------------------------------------------

_POLITICAL_CATEGORIES = frozenset({
    "political", "treason", "sedition", "espionage", "military", "desertion", "insubordination", "religious",
    "blasphemy", "apostasy", "racial", "insult_head_of_state", "lese_majeste", "extremism", "separatism",
    "unauthorised_assembly", "unauthorized_assembly",
})
_POLITICAL_OFFENCES = re.compile(
    r"treason|sedition|espionage|desert(ion|ed)|insubordinat|mutiny|blasphem|apostas|proselyti|l[eè]se.?majest|"
    r"insult\w*\s+(of\s+|to\s+)?(the\s+)?(state|official|president|head of state|king|government|authorit|army)|"
    r"rebellion|subversi|extremis|separatis|(unauthori[sz]ed|illegal|unlawful) (assembly|protest|demonstration|rally)|"
    r"anti.?state|propaganda|false information|fake news|discredit\w* (the )?(state|army|government)|"
    r"(political|religious|ethnic|racial) (hatred|discord|enmity)|banned (party|organi[sz]ation)"
)
_ELECTIONS_PROTESTS = re.compile(
    r"election|electoral|ballot|referendum|protest|demonstration|demonstrators|\brally\b|opposition|"
    r"\bregime\b|political|\bcoup\b|uprising|\briots?\b|dissident"
)
_PROFILE = re.compile(
    r"politic|journalist|reporter|editor|blogger|activist|human rights|defender|opposition|dissident|"
    r"member of parliament|\bmp\b|senator|congress|\bdeputy\b|minister|mayor|party (leader|member|official)|"
    r"trade union|unionist|religious leader|imam|priest|pastor"
)


def _political_offence(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    findings: list[Finding] = []
    for i, charge in enumerate(request.judicial.charges):
        hit = charge.category if charge.category in _POLITICAL_CATEGORIES else _has(_POLITICAL_OFFENCES, charge.offence)
        if hit:
            findings.append(rule.finding(
                f"judicial.charges[{i}]",
                f"{_charge_label(i, charge, capital=True)} may be an offence of a political, military, religious or "
                f"racial character ({hit.replace('_', ' ')}): assess it under Article 3 before any further step.",
                evidence={"matched": hit},
            ))
    return findings


def _subject_profile(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    hit = _has(_PROFILE, request.subject.occupation)
    where = "subject.occupation"
    if hit is None:
        hit = _has(re.compile(r"journalist|activist|human rights defender|opposition (leader|member|figure)|"
                              r"dissident|politician"), request.judicial.facts_summary)
        where = "judicial.facts_summary"
    if hit is None:
        return []
    return [rule.finding(
        where,
        f"The subject appears to be a politician, journalist, activist, human rights defender or opposition member "
        f"('{hit}'): assess under Article 3 whether the request is politically motivated.",
        evidence={"matched": hit},
    )]


def _elections_protests(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    hit = _has(_ELECTIONS_PROTESTS, request.judicial.facts_summary)
    if hit is None:
        return []
    return [rule.finding(
        "judicial.facts_summary",
        f"The facts are tied to elections, protests or political activity ('{hit}'): assess the predominance of "
        "ordinary-law elements under Article 3.",
        evidence={"matched": hit},
    )]


def _death_penalty(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    return [
        rule.finding(
            f"judicial.charges[{i}].death_penalty_possible",
            f"{_charge_label(i, charge, capital=True)} can carry the death penalty: the NDTF must seek assurances "
            "(Article 2(1), Universal Declaration of Human Rights) before any circulation.",
        )
        for i, charge in enumerate(request.judicial.charges)
        if charge.death_penalty_possible
    ]


def _in_absentia(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    judicial = request.judicial
    if judicial.court_decision is not None and judicial.court_decision.in_absentia:
        field = "judicial.court_decision.in_absentia"
    elif judicial.trial_in_absentia:
        field = "judicial.trial_in_absentia"
    else:
        return []
    return [rule.finding(
        field,
        "The subject was tried in absentia: check that they can have a retrial or otherwise had a fair trial "
        "(Article 2(1)).",
    )]


# --- assurances: RPD Art. 84 ----------------------------------------------------------------------


def _extradition_assurance_missing(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    if not _is_red_notice(request) or request.extradition_assurance is not None:
        return []
    return [rule.finding(
        "extradition_assurance",
        "The NCB has not said whether extradition will be sought if the subject is found.",
        missing_item="an assurance that extradition will be sought upon arrest",
    )]


def _extradition_refused(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    if not _is_red_notice(request) or request.extradition_assurance is not False:
        return []
    return [rule.finding(
        "extradition_assurance",
        "The NCB gives no assurance that extradition will be sought: a red notice seeks arrest with a view to "
        "extradition, so a reviewer must establish the purpose of the request.",
    )]


# --- the list -------------------------------------------------------------------------------------

B, D = Severity.BLOCKING, Severity.DOUBT

RULES: list[Rule] = [
    Rule("identity.family_name", ART_IDENTITY, B, ("subject.family_name",),
         "The subject's family name is mandatory identity data.", _family_name),
    Rule("identity.forename", ART_IDENTITY, B, ("subject.forenames",),
         "The subject's forename is mandatory identity data.", _forename),
    Rule("identity.sex", ART_IDENTITY, B, ("subject.sex",),
         "The subject's sex is mandatory identity data.", _sex),
    Rule("identity.date_of_birth", ART_IDENTITY, B, ("subject.date_of_birth",),
         "The subject's date of birth, at least the year, is mandatory identity data.", _date_of_birth),
    Rule("identity.additional_identifier", ART_IDENTITY, B,
         ("subject.physical_description", "subject.fingerprints_available", "subject.dna_profile_available",
          "subject.identity_documents", "subject.photo_available", "subject.place_of_birth", "subject.date_of_birth"),
         "Besides name, sex and birth date, at least one of: a physical description, fingerprints, a DNA profile, "
         "identity document data, or a photograph with another identifier (place or full date of birth).",
         _additional_identifier),
    Rule("judicial.warrant_or_decision", ART_JUDICIAL, B,
         ("judicial.arrest_warrant", "judicial.court_decision", "purpose"),
         "A reference to an arrest warrant or judicial decision, with its date and issuing authority (for a "
         "sentence, the court decision imposing it).", _warrant_or_decision),
    Rule("judicial.warrant_expired", ART_JUDICIAL, B, ("judicial.arrest_warrant.valid_until",),
         "The arrest warrant must still be valid today (valid_until on or after today).", _warrant_expired),
    Rule("judicial.facts_time", ART_JUDICIAL, B, ("judicial.offence_date", "judicial.facts_summary"),
         "The summary of facts must say when the offence was committed.", _facts_when),
    Rule("judicial.facts_place", ART_JUDICIAL, B, ("judicial.offence_place", "judicial.facts_summary"),
         "The summary of facts must say where the offence was committed.", _facts_where),
    Rule("judicial.charge_law", ART_JUDICIAL, B, ("judicial.charges[].law",),
         "Each charge must cite the law that makes it an offence.", _charge_law),
    Rule("judicial.charge_max_penalty", ART_JUDICIAL, B, ("judicial.charges[].max_penalty_months",),
         "Each charge must state the maximum penalty it carries.", _charge_penalty),
    Rule("judicial.sentence_imposed", ART_JUDICIAL, B, ("purpose", "judicial.sentence.imposed_months"),
         "A request to serve a sentence must state the sentence imposed.", _sentence_imposed),
    Rule("judicial.sentence_remaining", ART_JUDICIAL, B, ("purpose", "judicial.sentence.remaining_months"),
         "A request to serve a sentence must state the part of it that remains to be served.", _sentence_remaining),
    Rule("threshold.prosecution_penalty", ART_THRESHOLD, D,
         ("kind", "purpose", "judicial.charges[].max_penalty_months"),
         f"Red notice for prosecution: at least one offence punishable by {PROSECUTION_MIN_MONTHS} months or more. "
         "Below it the case goes to reviewers, who may proceed for a case of particular importance.",
         _prosecution_threshold),
    Rule("threshold.sentence_remaining", ART_THRESHOLD, D,
         ("kind", "purpose", "judicial.sentence.remaining_months"),
         f"Red notice to serve a sentence: at least {SENTENCE_MIN_REMAINING_MONTHS} months left to serve. Below it "
         "the case goes to reviewers, who may proceed for a case of particular importance.", _sentence_threshold),
    Rule("excluded.behaviour_cultural_norms", ART_EXCLUDED, D, ("judicial.charges[].category",
         "judicial.charges[].offence"),
         "Offences about behaviour or cultural norms (defamation or insult, adultery, consensual sexual acts, "
         "personal drug use, blasphemy and the like) are excluded.", _excluded_behaviour),
    Rule("excluded.family_private", ART_EXCLUDED, D, ("judicial.charges[].category", "judicial.charges[].offence"),
         "Offences about family or private matters (custody, maintenance, parental abduction) are excluded.",
         _excluded_family),
    Rule("excluded.administrative_private_dispute", ART_EXCLUDED, D,
         ("judicial.charges[].category", "judicial.charges[].offence", "judicial.facts_summary"),
         "Breaches of administrative law and private disputes are excluded unless linked to serious or organised "
         "crime.", _excluded_administrative),
    Rule("excluded.unfunded_cheque", ART_EXCLUDED, D,
         ("judicial.charges[].category", "judicial.charges[].offence", "judicial.facts_summary"),
         f"A single unfunded cheque under USD {CHEQUE_MIN_USD:,} is excluded; repeated offences are not.",
         _unfunded_cheque),
    Rule("consistency.birth_before_offence", ART_QUALITY, D, ("subject.date_of_birth", "judicial.offence_date"),
         "The subject must have been born before the offence.", _birth_before_offence),
    Rule("consistency.offence_before_warrant", ART_QUALITY, D,
         ("judicial.offence_date", "judicial.arrest_warrant.issued_on", "judicial.court_decision.issued_on"),
         "A warrant or decision cannot predate the offence it concerns.", _offence_before_warrant),
    Rule("consistency.future_date", ART_QUALITY, D,
         ("subject.date_of_birth", "judicial.offence_date", "judicial.arrest_warrant.issued_on",
          "judicial.court_decision.issued_on"),
         "No date of the request may lie in the future.", _future_dates),
    Rule("consistency.implausible_age", ART_QUALITY, D, ("subject.date_of_birth", "judicial.offence_date"),
         f"The subject's age must be plausible: at least {MIN_AGE_AT_OFFENCE} at the offence and at most {MAX_AGE} "
         "today.", _implausible_age),
    Rule("consistency.charges_match_facts", ART_QUALITY, D,
         ("judicial.charges[].offence", "judicial.charges[].category", "judicial.facts_summary"),
         "Each charge must be reflected in the summary of facts.", _charges_match_facts),
    Rule("art3.offence_character", ART_NEUTRALITY, D, ("judicial.charges[].category", "judicial.charges[].offence"),
         "Offences of a political, military, religious or racial character: Article 3 forbids INTERPOL any "
         "intervention in them.", _political_offence),
    Rule("art3.subject_profile", ART_NEUTRALITY, D, ("subject.occupation", "judicial.facts_summary"),
         "A subject who is a politician, journalist, activist, human rights defender or opposition member.",
         _subject_profile),
    Rule("art3.elections_protests", ART_NEUTRALITY, D, ("judicial.facts_summary",),
         "Facts tied to elections, protests or other political activity.", _elections_protests),
    Rule("art2.death_penalty", ART_HUMAN_RIGHTS, D, ("judicial.charges[].death_penalty_possible",),
         "An offence that can carry the death penalty.", _death_penalty),
    Rule("art2.trial_in_absentia", ART_HUMAN_RIGHTS, D,
         ("judicial.trial_in_absentia", "judicial.court_decision.in_absentia"),
         "A conviction or trial in absentia.", _in_absentia),
    Rule("assurance.extradition_missing", ART_ASSURANCES, B, ("kind", "extradition_assurance"),
         "A red notice needs the NCB's assurance that extradition will be sought.", _extradition_assurance_missing),
    Rule("assurance.extradition_refused", ART_ASSURANCES, D, ("kind", "extradition_assurance"),
         "A red notice whose NCB says extradition will not be sought.", _extradition_refused),
]

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def apply_rules(request: NoticeRequest, today: date) -> list[Finding]:
    """Every finding of every rule in ``RULES``, in the order of the list."""
    findings: list[Finding] = []
    for rule in RULES:
        if rule.check is not None:
            findings.extend(rule.check(rule, request, today))
    return findings
