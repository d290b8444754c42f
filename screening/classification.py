"""A charge's ``category`` as a code of the offence classification (UNODC's International Classification
of Crime for Statistical Purposes, ICCS 1.0, 2015), and what the screening rules make of a code.

The classification itself is reference data (``offence_classification``: ``code,label,parent``, shipped in
``data/reference/offence_classification.csv``), checked at submission. What the *rules* make of a code is
marked here, not in the request nor in the CSV: which codes are behavioural-norms, administrative or
Article 3 offences, and which offence kind of ``screening.offences`` each code is. ICCS codes are
hierarchical by prefix (section ``07``, division ``0701``, group ``07011``, class ``070111``), so a mark
on a division holds for every group and class under it, unless a longer code says otherwise.

A request stored before the classification (or submitted while it is not loaded) carries free text
(``fraud``, ``drug_trafficking``...): ``LEGACY_CATEGORIES`` maps those to codes, and the rules keep
reading the free text as they did (``screening.offences``' category lists), so such a request screens
as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

ICCS_CODE = re.compile(r"^\d{2}(?:\d{2}(?:\d{1,2})?)?$")
"""Section (2 digits), division (4), group (5) or class (6)."""

T = TypeVar("T")

LABELS: dict[str, str] = {
    "01": "Acts leading to death or intending to cause death",
    "0101": "Intentional homicide",
    "0103": "Non-intentional homicide",
    "0201": "Assaults and threats",
    "0202": "Acts against liberty",
    "0204": "Trafficking in persons",
    "0209": "Defamation or insult",
    "03": "Injurious acts of a sexual nature",
    "0401": "Robbery",
    "0501": "Burglary",
    "0502": "Theft",
    "0601": "Unlawful acts involving controlled drugs or precursors",
    "06011": "Unlawful possession, purchase, use, cultivation or production of controlled drugs for personal "
             "consumption",
    "06012": "Unlawful trafficking, cultivation or production of controlled drugs or precursors not for personal "
             "consumption",
    "0602": "Unlawful acts involving alcohol, tobacco or other controlled substances",
    "0701": "Fraud",
    "0702": "Forgery/counterfeiting",
    "0703": "Corruption",
    "07032": "Embezzlement",
    "0704": "Acts involving proceeds of crime",
    "07041": "Money laundering",
    "0801": "Acts against public order behavioural standards",
    "0802": "Acts against public order sexual standards",
    "08021": "Prostitution offences",
    "08022": "Pornography offences",
    "0803": "Acts related to freedom of expression or control of expression",
    "08051": "Smuggling of migrants",
    "0807": "Acts related to democratic elections",
    "0808": "Acts contrary to labour law",
    "0904": "Acts against state security",
    "0906": "Terrorism-related offences",
}
"""The labels of the codes the rules name (``tests/screening/test_classification.py`` checks them against
the shipped file); a code not here is shown bare."""

# --- the rules' marks on codes ----------------------------------------------------------------------

BEHAVIOUR_CODES: dict[str, bool] = {
    "0209": True,  # defamation or insult
    "0801": True,  # acts against public order behavioural standards
    "0802": True,  # public order sexual standards: prostitution, pornography (of adults; children are 03022)
    "06011": True,  # controlled drugs for personal consumption
    "0602": True,  # alcohol, tobacco and other controlled substances
}
"""Codes excluded as offences about behaviour or cultural norms (RPD Art. 83(1)(a)(i)); the charge's own
words can still lift it (forced, a child, smuggled: ``offences.BEHAVIOUR_UNLESS``)."""

ADMIN_CODES: dict[str, bool] = {
    "0808": True,  # acts contrary to labour law
}
"""Codes excluded as breaches of administrative law or private disputes (RPD Art. 83(1)(a)(iii))."""

ART3_CODES: dict[str, str] = {
    "0803": "political",  # freedom of expression or control of expression
    "0807": "political",  # democratic elections
    "0904": "political",  # state security
}
"""Codes whose offences may be of a political, military, religious or racial character (Constitution
Art. 3): the character to assess."""

KIND_CODES: dict[str, str | None] = {
    "01": None,
    "0101": "homicide",
    "0102": "homicide",
    "0103": "homicide",
    "0201": "assault",
    "02021": "kidnapping",
    "02022": "kidnapping",
    "0204": "human_trafficking",
    "08051": "human_trafficking",
    "03": "sexual_offence",
    "0401": "robbery",
    "0501": "theft",
    "0502": "theft",
    "0601": "drug_trafficking",
    "06011": None,
    "0701": "fraud",
    "0702": "fraud",
    "0703": "corruption",
    "07032": "fraud",
    "0704": "money_laundering",
    "07042": None,
    "0906": "terrorism",
    "0209": "defamation",
}
"""The offence kind (``screening.offences.OFFENCE_KINDS``) of the charges a code classifies; None where a
longer code leaves its parent's kind (personal drug use is not trafficking)."""

