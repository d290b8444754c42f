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
from screening import classification as iccs
from screening import offences as off

ART_IDENTITY = "RPD Art. 83(2)(a)"
ART_JUDICIAL = "RPD Art. 83(2)(b)"
ART_THRESHOLD = "RPD Art. 83(1)(b)"
ART_EXCLUDED = "RPD Art. 83(1)(a)"
ART_EXCLUDED_BEHAVIOUR = "RPD Art. 83(1)(a)(i)"
ART_EXCLUDED_FAMILY = "RPD Art. 83(1)(a)(ii)"
ART_EXCLUDED_ADMINISTRATIVE = "RPD Art. 83(1)(a)(iii)"
ART_FACTS = "RPD Art. 83(2)(b)(i)"
ART_WARRANT = "RPD Art. 83(2)(b)(v)"
ART_ASSURANCES = "RPD Art. 84"
ART_QUALITY = "RPD Art. 12"
ART_NEUTRALITY = "Constitution Art. 3"
ART_HUMAN_RIGHTS = "Constitution Art. 2(1)"

PROSECUTION_MIN_MONTHS = 24
"""Prosecution: the offence must be punishable by at least two years (24 months)."""
SENTENCE_MIN_REMAINING_MONTHS = 6
"""Serving a sentence: at least six months must remain to be served."""
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
        severity: Severity | None = None,
    ) -> Finding:
        """``severity``: the rule's own unless a finding of it is graver (a rule whose findings are doubts
        but one case of which is missing mandatory data, which is always blocking)."""
        return Finding(
            rule_id=self.id,
            article=self.article,
            severity=severity or self.severity,
            field=field,
            message=message,
            source=self.source,
            missing_item=missing_item,
            evidence=evidence or {},
            score=score,
        )


# --- text helpers ---------------------------------------------------------------------------------


def _has(pattern: re.Pattern[str], *texts: str | None) -> str | None:
    """The first match of ``pattern`` in any of ``texts`` (lower-cased, Arabic without its diacritics), or None."""
    for text in texts:
        if text:
            found = pattern.search(off.plain(text).lower())
            if found:
                return found.group(0)
    return None


def _charge_label(index: int, charge: Charge, *, capital: bool = False) -> str:
    return f"{'C' if capital else 'c'}harge {index + 1} ('{charge.offence}')"


def _is_red_notice(request: NoticeRequest) -> bool:
    return request.kind is NoticeKind.RED_NOTICE


# --- identity data: RPD Art. 83(2)(a) -------------------------------------------------------------


_PLACEHOLDER_NAME = re.compile(
    r"^\W*$|^(n/a|n\.a\.|n\.n\.|nn|x+|unknown|not known|none|inconnue?|non connue?|desconocid[oa]|"
    r"no consta|sin apellido|s/a|غير معروف|مجهول|لا يوجد)\W*$",
    re.IGNORECASE,
)
"""What an NCB writes in a name field when it does not know the name: a dash, 'UNKNOWN', 'N/A', 'NN',
'INCONNU', 'DESCONOCIDO', 'غير معروف'. The contract only asks for a non-empty string."""


