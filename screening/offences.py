"""The term lists the screening rules read: offence kinds and the conduct that makes them, excluded
offences, Article 3 characters, cheque amounts, issuing authorities. Data only, used by
``screening.rules``; every pattern is matched against lower-cased text unless its name says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- offence kinds and the conduct that makes them (consistency.charges_match_facts) ---------------


@dataclass(frozen=True)
class OffenceKind:
    """One kind of offence: the categories and charge wording that name it, and the words a summary
    of facts uses when it describes conduct of that kind (the offence's own name counts too)."""

    name: str
    categories: frozenset[str]
    charge: re.Pattern[str]
    conduct: re.Pattern[str]


def _kind(name: str, categories: str, charge: str, conduct: str) -> OffenceKind:
    return OffenceKind(name, frozenset(categories.split()), re.compile(charge), re.compile(conduct))


OFFENCE_KINDS: tuple[OffenceKind, ...] = (
    _kind(
        "fraud", "fraud swindle swindling scam economic_crime breach_of_trust embezzlement forgery",
        r"fraud|swindl|escroquer|estafa|deceit|decept|false pretences|obtaining (money|property) by|embezzl|"
        r"misappropriat|breach of trust|forg",
        r"fraud|defraud|deceiv|decept|deceit|false pretence|false representation|misrepresent|swindl|scam|"
        r"\bconn(ed|ing)\b|persuad|induc|\blur(ed|ing)\b|trick|misl(ed|ead)|invest|non-?existent|fictitious|fake|"
        r"sham|bogus|never (built|delivered|existed|supplied|shipped|intended)|did not exist|pretend|posed as|"
        r"impersonat|promis|ponzi|pyramid scheme|forg|counterfeit|invoice|divert|embezzl|misappropriat|"
        r"false (document|identity|name|statement|account)|obtained .{0,40}\bby\b|siphon|entrust|"
        r"(his|her|their) own (use|account|benefit|company)|personal (use|benefit)|to (his|her|their) own",
    ),
    _kind(
        "money_laundering", "money_laundering laundering",
        r"launder",
        r"launder|proceeds|transferr?|account|conceal|shell compan|disguis|layer|front compan|cash|funds|bought|"
        r"purchas|invest|real estate|propert|origin|illicit|nominee|wire|crypto|deposit",
    ),
    _kind(
        "drug_trafficking", "drug_trafficking drugs narcotics",
        r"drug|narcotic|cocaine|heroin|cannabis|methamph|psychotropic",
        r"drug|cocaine|heroin|cannabis|marijuana|narcotic|methamph|amphetamine|fentanyl|opium|psychotropic|"
        r"\bkg\b|kilo|smuggl|traffick|import|export|shipment|sold|sell|deal",
    ),
    _kind(
        "robbery", "robbery armed_robbery",
        r"robb",
        r"robb|stole|steal|armed|weapon|gun|knife|threaten|force|took",
    ),
    _kind(
        "theft", "theft burglary larceny",
        r"theft|steal|stole|larceny|burglar",
        r"stole|steal|theft|took|burgl|broke into|taken|pilfer|removed|carried off|made off|pickpocket|shoplift|"
        r"jewel|safe\b",
    ),
    _kind(
        "homicide", "murder homicide manslaughter",
        r"murder|homicide|manslaughter|killing|assassinat",
        r"kill|murder|homicide|shot|shoot|stabb|strangl|poison|death|dead|body|assassinat|slain|slew",
    ),
    _kind(
        "assault", "assault bodily_harm grievous_bodily_harm",
        r"assault|bodily harm|wounding|battery",
        r"assault|attack|beat|injur|wound|\bhit\b|struck|punch|kick|stabb|harm|broke .{0,20}(jaw|nose|arm|leg|"
        r"rib|bone)|fractur|bruis|violen|knife|slap|hurt",
    ),
    _kind(
        "sexual_offence", "rape sexual_assault sexual_abuse child_sexual_abuse",
        r"rape|sexual|indecent assault|molest",
        r"rape|raping|sexual|molest|abuse|indecent",
    ),
    _kind(
        "kidnapping", "kidnapping abduction hostage_taking",
        r"kidnap|abduct|hostage|false imprisonment|unlawful detention",
        r"kidnap|abduct|hostage|ransom|seiz|confin|held .{0,30}against|detain|forced .{0,20}into",
    ),
    _kind(
        "human_trafficking", "human_trafficking trafficking_in_persons migrant_smuggling",
        r"trafficking in (human beings|persons)|human trafficking|migrant smuggling|smuggling of migrants|"
        r"forced labour",
        r"traffick|exploit|recruit|victim|smuggl|forced|brothel|transport",
    ),
    _kind(
        "terrorism", "terrorism terrorist_financing",
        r"terror",
        r"terror|bomb|attack|explos|financ|recruit|train|join|fought|fight|isis|isil|daesh|al.?qa[ei]da|jihad|"
        r"armed group|plot|plann|propaganda",
    ),
    _kind(
        "corruption", "corruption bribery",
        r"brib|corrupt|kickback|abuse of (office|power)",
        r"brib|corrupt|kickback|official|officer|abus|favou?r|contract|paid|\bpay|gave|gift|in exchange|in return|"
        r"permit|licen[cs]e|tender|mayor|minister|judge|customs",
    ),
    _kind(
        "cybercrime", "cybercrime computer_crime",
        r"hack|computer|cyber|unauthori[sz]ed access|malware|ransomware|phishing",
        r"hack|malware|ransomware|computer|online|phishing|server|network|system|data",
    ),
    _kind(
        "defamation", "defamation insult",
        r"defam|insult|slander|libel",
        r"insult|defam|slander|libel|honou?r|reputation|publish|post|wrote|said|called",
    ),
    _kind(
        "tax_offence", "tax_evasion tax_fraud",
        r"\btax",
        r"\btax|return|income|vat\b|revenue|declar|undeclared|evad",
    ),
    _kind(
        "military_absence", "desertion military absence_without_leave draft_evasion",
        r"desert|absen\w* without (official )?leave|awol|draft evasion|evasion of (military|conscript)|"
        r"(evad|avoid)\w* (the )?(military service|conscription|draft|call.?up|mobili[sz]ation)",
        r"desert|without (official )?leave|awol|left (his|her|their|the) (unit|post|regiment|barracks|ship|base|"
        r"garrison|battalion|company)|failed to (return|report)|did not (return|report)|abandon|absent|evad|"
        r"avoid|conscript|call.?up|mobili[sz]ation|military service",
    ),
)
KINDS_BY_CATEGORY: dict[str, OffenceKind] = {c: kind for kind in OFFENCE_KINDS for c in kind.categories}

# --- the summary of facts of substance (judicial.facts_substance) ---------------------------------

MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
FACTS_TIME = re.compile(
    rf"\b(1[89]|20)\d{{2}}\b|\b({MONTHS})\b|\b\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}\b|\bbetween\b.{{1,60}}\band\b|"
    r"\b(yesterday|last (week|month|year)|(early|late|mid)[- ](\d|spring|summer|autumn|winter))"
)
FACTS_PLACE_CASED = re.compile(
    r"\b(?i:in|at|near|from|to|outside|around|across|throughout|into|within)\s+(?:(?i:the)\s+)?([A-Z][\w'-]+)"
)
"""Matched against the summary as written: a preposition then a capitalised name ("in Lyon", "at the Port")."""
FACTS_PLACE = re.compile(
    r"\bonline\b|on the internet|on social media|\b(in|at|near|outside) (the |a |an |his |her |their )?"
    r"(port|city|town|village|province|region|district|capital|border|airport|harbou?r|shop|store|bank|branch|"
    r"office|home|house|flat|apartment|premises|street|market|hotel|restaurant|bar|club|prison|camp|barracks|"
    r"unit|base|station|hospital|school)\b"
)
_CASED_NOT_PLACES = frozenset({
    "The", "A", "An", "His", "Her", "Their", "Its", "This", "That", "These", "Those", "Which", "Whom", "Who",
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Article", "Art",
    "Section", "Code", "Criminal", "Penal", "EUR", "USD", "GBP",
})


def names_a_place(text: str) -> str | None:
    """A place the summary names, as written, or None."""
    for found in FACTS_PLACE_CASED.finditer(text):
        name = found.group(1)
        if name not in _CASED_NOT_PLACES and not name.isupper():
            return found.group(0)
        if name.isupper() and len(name) == 2:  # "in FR": a country code
            return found.group(0)
    hit = FACTS_PLACE.search(text.lower())
    return hit.group(0) if hit else None


GENERIC_VERBS = frozenset({
    "committed", "perpetrated", "accused", "charged", "suspected", "alleged", "allegedly", "involved", "wanted",
    "engaged", "convicted", "sentenced", "related", "concerned", "named", "listed", "mentioned", "based", "called",
    "regarded", "considered", "deemed", "found", "guilty", "registered", "recorded", "reported", "indicted",
    "prosecuted", "investigated", "identified", "organised", "organized", "aggravated", "qualified", "attempted",
    "premeditated", "armed", "unfunded", "unauthorised", "unauthorized", "hundred", "indeed", "need", "speed",
    "seed", "bed", "red", "shed", "feed", "greed", "deed", "creed", "breed", "united",
})
"""Words ending in -ed that say what the subject is accused of, not what they did."""
IRREGULAR_CONDUCT = re.compile(
    r"\b(stole|took|sold|bought|paid|made|sent|shot|hit|left|fled|ran|gave|got|held|kept|led|met|told|wrote|drove|"
    r"broke|beat|bit|spent|struck|sought|fought|threw|hid|swore|lent|lost|put|set|cut|hurt|spread|laid|built|"
    r"caught|dealt|fed|sank|slew|stabbed|brought|forged|lied|sold|seized|sold|dug|wore|tore|sang|came|went|"
    r"became|began|bore|chose|drew|fell|flew|forgot|froze|grew|hung|knew|rode|rose|saw|shook|spoke|stood|stuck|"
    r"swam|swung|taught|thought|threw|understood|woke|won|withdrew|overstayed|"
    r"sells|steals|takes|pays|kills|uses|runs|leads|owns|smuggles|imports|exports|transfers|recruits)\b"
)
"""Verbs of acting that do not end in -ed (and present-tense ones: summaries are sometimes written so)."""
_ED_WORD = re.compile(r"\b([a-z][a-z-]{2,}ed)\b")
_ING_ACT = re.compile(r"\b(by|while|found|caught|seen|filmed|recorded) ([a-z]{3,}ing)\b")


def describes_conduct(text: str) -> str | None:
    """A word of the summary that tells what the subject did, or None ('committed fraud' tells nothing)."""
    lower = text.lower()
    for found in _ED_WORD.finditer(lower):
        if found.group(1) not in GENERIC_VERBS and not found.group(1).endswith("eed"):
            return found.group(1)
    hit = IRREGULAR_CONDUCT.search(lower) or _ING_ACT.search(lower)
    return hit.group(0) if hit else None


# --- excluded offences: RPD Art. 83(1)(a) ---------------------------------------------------------

BEHAVIOUR_CATEGORIES = frozenset({
    "defamation", "insult", "slander", "libel", "adultery", "consensual_sexual_acts", "homosexuality",
    "same_sex_relations", "personal_drug_use", "drug_use", "blasphemy", "apostasy", "public_morality", "indecency",
    "dress_code", "prostitution", "pornography", "surrogacy", "extramarital_relations", "witchcraft", "sorcery",
    "alcohol", "alcohol_consumption",
})
SAME_SEX_CATEGORIES = frozenset({"homosexuality", "same_sex_relations"})
SAME_SEX = re.compile(
    r"same.?sex|homosexual|\bsodomy|\bgay\b|lesbian|lgbt|unnatural (offence|act|intercourse|sexual)|"
    r"against the order of nature|carnal knowledge against|sexual relations between (two )?(men|women)|"
    r"non.?traditional sexual (relations|orientation)|sexual (perversion|deviance)|debauchery"
)
BEHAVIOUR_WORDS = re.compile(
    r"defam|insult|slander|libel|adulter|extra.?marital|fornicat|\bzina\b|illicit (sexual )?relations|"
    r"cohabitation outside marriage|blasphem|apostas|(?<!non-)(?<!non )consensual|"
    r"(personal|own) (drug )?use|drug use|consumption of (drugs|narcotics|cannabis)|public morals|"
    r"indecen(t|cy)(?! (assault|exposure to (a )?(child|minor)))|dress code|prostitut|solicit\w* (for|in) "
    r"(prostitution|sex)|pornograph|surroga|witchcraft|sorcer|black magic|practi[cs]\w* (of )?magic|"
    r"alcohol|drinking (of )?(wine|beer|liquor)|possession of (liquor|wine|beer)|" + SAME_SEX.pattern
)
BEHAVIOUR_UNLESS = re.compile(
    r"child|minor|juvenile|underage|non.?consensual|forc|coerc|exploit|traffick|procur|pimp|rape|violen|"
    r"assault|attack|bashing|beat|harm|injur|kill|murder|death|smuggl|counterfeit|methanol|poison|excise|"
    r"revenge|without (her |his |their )?consent|extort|blackmail|"
    r"drunk driving|driving|vehicle|sale of (a |an )?(child|baby|infant)"
)
"""In the same charge, these make a morality offence a serious one (forced prostitution, child
pornography, sodomy of a minor, drink-driving): not a behavioural-norms exclusion."""

FAMILY_CATEGORIES = frozenset({
    "family", "family_matter", "child_custody", "custody", "parental_abduction", "child_maintenance",
    "maintenance", "alimony", "abandonment_of_family",
})
FAMILY_WORDS = re.compile(
    r"custody|alimony|child maintenance|non-payment of maintenance|maintenance payments|abandonment of (the )?family|"
    r"parental (child )?abduction|family dispute|divorce"
)
ADMIN_CATEGORIES = frozenset({
    "administrative", "private_dispute", "debt", "breach_of_contract", "civil_dispute", "commercial_dispute",
    "immigration", "labour_dispute", "exchange_control", "currency_control", "currency_regulation", "regulatory",
    "administrative_regulation", "commercial_debt", "unpaid_debt",
})
ADMIN_WORDS = re.compile(
    r"breach of contract|administrative (offence|violation|breach|regulation)|"
    r"civil dispute|commercial dispute|immigration (violation|offence)|overstay|labour dispute|"
    r"exchange.?control|currency (control|regulation|exchange regulation)|foreign (currency|exchange) "
    r"(regulation|rule|control|law|offence|violation)|"
    r"(violation|breach|infringement|contravention|non.?compliance) (of|with) (the )?([\w-]+ ){0,4}"
    r"(regulations|administrative (law|rules|provisions))|regulatory (offence|breach|violation)|"
    r"(unpaid|outstanding) (commercial |business |supplier |trade )?(debt|loan|invoice|bill)s?|"
    r"non.?(payment|repayment) of (a |the )?(commercial |business |supplier |trade |private )?"
    r"(debt|loan|invoice|bill)s?|"
    r"failure to (re)?pay (a |the |his |her )?(commercial |business |supplier |trade |private )?(debt|loan|invoice)s?|"
    r"default(ing)? on (a |the )?(commercial |business )?(loan|debt)"
)
DEBT_FACTS = re.compile(
    r"(failed|fails|did not|refused|unable) to (re)?pay|(unpaid|outstanding) (commercial |business |supplier |trade )?"
    r"(debt|loan|invoice|bill|balance)|non.?(re)?payment of|defaulted on|owe[sd]? .{0,60}\b(debt|loan|supplier|"
    r"creditor|partner)"
)
"""Facts of a private debt: charged as a crime, it is a private dispute unless deceit is shown (read only
when no charge is of a known kind other than fraud, and no violence is described)."""
ADMIN_UNLESS = re.compile(r"death|died|injur|kill|endanger|explos|poison")
"""In the same charge, these make a breach of regulations more than administrative (a breach of safety
regulations causing death)."""
DECEIT = re.compile(
    r"deceiv|decept|deceit|false|fake|forg|fictitious|non-?existent|never (intended|existed|built|delivered)|"
    r"posed as|impersonat|fraudulent|misrepresent|swindl|lied"
)
"""Facts showing fraudulent activity or intent (an unpaid debt or cheque with these is more than a dispute)."""
SERIOUS_LINK = re.compile(
    r"organi[sz]ed crime|criminal (organi[sz]ation|group|network|gang)|money laundering|launder|terroris|trafficking|"
    r"smuggling|corruption"
)

# --- unfunded cheques -----------------------------------------------------------------------------

CHEQUE_CATEGORIES = frozenset({"cheque", "unfunded_cheque", "bad_cheque", "dishonoured_cheque", "bounced_cheque"})
CHEQUE_WORDS = re.compile(
    r"(unfunded|bounced|dishono(u)?red|bad|worthless|uncovered|rubber)\s+(cheque|check)|"
    r"(cheque|check)s?\s+(without|with insufficient|with no)\s+(sufficient\s+)?(funds|cover|provision)|"
    r"(issu|writ|draw|giv)\w*\s+(a\s+)?(cheque|check)s?\s+without|\bcheques?\b"
)
CHEQUE_MENTION = re.compile(
    r"\bcheques?\b|\b(?:bounced|unfunded|bad|dishono(?:u)?red|worthless|uncovered|rubber|personal|bank|"
    r"post-?dated)\s+checks?\b|\bchecks?\s+(?=(?:no\.?|number|for|of|worth|amounting|in the amount|totall?ing|"
    r"without|with insufficient|drawn)\b)",
    re.IGNORECASE,
)
_CURRENCY_WORDS = (
    r"(?:cfa )?francs? cfa|cfa francs?|"
    r"euros?|dollars?|dirhams?|dinars?|pesos?|naira|rupees?|francs?|pounds?|riyals?|rials?|liras?|reais|real|"
    r"yuan|yen|rubles?|roubles?|shillings?|cedis?|rand|kwacha|leones?|birr|taka|rupiah|ringgit|baht|dong|won|"
    r"pula|hryvnias?|tenge|soms?|lari|manats?|drams?|zlot(?:y|ys|ych)|korun[ay]?|forints?|lei|leva?"
)
_CURRENCY = rf"(?:[A-Z]{{3}}|US\$|R\$|C\$|A\$|HK\$|S\$|NZ\$|[$€£¥₦₹₩₽₺₴₪]|(?i:{_CURRENCY_WORDS}))"
_NUMBER = r"\d{1,3}(?:[,.\s' ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?"
_SCALE = r"(?:\s?(?:million|thousand|billion|bn|mn|m|k)\b)?"
AMOUNT = re.compile(rf"{_CURRENCY}\s?(?:{_NUMBER}){_SCALE}|(?:{_NUMBER}){_SCALE}\s?{_CURRENCY}(?![A-Za-z])")
"""An amount with its currency, matched on the text as written ("EUR 50,000", "$5,000", "12 000 dirhams")."""
CHEQUE_AMOUNT_AFTER = 90
CHEQUE_AMOUNT_BEFORE = 30

# --- Article 3 characters (art3.offence_character) ------------------------------------------------

ART3_CATEGORIES: dict[str, str] = {
    "political": "political", "treason": "political", "sedition": "political", "espionage": "political",
    "extremism": "political", "separatism": "political", "unauthorised_assembly": "political",
    "unauthorized_assembly": "political", "insult_head_of_state": "political", "lese_majeste": "political",
    "mass_riots": "political", "undesirable_organisation": "political", "banned_organisation": "political",
    "military": "military", "desertion": "military", "insubordination": "military", "draft_evasion": "military",
    "absence_without_leave": "military", "conscientious_objection": "military",
    "religious": "religious", "blasphemy": "religious", "apostasy": "religious",
    "racial": "racial",
}
ART3_OFFENCES: dict[str, re.Pattern[str]] = {
    "military": re.compile(
        r"desert(ion|ed)|insubordinat|mutiny|draft (evasion|dodging)|evasion of (military|conscript|compulsory|"
        r"mobili[sz]ation)|(evad|avoid|dodg)\w* (the )?(military service|conscription|draft|call.?up|mobili[sz]ation)|"
        r"(failure|refus\w*) to (report for|perform|do|serve) (\w+ )?(military|army|compulsory) service|"
        r"refus\w* (of )?(military service|conscription|the call.?up|mobili[sz]ation)|"
        r"absen\w* without (official )?leave|\bawol\b|unauthori[sz]ed absence from (the |a |his |her )?"
        r"(unit|military)|conscientious object"
    ),
    "religious": re.compile(r"blasphem|apostas|proselyti|heresy|insult\w* (to )?(religio|the prophet)"),
    "racial": re.compile(r"(ethnic|racial) (hatred|discord|enmity)"),
    "political": re.compile(
        r"treason|sedition|espionage|l[eè]se.?majest|"
        r"insult\w*\s+(of\s+|to\s+)?(the\s+)?(state|official|president|head of state|king|government|authorit|army)|"
        r"rebellion|subversi|extremis|separatis|"
        r"(unauthori[sz]ed|illegal|unlawful) (assembly|protest|demonstration|rally)|"
        r"anti.?state|propaganda|false information|fake news|discredit\w* (the )?(state|army|government)|"
        r"(political|religious|social) (hatred|discord|enmity)|mass (riots?|disorder|unrest)|"
        r"undesirable (organi[sz]ation|ngo|group)"
    ),
}
MEMBERSHIP = re.compile(
    r"(member(ship)?|participat\w*|belong\w*|involvement|taking part|activit(y|ies)|organi[sz]\w*|"
    r"creat\w*|found\w*|lead\w*) (of|in|to)?\s*(a |an |the )?(banned|prohibited|outlawed|proscribed|illegal|"
    r"unregistered|extremist|undesirable|forbidden|unlawful) (political |religious |public |armed )?"
    r"(organi[sz]ation|group|party|movement|association|community|society|sect)"
)
"""Membership of a banned organisation: political (Article 3) unless violent acts are described."""
VIOLENCE = re.compile(
    r"attack|bomb|explos|kill|murder|shot|shoot|stabb|weapon|firearm|armed (attack|assault|robbery|group)|"
    r"hostage|kidnap|injur|wound|arson|violen|\bbeat|assault|threat"
)

# --- issuing authorities (judicial.issuing_authority) ---------------------------------------------

NON_JUDICIAL_AUTHORITY = re.compile(
    r"police|polic[ií]a|polizia|polizei|politie|gendarmer|carabinier|militsiya|ministry of (the )?(interior|internal "
    r"affairs|home affairs|justice)|minist[eè]re de l'int[eé]rieur|ministerio del interior|home office|"
    r"prosecut|procurat|procureur|procura\b|procuradur|parquet|ministère public|ministerio p[uú]blico|"
    r"fiscal[ií]a|fiscal general|attorney.?general|staatsanwalt|prokurat|investigative committee|"
    r"security (service|committee)|state security|intelligence|criminal investigation (department|directorate)|"
    r"directorate of (criminal )?investigation|anti.?corruption (bureau|agency|commission)|financial "
    r"(crimes|intelligence) (unit|commission)"
)
JUDICIAL_AUTHORITY = re.compile(
    r"court|judge|judicial(?! police)|tribunal|juge|juez|juzgado|jueza|juiz|ju[ií]zo|vara\b|audiencia|magistra|gericht|"
    r"richter|giudice|tribunale|\bgip\b|\bsud\b|суд|justice of the peace|chamber|cour\b|corte|rechtbank|"
    r"gerechtshof|sąd|bíróság|mahkeme|kadi|qadi"
)
SENTENCE_END = re.compile(r"(?<=[a-z)])(?<![Nn]o)(?<![Nn]r)\.\s|;")
"""The end of a sentence or clause (not the dot of "No. 123")."""