CODE_FAMILIES: dict[str, frozenset[str]] = {
    "01": frozenset({"violence"}),
    "02": frozenset({"violence"}),
    "0202": frozenset({"violence", "exploitation"}),
    "0204": frozenset({"exploitation", "smuggling"}),
    "0209": frozenset({"expression"}),
    "03": frozenset({"violence", "exploitation"}),
    "04": frozenset({"violence", "property"}),
    "05": frozenset({"property"}),
    "06": frozenset({"drugs"}),
    "07": frozenset({"deception"}),
    "0704": frozenset({"deception", "property"}),  # proceeds of crime, trafficking in cultural property
    "0803": frozenset({"expression"}),
    "08051": frozenset({"smuggling", "exploitation"}),
    "0906": frozenset({"violence", "security"}),
}
"""The families of conduct (``screening.offences.FAMILIES``) of the charges a code classifies, by the longest
prefix marked: a code agrees with wording of a kind of the same family ('hurto calificado' coded robbery,
'theft and smuggling of antiquities' coded 07042), not with one of another ('murder' coded fraud)."""


def families_of(code: str | None) -> frozenset[str]:
    """The families of conduct of a code, or none when no prefix of it is marked."""
    found = marked(code, CODE_FAMILIES)
    return found[1] if found else frozenset()


CODE_OF_KIND: dict[str, str] = {
    "homicide": "0101",
    "assault": "0201",
    "kidnapping": "0202",
    "human_trafficking": "0204",
    "sexual_offence": "03",
    "robbery": "0401",
    "theft": "0502",
    "drug_trafficking": "06012",
    "fraud": "0701",
    "corruption": "0703",
    "money_laundering": "07041",
    "terrorism": "0906",
    "defamation": "0209",
}
"""The code a charge whose wording reads like a kind would carry (named in the disagreement doubt)."""

LEGACY_CATEGORIES: dict[str, str] = {
    "murder": "0101", "homicide": "0101", "manslaughter": "0103",
    "assault": "0201", "bodily_harm": "0201", "grievous_bodily_harm": "0201",
    "kidnapping": "0202", "abduction": "0202", "hostage_taking": "0202",
    "human_trafficking": "0204", "trafficking_in_persons": "0204", "migrant_smuggling": "08051",
    "defamation": "0209", "insult": "0209", "slander": "0209", "libel": "0209",
    "rape": "03011", "sexual_assault": "03012", "sexual_abuse": "0301", "child_sexual_abuse": "03",
    "robbery": "0401", "armed_robbery": "0401",
    "burglary": "0501", "theft": "0502", "larceny": "0502",
    "drug_trafficking": "06012", "drugs": "0601", "narcotics": "0601",
    "personal_drug_use": "06011", "drug_use": "06011", "alcohol": "0602", "alcohol_consumption": "0602",
    "fraud": "0701", "swindle": "0701", "swindling": "0701", "scam": "0701",
    "forgery": "0702", "corruption": "0703", "bribery": "07031", "embezzlement": "07032",
    "money_laundering": "07041", "laundering": "07041",
    "prostitution": "08021", "pornography": "08022", "labour_dispute": "0808",
    "terrorism": "0906", "terrorist_financing": "09062",
    "other": "11",
}
"""The free-text categories of requests made before the classification, and the code each stands for
(used when a category is not a code). Only categories whose meaning is not in doubt are mapped; a mapped
code is marked by the rules as its free text is (tests check it), so a legacy request screens as before."""


def is_code(category: str) -> bool:
    """Whether a charge's category is written as an ICCS code (rather than legacy free text)."""
    return bool(ICCS_CODE.match(category))


def code_of(category: str) -> str | None:
    """The ICCS code a category stands for: itself when it is a code, the legacy mapping's otherwise."""
    return category if is_code(category) else LEGACY_CATEGORIES.get(category)


def label(code: str) -> str:
    """``0701 (Fraud)``; a code whose label the rules do not carry is shown bare."""
    return f"{code} ({LABELS[code]})" if code in LABELS else code


def marked(code: str | None, marks: Mapping[str, T]) -> tuple[str, T] | None:
    """The longest prefix of ``code`` (the code itself, its group, division or section) that ``marks``
    holds, with its mark; None when none is marked."""
    if not code:
        return None
    for length in range(len(code), 1, -1):
        prefix = code[:length]
        if prefix in marks:
            return prefix, marks[prefix]
    return None


def kind_of(code: str | None) -> str | None:
    """The offence kind of the charges a code classifies, or None."""
    found = marked(code, KIND_CODES)
    return found[1] if found else None


def related(code: str, other: str) -> bool:
    """Whether two codes are the same or one lies under the other."""
    return code.startswith(other) or other.startswith(code)


def agrees(code: str, kind: str) -> bool:
    """Whether a code fits charges worded like ``kind``: the code is of that kind, or it and one of the
    kind's codes lie one under the other (a section code such as ``07`` fits fraud)."""
    if kind_of(code) == kind:
        return True
    codes = {CODE_OF_KIND[kind], *(prefix for prefix, marked_kind in KIND_CODES.items() if marked_kind == kind)}
    return any(related(code, other) for other in codes)