def _family_name(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    written = request.subject.family_name.strip()
    if written and not _PLACEHOLDER_NAME.match(written):
        return []
    said = f" (written '{written}')" if written else ""
    return [rule.finding("subject.family_name", f"The subject's family name is missing{said}.",
                         missing_item="the subject's family name")]


def _forename(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    written = (request.subject.forenames or "").strip()
    if written and not _PLACEHOLDER_NAME.match(written):
        return []
    said = f" (written '{written}')" if written else ""
    return [rule.finding("subject.forenames", f"The subject's forename is missing{said}; ask the NCB for it.",
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


_ORDERED_BY = re.compile(r"order|ordonn|orden|instruction|commission rogatoire|comisi[óo]n rogatoria|mandat|"
                         r"ب[أا]مر|بقرار")


def _issuing_authority(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    judicial = request.judicial
    findings: list[Finding] = []
    for field, document in (("arrest_warrant", judicial.arrest_warrant), ("court_decision", judicial.court_decision)):
        if document is None:
            continue
        authority = document.issuing_authority
        written = off.plain(authority).lower()
        body = off.NON_JUDICIAL_AUTHORITY.search(written)
        court = off.JUDICIAL_AUTHORITY.search(written)
        # A court named after the body is where the body sits ("Procureur de la République près le tribunal
        # de Lomé", "Prosecutor at the Court of Appeal"): the issuer is still the body, unless the words between
        # say the court ordered it ("Judicial Police at the order of the Tribunal").
        if body is None or (court is not None and (
                court.start() < body.start() or _ORDERED_BY.search(written[body.end():court.start()]))):
            continue
        findings.append(rule.finding(
            f"judicial.{field}.issuing_authority",
            f"The {field.replace('_', ' ')} {document.reference} was issued by '{authority}', which reads as a "
            f"police, ministerial or prosecutorial body ('{body.group(0)}'), not a court or judge: check that national "
            "law gives it the power to order an arrest with the effect of a judicial decision, or ask the NCB for a "
            "warrant or decision of a judicial authority.",
            evidence={"issuing_authority": authority, "matched": body.group(0)},
        ))
    return findings


_TIME_IN_TEXT = re.compile(
    r"\b(1[89]|20)\d{2}\b|\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"
)
_PLACE_IN_TEXT = re.compile(r"\b(in|at|near|from)\s+(the\s+)?(port|city|town|village|province|region|[A-Z])")


def _facts_when(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    judicial = request.judicial
    if judicial.offence_date or _TIME_IN_TEXT.search(judicial.facts_summary.lower()) or _has(
            off.FACTS_TIME, judicial.facts_summary):
        return []
    return [rule.finding(
        "judicial.facts_summary",
        "The summary of facts does not say when the offence was committed.",
        missing_item="when the facts took place (date or period of the offence)",
    )]


def _facts_where(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    judicial = request.judicial
    if (judicial.offence_place or "").strip() or _PLACE_IN_TEXT.search(judicial.facts_summary) or off.names_a_place(
            judicial.facts_summary):
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


def _code_mark(charge: Charge, marks: dict[str, bool]) -> str | None:
    """The charge's code, with its label, when the rules mark it (or the part of the classification it
    lies under) in ``marks``: read before the charge's words."""
    found = iccs.marked(iccs.code_of(charge.category), marks)
    return iccs.label(iccs.code_of(charge.category) or "") if found and found[1] else None


def _excluded(
    rule: Rule,
    request: NoticeRequest,
    categories: frozenset[str],
    words: re.Pattern[str],
    what: str,
    unless: re.Pattern[str] | None = None,
    codes: dict[str, bool] | None = None,
) -> list[Finding]:
    findings: list[Finding] = []
    for i, charge in enumerate(request.judicial.charges):
        hit = charge.category if charge.category in categories else None
        hit = hit or (_code_mark(charge, codes) if codes else None) or _has(words, charge.offence)
        if hit and unless is not None and _has(unless, charge.offence):
            continue
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
    return _excluded(rule, request, off.BEHAVIOUR_CATEGORIES, off.BEHAVIOUR_WORDS,
                     "an offence about behaviour or cultural norms", unless=off.BEHAVIOUR_UNLESS,
                     codes=iccs.BEHAVIOUR_CODES)


def _same_sex_relations(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    findings: list[Finding] = []
    for i, charge in enumerate(request.judicial.charges):
        hit = charge.category if charge.category in off.SAME_SEX_CATEGORIES else _has(off.SAME_SEX, charge.offence)
        if hit and not _has(off.BEHAVIOUR_UNLESS, charge.offence):
            findings.append(rule.finding(
                f"judicial.charges[{i}]",
                f"{_charge_label(i, charge, capital=True)} criminalises same-sex relations ({hit.replace('_', ' ')}): "
                "acting on it would run against the Universal Declaration of Human Rights (non-discrimination, "
                "private life). A reviewer must establish from the facts whether anything beyond consensual "
                "relations between adults is alleged; if not, INTERPOL's channels cannot be used.",
                evidence={"matched": hit},
            ))
    return findings


def _excluded_family(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    return _excluded(rule, request, off.FAMILY_CATEGORIES, off.FAMILY_WORDS, "a private or family matter")


def _is_cheque_charge(charge: Charge) -> bool:
    return charge.category in off.CHEQUE_CATEGORIES or _has(off.CHEQUE_WORDS, charge.offence) is not None


def _excluded_administrative(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    judicial = request.judicial
    if _has(off.SERIOUS_LINK, judicial.facts_summary, *(c.offence for c in judicial.charges)):
        return []
    findings = _excluded(rule, request, off.ADMIN_CATEGORIES, off.ADMIN_WORDS,
                         "a breach of administrative law or regulations, or a private dispute, not linked to serious "
                         "or organised crime", unless=off.ADMIN_UNLESS, codes=iccs.ADMIN_CODES)
    if findings or all(_is_cheque_charge(c) for c in judicial.charges) or _has(off.VIOLENCE, judicial.facts_summary):
        return findings
    if any(kind.name != "fraud" for charge in judicial.charges for kind in _offence_kinds(charge)):
        return findings
    debt = _has(off.DEBT_FACTS, judicial.facts_summary)
    if debt is None or _has(off.DECEIT, judicial.facts_summary):
        return findings
    return [rule.finding(
        "judicial.facts_summary",
        f"The facts describe an unpaid debt ('{debt}') and no deceit, false statement or other fraudulent act: "
        "a debt charged as a criminal offence is a private dispute, excluded unless linked to serious or "
        "organised crime. A reviewer must ask the NCB what fraudulent conduct, beyond non-payment, is alleged.",
        evidence={"matched": debt},
    )]


def _cheque_amounts(text: str) -> list[str]:
    """The amounts, as written with their currency, attached to each cheque the text mentions: the first
    amount after the word (in the same sentence), else one just before it ("a EUR 9,000 cheque")."""
    amounts: list[str] = []
    for mention in off.CHEQUE_MENTION.finditer(text):
        after = off.SENTENCE_END.split(text[mention.end():mention.end() + off.CHEQUE_AMOUNT_AFTER])[0]
        following = off.CHEQUE_MENTION.search(after)
        if following:
            after = after[:following.start()]
        found = list(off.AMOUNT.finditer(after))
        if not mention.group(0).lower().rstrip().endswith("s"):  # one cheque: the first amount after it
            found = found[:1]
        if not found:
            before = re.split(r"[.;]\s", text[max(0, mention.start() - off.CHEQUE_AMOUNT_BEFORE):mention.start()])[-1]
            found = list(off.AMOUNT.finditer(before))[-1:]
        for amount in (f.group(0).strip() for f in found):
            if amount not in amounts:
                amounts.append(amount)
    return amounts


def _unfunded_cheque(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    judicial = request.judicial
    cheques = [(i, c) for i, c in enumerate(judicial.charges) if _is_cheque_charge(c)]
    if not cheques:
        return []
    in_facts = _cheque_amounts(judicial.facts_summary)
    deceit = _has(off.DECEIT, judicial.facts_summary)
    findings: list[Finding] = []
    for i, charge in cheques:
        amounts = _cheque_amounts(charge.offence) or in_facts
        stated = ", ".join(amounts) if amounts else "an amount the request does not state"
        intent = (f"The facts mention '{deceit}': check that they show fraudulent activity or intent beyond "
                  "the unfunded cheque." if deceit else
                  "The facts show no fraudulent activity or intent: ask the NCB for them, or the charge does not "
                  "qualify.")
        findings.append(rule.finding(
            f"judicial.charges[{i}]",
            f"{_charge_label(i, charge, capital=True)} is an unfunded-cheque offence (cheque amount as written: "
            f"{stated}). Since the General Secretariat's list of 28 January 2022 such offences do not meet "
            f"Article 83 unless the facts show fraudulent activity or intent, whatever the amount. {intent}",
            evidence={"cheque_amounts": "; ".join(amounts) if amounts else "not stated",
                      "fraud_indicator": deceit or "none found"},
        ))
    return findings


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


def _offence_kinds(charge: Charge) -> list[off.OffenceKind]:
    """The kinds of offence a charge names, by its category or its wording (none when it is of no kind
    known here: then nothing is judged)."""
    kinds = [off.KINDS_BY_CATEGORY[charge.category]] if charge.category in off.KINDS_BY_CATEGORY else []
    coded = iccs.kind_of(charge.category) if iccs.is_code(charge.category) else None
    kinds += [kind for kind in off.OFFENCE_KINDS if kind.name == coded and kind not in kinds]
    kinds += [kind for kind in off.OFFENCE_KINDS if kind not in kinds and _has(kind.charge, charge.offence)]
    return kinds


def _charges_match_facts(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    """A doubt only when the facts clearly show conduct of another family (the name of another offence,
    or an unmistakable act of it: ``OffenceKind.marks``) and describe nothing of the charged kind's
    family (``OffenceKind.conduct``, read broadly; ``offences.FAMILIES``). Facts that describe nothing
    recognisable are judged by judicial.facts_substance, not here."""
    facts = request.judicial.facts_summary
    findings: list[Finding] = []
    for i, charge in enumerate(request.judicial.charges):
        kinds = _offence_kinds(charge)
        if not kinds:
            continue
        related = [kind for kind in off.OFFENCE_KINDS if any(off.akin(k, kind) for k in kinds)]
        if any(_has(kind.conduct, facts) or _has(kind.charge, facts) for kind in related):
            continue
        other = [kind for kind in off.OFFENCE_KINDS if kind not in related and _has(kind.marks, facts)]
        if not other:
            continue
        charged = ", ".join(kind.name.replace("_", " ") for kind in kinds)
        instead = ", ".join(kind.name.replace("_", " ") for kind in other)
        shown = "; ".join(f"'{_has(kind.marks, facts)}'" for kind in other)
        findings.append(rule.finding(
            f"judicial.charges[{i}]",
            f"The summary of facts describes conduct of another kind ({instead}: {shown}) and none of the kind "
            f"{_charge_label(i, charge)} charges ({charged}) or of its family: ask the NCB which acts of the "
            "subject constitute this offence.",
            evidence={"offence_kind": charged, "facts_describe": instead},
        ))
    return findings


def _code_matches_wording(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    """A charge coded in the classification whose wording reads like offences of other kinds only: the
    code is doubted, not the charge (legacy free-text categories are not codes and are not judged)."""
    findings: list[Finding] = []
    for i, charge in enumerate(request.judicial.charges):
        code = charge.category
        if not iccs.is_code(code):
            continue
        worded = [kind.name for kind in off.OFFENCE_KINDS
                  if kind.name in iccs.CODE_OF_KIND and _has(kind.charge, charge.offence)]
        if not worded or any(iccs.agrees(code, kind) for kind in worded):
            continue
        if any(iccs.families_of(code) & off.FAMILIES.get(kind, frozenset()) for kind in worded):
            continue  # a qualification of the same family: 'hurto calificado' coded robbery, 'rapiña con homicidio'

        reads_like = " or ".join(iccs.label(iccs.CODE_OF_KIND[kind]) for kind in worded)
        findings.append(rule.finding(
            f"judicial.charges[{i}].category",
            f"{_charge_label(i, charge, capital=True)} is coded {iccs.label(code)} but its description reads like "
            f"{reads_like}: check the code.",
            evidence={"code": code, "reads_like": ", ".join(iccs.CODE_OF_KIND[kind] for kind in worded)},
        ))
    return findings


# --- the summary of facts of substance: RPD Art. 83(2)(b)(i) ---------------------------------------


def _facts_substance(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    facts = request.judicial.facts_summary
    found = {
        "time": _has(off.FACTS_TIME, facts),
        "place": off.names_a_place(facts),
        "conduct": off.describes_conduct(facts),
    }
    missing = [item for item, hit in found.items() if hit is None]
    if not missing:
        return []
    wanted = {"time": "when (a date, month, year or period)", "place": "where (a city, country or premises)",
              "conduct": "what the subject did (the acts, not the name of the offence)"}
    no_conduct = found["conduct"] is None
    return [rule.finding(
        "judicial.facts_summary",
        f"The summary of facts does not say {'; nor '.join(wanted[item] for item in missing)}. It must describe "
        "the circumstances of the offence, including its time and place: ask the NCB for a summary that does, "
        "whatever the structured fields say.",
        evidence={"missing": ", ".join(missing),
                  **{f"found_{item}": hit for item, hit in found.items() if hit is not None}},
        # What the subject did can be told nowhere else in the request: a summary without it lacks the
        # mandatory summary of facts, which the NCB must supply (time and place may be in the structured fields).
        missing_item="a summary of facts describing what the subject did (the acts, with their time and place)"
        if no_conduct else None,
        severity=Severity.BLOCKING if no_conduct else None,
    )]


# --- Article 3 and Article 2(1) indicators --------------------------------------------------------

_ELECTIONS_PROTESTS = re.compile(
    r"election|electoral|ballot|referendum|protest|demonstration|demonstrators|\brally\b|opposition|"
    r"(presidential|parliamentary|opposition|mayoral|municipal) candidate|candidate'?s? (campaign|headquarters)|"
    r"polling (station|booth|place)|\bvot(es?|ing|ers?)\b|(presidential|political) campaign|"
    r"campaign (headquarters|staff)|"
    r"\bregime\b|political|\bcoup\b|uprising|\briots?\b|dissident|"
    # French
    r"[ée]lection|[ée]lectora|scrutin|r[ée]f[ée]rendum|manifestation|manifestant|protestation|rassemblement|"
    r"\bcandidate?s?\b (à|aux|de l'opposition)|bureaux? de vote|campagne (pr[ée]sidentielle|l[ée]gislative)|"
    r"\bopposition\b|\br[ée]gime\b|politique|coup d'[ée]tat|putsch|soul[èe]vement|[ée]meute|dissident|"
    # Spanish
    r"elecci[óo]n|elecciones|electoral|votaci[óo]n|refer[ée]ndum|protesta|manifestaci[óo]n|manifestante|"
    r"candidat[oa]s? (a la|presidencial|opositor)|mesas? de votaci|campa[ñn]a (presidencial|pol[íi]tica)|\bvotos?\b|"
    r"\boposici[óo]n\b|\br[ée]gimen\b|pol[íi]tic[oa]|golpe de estado|levantamiento|disturbios|disidente|"
    # Arabic
    + off.ar(r"انتخاب", r"اقتراع", r"مرشح", r"حملة (انتخابية|المرشح)", r"[أا]صوات",
             r"استفتاء", r"مظاهر(ة|ات)", r"تظاهر", r"احتجاج", r"معارضة", r"سياسي", r"انقلاب",
             r"انتفاضة", r"ثورة", r"شغب", r"النظام الحاكم")
)
_PROFILE = re.compile(
    r"politic|journalist|reporter|editor|blogger|activist|human rights|defender|opposition|dissident|"
    r"member of parliament|\bmp\b|senator|congress|\bdeputy\b|minister|mayor|party (leader|member|official)|"
    r"trade union|unionist|religious leader|imam|priest|pastor|"
    # French
    r"politi|journaliste|reporter|r[ée]dact|blogueu|militant|activiste|d[ée]fenseu?r|droits (de l'homme|humains)|"
    r"opposant|dissident|d[ée]put[ée]|s[ée]nat|ministre|\bmaire\b|syndicalis|chef religieux|pr[êe]tre|pasteur|"
    # Spanish
    r"periodista|reporter|redactor|bloguer|activista|defensor|derechos humanos|opositor|disidente|diputad|"
    r"senador|congresista|\bministr[oa]|alcald|sindical|l[íi]der (social|religioso|ind[íi]gena|comunal|campesino)|"
    r"dirigente (social|sindical|pol[íi]tic|campesin|ind[íi]gena|estudiantil|vecinal)|sacerdote|"
    # Arabic
    + off.ar(r"صحف(ي|ية)", r"صحاف(ي|ية)", r"إعلامي", r"اعلامي", r"مدون", r"ناشط", r"حقوق الإنسان", r"حقوق الانسان",
             r"معارض",
             r"سياسي", r"برلماني", r"نائب", r"وزير", r"نقابي", r"إمام", r"داعية", r"رجل دين")
)
_PROFILE_IN_FACTS = re.compile(
    r"journalist|activist|human rights defender|opposition (party )?(leader|member|figure|official|activist)|"
    r"dissident|politician|"
    r"journaliste|militant|activiste|d[ée]fenseu?r des droits|opposant|homme politique|femme politique|politicien|"
    r"periodista|activista|defensor(a)? de (los )?derechos|opositor|disidente|dirigente (pol[íi]tic|social|sindical)|"
    r"l[íi]der (pol[íi]tic|opositor|social)|"
    + off.ar(r"صحف(ي|ية)", r"صحاف(ي|ية)", r"ناشط", r"مدافع(ة)? عن حقوق", r"(زعيم|قيادي|عضو|ناشط)(ة)? (في )?(ال)?معارضة",
             r"معارض(ة)? سياسي", r"سياسي معارض")
)
"""A profile the summary itself gives the subject (narrower than the occupation: 'political' there is often
the facts', not the subject's)."""


def _art3_character(request: NoticeRequest, charge: Charge) -> tuple[str, str] | None:
    """The Article 3 character of a charge and what showed it, or None."""
    if charge.category in off.ART3_CATEGORIES:
        return off.ART3_CATEGORIES[charge.category], charge.category
    coded = iccs.marked(iccs.code_of(charge.category), iccs.ART3_CODES)
    if coded is not None:
        return coded[1], iccs.label(iccs.code_of(charge.category) or "")
    for character, pattern in off.ART3_OFFENCES.items():
        hit = _has(pattern, charge.offence)
        if hit:
            return character, hit
    membership = _has(off.MEMBERSHIP, charge.offence) or _has(off.MEMBERSHIP_OTHER, charge.offence)
    if membership and not _has(off.VIOLENCE, charge.offence, request.judicial.facts_summary):
        return "political", membership
    return None


def _political_offence(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    findings: list[Finding] = []
    for i, charge in enumerate(request.judicial.charges):
        found = _art3_character(request, charge)
        if found is None:
            continue
        character, hit = found
        findings.append(rule.finding(
            f"judicial.charges[{i}]",
            f"{_charge_label(i, charge, capital=True)} may be an offence of a {character} character "
            f"({hit.replace('_', ' ')}): assess it under Article 3 before any further step.",
            evidence={"matched": hit, "character": character},
        ))
    return findings


def _subject_profile(rule: Rule, request: NoticeRequest, today: date) -> list[Finding]:
    hit = _has(_PROFILE, request.subject.occupation)
    where = "subject.occupation"
    if hit is None:
        hit = _has(_PROFILE_IN_FACTS, request.judicial.facts_summary)
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
        "The subject was tried in absentia: check that they can have a retrial or appeal, or otherwise had a fair "
        "trial (Article 2(1)). The request has no field for the NCB's assurance of a retrial or appeal (RPD Art. 84): "
        "ask the NCB for it, with the law that grants it.",
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
         "The subject's family name is mandatory identity data (a placeholder such as '-', 'UNKNOWN' or 'N/A' is "
         "no name).", _family_name),
    Rule("identity.forename", ART_IDENTITY, B, ("subject.forenames",),
         "The subject's forename is mandatory identity data (a placeholder is no name).", _forename),
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
    Rule("judicial.facts_substance", ART_FACTS, D, ("judicial.facts_summary",),
         "The summary of facts itself must describe the circumstances of the offence: when (a date, month, year or "
         "period), where (a named place) and what the subject did (a verb of acting, not 'committed fraud'). A summary "
         "that tells no act of the subject lacks the mandatory summary of facts: that finding is blocking and asks "
         "the NCB for it. A summary without its time or place is a doubt: those missing from the whole request are "
         "already asked of the NCB by judicial.facts_time and judicial.facts_place.",
         _facts_substance),
    Rule("judicial.issuing_authority", ART_WARRANT, D,
         ("judicial.arrest_warrant.issuing_authority", "judicial.court_decision.issuing_authority"),
         "The warrant or decision must come from a judicial authority: one issued by a police force, a ministry of "
         "the interior or a prosecutor (and naming no court, judge or tribunal) is for a reviewer to check against "
         "national law.", _issuing_authority),
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
    Rule("excluded.behaviour_cultural_norms", ART_EXCLUDED_BEHAVIOUR, D, ("judicial.charges[].category",
         "judicial.charges[].offence"),
         "Offences about behaviour or cultural norms (defamation or insult, adultery and extramarital relations, "
         "consensual or same-sex sexual relations, prostitution, pornography, surrogacy, witchcraft or sorcery, "
         "alcohol consumption, personal drug use, blasphemy and the like) are excluded; not when the charge also "
         "alleges force, exploitation, a child or a victim (forced prostitution, child pornography).",
         _excluded_behaviour),
    Rule("excluded.family_private", ART_EXCLUDED_FAMILY, D, ("judicial.charges[].category",
         "judicial.charges[].offence"),
         "Offences about family or private matters (custody, maintenance, parental abduction) are excluded.",
         _excluded_family),
    Rule("excluded.administrative_private_dispute", ART_EXCLUDED_ADMINISTRATIVE, D,
         ("judicial.charges[].category", "judicial.charges[].offence", "judicial.facts_summary"),
         "Breaches of administrative law or regulations (exchange control, currency, immigration) and private "
         "disputes (breach of contract, an unpaid commercial debt charged as a crime, or facts of an unpaid debt "
         "with no deceit) are excluded unless linked to serious or organised crime.", _excluded_administrative),
    Rule("excluded.unfunded_cheque", ART_EXCLUDED_ADMINISTRATIVE, D,
         ("judicial.charges[].category", "judicial.charges[].offence", "judicial.facts_summary"),
         "Every unfunded-cheque charge, whatever its amount: since the General Secretariat's list of 28 January 2022 "
         "such offences do not meet Article 83 unless the facts show fraudulent activity or intent. Reports each "
         "cheque's amount with its currency as written.", _unfunded_cheque),
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
         "The summary of facts must describe conduct of the kind each charge names (for fraud: deceiving, "
         "persuading to invest, selling what never existed...; for desertion: leaving a unit without leave...). "
         "Judged per offence kind from a list of conduct terms (screening.offences); a charge of no known kind is "
         "not judged.", _charges_match_facts),
    Rule("consistency.code_matches_wording", ART_QUALITY, D,
         ("judicial.charges[].category", "judicial.charges[].offence"),
         "A charge's ICCS code must classify the offence its wording names: a charge coded 0701 (Fraud) whose "
         "wording reads like a homicide is doubted (the code, not the charge). Judged per offence kind "
         "(screening.offences, screening.classification); a charge in free text is not judged.",
         _code_matches_wording),
    Rule("art3.offence_character", ART_NEUTRALITY, D,
         ("judicial.charges[].category", "judicial.charges[].offence", "judicial.facts_summary"),
         "Offences of a political, military, religious or racial character: Article 3 forbids INTERPOL any "
         "intervention in them. Military: desertion, absence without leave, draft evasion, conscientious "
         "objection, insubordination. Political: treason, mass riots, 'undesirable organisation', membership of a "
         "banned organisation when no violent act is described, and the like.", _political_offence),
    Rule("art3.subject_profile", ART_NEUTRALITY, D, ("subject.occupation", "judicial.facts_summary"),
         "A subject who is a politician, journalist, activist, human rights defender or opposition member.",
         _subject_profile),
    Rule("art3.elections_protests", ART_NEUTRALITY, D, ("judicial.facts_summary",),
         "Facts tied to elections, protests or other political activity.", _elections_protests),
    Rule("art2.death_penalty", ART_HUMAN_RIGHTS, D, ("judicial.charges[].death_penalty_possible",),
         "An offence that can carry the death penalty.", _death_penalty),
    Rule("art2.same_sex_relations", ART_HUMAN_RIGHTS, D, ("judicial.charges[].category",
         "judicial.charges[].offence"),
         "An offence criminalising same-sex relations (besides its exclusion as a behavioural-norms offence).",
         _same_sex_relations),
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
