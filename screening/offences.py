"""The term lists the screening rules read: offence kinds and the conduct that makes them, excluded
offences, Article 3 characters, cheque amounts, issuing authorities. Data only, used by
``screening.rules``; every pattern is matched against lower-cased text unless its name says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- the organisation's working languages ---------------------------------------------------------
# English, French, Spanish and Arabic. Arabic is matched on the text without its short vowels and tatweel
# (``plain``: the rules' ``_has`` reads every text so); a prefixed Arabic word (و, ف, ب, ل, ك, ال) by ``ar``.

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")


def plain(text: str) -> str:
    """The text without Arabic diacritics (short vowels, shadda, tanween) and tatweel: 'شيكًا' reads 'شيكا'."""
    return _ARABIC_MARKS.sub("", text)


def ar(*stems: str) -> str:
    """A pattern for Arabic words beginning with one of ``stems``, after the prefixes a word may carry (and,
    so, with, for, as, the): 'الزنا', 'بالزنا', 'وزنا'."""
    return r"(?<!\w)(?:[وف]?[بلك]?(?:ال)?|[وف]?لل)(?:" + "|".join(stems) + ")"


# --- offence kinds and the conduct that makes them (consistency.charges_match_facts) ---------------


@dataclass(frozen=True)
class OffenceKind:
    """One kind of offence: the categories and charge wording that name it, the words a summary of facts
    uses when it describes conduct of that kind (broad: any of them is enough to say the facts are of
    the kind), and ``marks``, the words that clearly show conduct of that kind (narrow: the offence's
    own name in the four languages and a few unambiguous acts; only these can show the facts to be of
    another kind than the one charged)."""

    name: str
    categories: frozenset[str]
    charge: re.Pattern[str]
    conduct: re.Pattern[str]
    marks: re.Pattern[str]


def _kind(name: str, categories: str, charge: str, conduct: str, charge_other: str = "",
          marks: str = "") -> OffenceKind:
    """``charge_other``: the charge's wording in French, Spanish and Arabic (``conduct`` holds all four);
    ``marks``: unambiguous acts of the kind, besides the charge's wording."""
    charge = f"{charge}|{charge_other}" if charge_other else charge
    return OffenceKind(name, frozenset(categories.split()), re.compile(charge), re.compile(conduct),
                       re.compile(f"{charge}|{marks}" if marks else charge))


OFFENCE_KINDS: tuple[OffenceKind, ...] = (
    _kind(
        "fraud", "fraud swindle swindling scam economic_crime breach_of_trust embezzlement forgery",
        r"fraud|swindl|escroquer|estafa|deceit|decept|false pretences|obtaining (money|property) by|embezzl|"
        r"misappropriat|breach of trust|forg|identity theft",
        r"fraud|defraud|deceiv|decept|deceit|false pretence|false representation|misrepresent|swindl|scam|"
        r"\bconn(ed|ing)\b|persuad|induc|\blur(ed|ing)\b|trick|misl(ed|ead)|invest|non-?existent|fictitious|fake|"
        r"sham|bogus|never (built|delivered|existed|supplied|shipped|intended)|did not exist|pretend|posed as|"
        r"impersonat|promis|ponzi|pyramid scheme|forg|counterfeit|invoice|divert|embezzl|misappropriat|"
        r"false (document|identity|name|statement|account)|obtained .{0,40}\bby\b|siphon|entrust|"
        r"(his|her|their) own (use|account|benefit|company)|personal (use|benefit)|to (his|her|their) own"
        r"|escroqu|tromp|fictif|fictive|inexistant|faux|fausse|promett|promis|d[ée]tourn|usurp|fait croire|"
        r"se faisant passer|investi|placement|factur|enga[ñn]|ficticio|inexistente|falso|falsa|prometi|desvi|"
        r"invers|hizo creer|haci[ée]ndose pasar|apropi|estaf|"
        + ar("احتال", "تحايل", "نصب", "وهمي", "كاذب", "[أا]وهم", "خدع", "وعد", "[أا]قنع", "استولى", "اختلس", "زور",
             "مزور", "انتحل", "استثمار"),
        r"escroqu|abus de confiance|d[ée]tournement|faux et usage|tromperie|estafa|defraudaci|fraude|"
        r"abuso de confianza|apropiaci[óo]n indebida|peculado|malversaci|falsificaci|"
        + ar("احتيال", "تحايل", "تحيل", "نصب", "خيانة ال[أا]مانة", "اختلاس", "تزوير", "الاستيلاء"),
    ),
    _kind(
        "money_laundering", "money_laundering laundering",
        r"launder",
        r"launder|proceeds|transferr?|account|conceal|shell compan|disguis|layer|front compan|cash|funds|bought|"
        r"purchas|invest|real estate|propert|origin|illicit|nominee|wire|crypto|deposit"
        r"|blanchi|produit|transf[ée]r|compte|dissimul|soci[ée]t[ée]s? (écran|ecran)|esp[èe]ces|fonds|achet|"
        r"acqui|immobili|blanque|lavado|procedencia|transfer|cuenta|ocult|sociedades? pantalla|efectivo|"
        r"fondos|compr|inmueble|il[íi]cit|"
        + ar("غسل", "تبييض", "تحويل", "حساب", "[أا]خفى", "شركات? وهمية", "نقدا", "[أا]موال", "عائدات", "عقار",
             "اشترى", "شراء"),
        r"blanchi|blanqueo|lavado de (dinero|activos)|operaciones con recursos de procedencia il[íi]cita|"
        + ar("غسل ال[أا]موال", "تبييض ال[أا]موال", "غسل"),
    ),
    _kind(
        "drug_trafficking", "drug_trafficking drugs narcotics",
        r"drug|narcotic|cocaine|heroin|cannabis|methamph|psychotropic",
        r"drug|cocaine|heroin|cannabis|marijuana|narcotic|methamph|amphetamine|fentanyl|opium|psychotropic|"
        r"\bkg\b|kilo|smuggl|traffick|import|export|shipment|sold|sell|deal"
        r"|stup[ée]fiant|drogue|coca[íi]ne|h[ée]ro[íi]ne|cannabis|r[ée]sine|kilo|\bkg\b|trafi|import|export|"
        r"cargaison|vend|estupefaciente|droga|marihuana|narco|tr[áa]fico|cargamento|embarque|vendi|"
        + ar("مخدر", "كوكايين", "هيروين", "حشيش", "قنب", "كيلو", "هرب", "تهريب", "شحنة", "باع", "بيع", "ترويج"),
        r"stup[ée]fiant|drogue|coca[íi]ne|h[ée]ro[íi]ne|cannabis|estupefaciente|droga|narco|"
        + ar("مخدر", "المخدرات", "كوكايين", "هيروين", "حشيش", "قنب"),
        marks=r"marijuana|marihuana|fentanyl|amphetamine|anfetamina|opium|hashish|haschich|hach[íi]s|"
              r"\bkhat\b|captagon|" + ar("كبتاغون", "ترامادول"),
    ),
    _kind(
        "robbery", "robbery armed_robbery",
        r"robb",
        r"robb|stole|steal|armed|weapon|gun|knife|threaten|force|took"
        r"|\bvol\b|vol[ée]|d[ée]rob|emport|\barm[ée]s?\b|arme|fusil|pistolet|couteau|menac|attaqu|braqu|"
        r"rob[óoa]|robo|rob[aá]ron|asalt|atrac|arma|pistola|cuchillo|amenaz|se llev|sustraj|"
        + ar("سرق", "سلب", "سطو", "سلاح", "مسلح", "سكين", "مسدس", "هدد", "[أا]خذ", "استولى", "نهب"),
        r"\bvol (à main armée|avec (arme|violence)|en r[ée]union)|\bvols? (aggrav|qualifi)|braquage|\brobo\b|"
        r"asalto|atraco|"
        + ar("سرقة بال(إكراه|اكراه|سلاح|عنف)", "سطو", "سلب", "حرابة"),
    ),
    _kind(
        "theft", "theft burglary larceny",
        r"(?<!identity )theft|steal|stole|larceny|burglar",
        r"stole|steal|theft|took|burgl|broke into|taken|pilfer|removed|carried off|made off|pickpocket|shoplift|"
        r"jewel|safe\b"
        r"|\bvol\b|vol[ée]|d[ée]rob|emport|cambriol|soustra|rob[óoa]|hurt|sustraj|se llev|sustra[íi]|"
        + ar("سرق", "[أا]خذ", "نهب", "سطو"),
        r"\bvol\b|\bvols\b|cambriolage|\bhurto\b|\brobo\b|"
        + ar("سرقة"),
    ),
    _kind(
        "homicide", "murder homicide manslaughter",
        r"murder|homicide|manslaughter|killing|assassinat",
        r"kill|murder|homicide|shot|shoot|fired (at|on|into)|opened fire|stabb|strangl|poison|death|dead|body|"
        r"assassinat|slain|slew"
        r"|\btu[ée]e?s?\b|\btuer\b|meurtr|homicid|abattu|poignard|[ée]trangl|empoisonn|\bmorte?s?\b|cadavre|corps|"
        r"assassin|\bmat[óo]\b|matar|asesin|apu[ñn]al|estrangul|envenen|muert|cad[áa]ver|disparo|dispar|"
        + ar("قتل", "طعن", "ذبح", "خنق", "سمم", "[أا]طلق", "جثة", "وفاة", "مقتل", "[أا]ردى"),
        r"meurtre|homicide|assassinat|homicidio|asesinato|femicidio|feminicidio|"
        + ar("القتل", "قتل"),
        marks=r"\bkill(ed|ing|s)?\b|shot (dead|and killed)|(stabbed|beat(en)?|strangled) .{0,30}to death|"
              r"\btu[ée]e?s?\b|\btuant\b|abattu|\bmat[óo]\b|\bmataron\b|asesin[óo]|" + ar("قتل", "[أا]ردى"),
    ),
    _kind(
        "assault", "assault bodily_harm grievous_bodily_harm",
        r"assault|bodily harm|wounding|battery",
        r"assault|attack|beat|injur|wound|\bhit\b|struck|punch|kick|stabb|harm|broke .{0,20}(jaw|nose|arm|leg|"
        r"rib|bone)|fractur|bruis|violen|knife|slap|hurt"
        r"|frapp|bless|agress|coups?|violen|fractur|golpe|golpe[óo]|herid|lesion|agredi|fractur|"
        + ar("ضرب", "اعتدى", "جرح", "[أا]صاب", "عنف", "كسر"),
        r"coups et blessures|violences volontaires|lesiones|agresi[óo]n|"
        + ar("الضرب", "الإيذاء", "الايذاء", "الاعتداء"),
    ),
    _kind(
        "sexual_offence", "rape sexual_assault sexual_abuse child_sexual_abuse",
        r"rape|sexual|indecent assault|molest",
        r"rape|raping|sexual|molest|abuse|indecent"
        r"|\bviol[ée]?e?\b|sexuel|abus|violaci|viol[óo]|sexual|abus[óo]|"
        + ar("اغتصب", "جنسي", "تحرش", "هتك"),
        r"\bviol\b|agression sexuelle|atteinte sexuelle|abus sexuel|violaci[óo]n|abuso sexual|"
        r"agresi[óo]n sexual|"
        + ar("اغتصاب", "هتك العرض", "التحرش", "الاعتداء الجنسي"),
    ),
    _kind(
        "kidnapping", "kidnapping abduction hostage_taking",
        r"kidnap|abduct|hostage|false imprisonment|unlawful detention",
        r"kidnap|abduct|hostage|ransom|seiz|confin|held .{0,30}against|detain|forced .{0,20}into"
        r"|enlev|s[ée]questr|otage|ran[çc]on|s[ée]quest|secuestr|rapt|rescate|reh[ée]n|retuv|privad|"
        + ar("خطف", "اختطف", "احتجز", "فدية", "رهين"),
        r"enl[èe]vement|s[ée]questration|prise d'otage|secuestro|privaci[óo]n (ilegal )?de (la )?libertad|"
        r"rapto|"
        + ar("خطف", "اختطاف", "احتجاز", "حجز"),
    ),
    _kind(
        "human_trafficking", "human_trafficking trafficking_in_persons migrant_smuggling",
        r"trafficking in (human beings|persons)|human trafficking|migrant smuggling|smuggling of migrants|"
        r"forced labour",
        r"traffick|exploit|recruit|victim|smuggl|forced|brothel|transport"
        r"|exploit|recrut|victime|prostitu|travail forc|transport|explot|capt[óo]|reclut|v[íi]ctima|traslad|"
        r"trabajo forzoso|oblig|"
        + ar("استغل", "استغلال", "جند", "ضحايا", "نقل", "[أا]جبر", "[أا]رغم", "استدرج"),
        r"traite (des [êe]tres humains|de personnes)|trafic de migrants|trata de personas|"
        r"tr[áa]fico de (migrantes|personas)|"
        + ar("الاتجار بالبشر", "الاتجار بال[أا]شخاص", "تهريب المهاجرين"),
    ),
    _kind(
        "terrorism", "terrorism terrorist_financing",
        r"terror",
        r"terror|bomb|attack|explos|financ|recruit|train|join|fought|fight|isis|isil|daesh|al.?qa[ei]da|jihad|"
        r"armed group|plot|plann|propaganda"
        r"|terroris|attentat|bombe|explos|financ|recrut|entra[îi]n|rejoin|combatt|complot|propagande|atentado|"
        r"bomba|financi|reclut|entren|uni[óo]|combati|grupo armado|"
        + ar("إرهاب", "ارهاب", "تفجير", "متفجرات", "تمويل", "جند", "تدريب", "انضم", "الانضمام", "جماعة مسلحة",
             "تنظيم", "داعش", "القاعدة"),
        r"terroris|"
        + ar("إرهاب", "ارهاب", "الإرهاب", "الارهاب"),
        marks=r"\bisis\b|\bisil\b|daesh|al.?qa[ei]da|suicide (bomb|attack)|attentat|atentado|"
              + ar("داعش", "تفجير"),
    ),
    _kind(
        "corruption", "corruption bribery",
        r"brib|corrupt|kickback|abuse of (office|power)",
        r"brib|corrupt|kickback|official|officer|abus|favou?r|contract|paid|\bpay|gave|gift|in exchange|in return|"
        r"permit|licen[cs]e|tender|mayor|minister|judge|customs"
        r"|corromp|pot-de-vin|pots-de-vin|fonctionnaire|march[ée]s? public|contrat|avantage|soborn|coim|"
        r"d[áa]diva|funcionari|contrat|licitaci|adjudic|a cambio|"
        + ar("رشوة", "رشا", "موظف", "عقد", "مناقصة", "مقابل", "تلقى", "منفعة"),
        r"corruption|trafic d'influence|concussion|cohecho|soborno|corrupci[óo]n|tr[áa]fico de influencias|"
        + ar("رشوة", "الرشوة", "فساد", "الفساد", "استغلال النفوذ"),
        marks=r"pots?-de-vin|corromp|soborn|coima|" + ar("رشا", "رشوة"),
    ),
    _kind(
        "cybercrime", "cybercrime computer_crime",
        r"hack|computer|cyber|unauthori[sz]ed access|malware|ransomware|phishing",
        r"hack|malware|ransomware|computer|online|phishing|server|network|system|data"
        r"|pirat|informatique|en ligne|courriel|serveur|r[ée]seau|donn[ée]es|logiciel|hame[çc]onn|internet|"
        r"inform[áa]tic|en l[íi]nea|correo|servidor|\bred(es)?\b|datos|ciber|"
        + ar("اختراق", "قرصنة", "إلكتروني", "الكتروني", "حاسوب", "بيانات", "خادم", "الإنترنت", "الانترنت"),
        r"informatique|syst[èe]me de traitement automatis[ée]|piratage|hame[çc]onnage|inform[áa]tic|ciber|"
        r"acceso (abusivo|il[íi]cito|ilegal)|"
        + ar("جرائم المعلوماتية", "الجرائم الإلكترونية", "الجرائم الالكترونية", "اختراق", "القرصنة"),
    ),
    _kind(
        "defamation", "defamation insult",
        r"defam|insult|slander|libel",
        r"insult|defam|slander|libel|honou?r|reputation|publish|post|wrote|said|called"
        r"|injur|diffam|calomni|honneur|r[ée]putation|publi|post|[ée]crit|trait[ée] de|difam|calumni|honor|"
        r"reputaci|public|escrib|llam[óo]|"
        + ar("قذف", "سب", "شتم", "تشهير", "شرف", "سمعة", "نشر", "كتب", "وصف"),
        r"diffamation|injure|calomni|difamaci|injuria|calumnia|"
        + ar("القذف", "السب", "الشتم", "التشهير"),
        marks=r"critici[sz]|critiqu|critic[aóo]|\bmock(ed|ing)\b|ridicul|satiri|" + ar("انتقد", "سخر"),
    ),
    _kind(
        "tax_offence", "tax_evasion tax_fraud",
        r"\btax",
        r"\btax|return|income|vat\b|revenue|declar|undeclared|evad"
        r"|imp[ôo]t|fiscal|tva|revenu|d[ée]clar|impuesto|tributari|\biva\b|ingresos|"
        + ar("ضريب", "دخل", "[أا]قرار", "تصريح"),
        r"fraude fiscale|[ée]vasion fiscale|\bimp[ôo]t|defraudaci[óo]n (fiscal|tributaria)|evasi[óo]n (fiscal|"
        r"tributaria)|delito fiscal|"
        + ar("التهرب الضريبي", "ضريب"),
        marks=r"\bvat\b|\btva\b|impuesto|tributari",
    ),
    _kind(
        "military_absence", "desertion military absence_without_leave draft_evasion",
        r"desert|absen\w* without (official )?leave|awol|draft evasion|evasion of (military|conscript)|"
        r"(evad|avoid)\w* (the )?(military service|conscription|draft|call.?up|mobili[sz]ation)",
        r"desert|without (official )?leave|awol|left (his|her|their|the) (unit|post|regiment|barracks|ship|base|"
        r"garrison|battalion|company)|failed to (return|report)|did not (return|report)|abandon|absent|evad|"
        r"avoid|conscript|call.?up|mobili[sz]ation|military service"
        r"|d[ée]sert|sans permission|quitt[ée] (son|sa) (unit[ée]|poste|r[ée]giment|caserne)|abandonn|"
        r"service militaire|deserci|desert|sin permiso|abandon[óo]|no regres[óo]|servicio militar|"
        + ar("فر", "فرار", "هرب", "غادر", "وحدته", "ترك", "تخلف", "التجنيد", "الخدمة العسكرية"),
        r"d[ée]sertion|insoumission|deserci[óo]n|servicio militar|"
        + ar("الفرار من الخدمة", "فرار من الخدمة", "التهرب من (الخدمة|التجنيد)", "الفرار من الجيش"),
    ),
)
KINDS_BY_CATEGORY: dict[str, OffenceKind] = {c: kind for kind in OFFENCE_KINDS for c in kind.categories}

FAMILIES: dict[str, frozenset[str]] = {
    "homicide": frozenset({"violence"}),  # ICCS 01
    "assault": frozenset({"violence"}),  # 0201
    "kidnapping": frozenset({"violence", "exploitation"}),  # 0202
    "sexual_offence": frozenset({"violence", "exploitation"}),  # 03
    "robbery": frozenset({"violence", "property"}),  # 04: property taken by violence or threat
    "theft": frozenset({"property"}),  # 05
    "terrorism": frozenset({"violence", "security"}),  # 0906: its acts are violent ones
    "human_trafficking": frozenset({"exploitation", "smuggling"}),  # 0204, 08051
    "drug_trafficking": frozenset({"drugs", "smuggling"}),  # 0601
    "fraud": frozenset({"deception", "property"}),  # 07: obtaining property by deceit, embezzlement
    "corruption": frozenset({"deception"}),  # 0703
    "tax_offence": frozenset({"deception"}),  # 0804, told as a fraud on the revenue
    "cybercrime": frozenset({"deception", "property"}),  # computer fraud, data theft, extortion by ransomware
    "money_laundering": frozenset({"deception"}),  # 0704
    "defamation": frozenset({"expression"}),  # 0209, 0803
    "military_absence": frozenset({"military"}),
}
"""The families of conduct each offence kind belongs to, after the sections of the ICCS (01-04 acts
against the person, 04-05 property, 06 drugs, 07 fraud, deception and corruption...). Facts of a kind of
the same family as the charge are consistent with it (an attempted murder told as shots fired during a
robbery, a wire fraud told as a ransomware extortion). Money laundering is of the family of every
offence that yields proceeds: facts telling only the predicate offence (bribes received, drugs sold) are
the usual case, not a contradiction (the converse does not hold: ``PROCEEDS_OF``)."""

PROCEEDS_OF: dict[str, frozenset[str]] = {
    "money_laundering": frozenset({"deception", "property", "drugs", "smuggling", "exploitation", "security"}),
}
"""The families of the offences whose proceeds a charge of the kind deals with: laundering told by its
predicate offence is consistent, a kidnapping told as laundering is not."""


def akin(charged: OffenceKind, described: OffenceKind) -> bool:
    """Whether facts describing ``described`` are consistent with a charge of ``charged``: the same kind,
    a kind of the same family, or (for laundering) an offence yielding the proceeds it deals with."""
    families = FAMILIES.get(charged.name, frozenset()) | PROCEEDS_OF.get(charged.name, frozenset())
    return charged.name == described.name or bool(families & FAMILIES.get(described.name, frozenset()))

# --- the summary of facts of substance (judicial.facts_substance) ---------------------------------

MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
MONTHS_FR = r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre"
MONTHS_ES = r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre"
MONTHS_AR = (
    r"يناير|فبراير|مارس|[أاإ]بريل|مايو|يونيو|يوليو|[أا]غسطس|سبتمبر|[أا]كتوبر|نوفمبر|ديسمبر|"  # Egypt, the Gulf
    r"كانون|شباط|[آا]ذار|نيسان|[أا]يار|حزيران|تموز|[أا]يلول|تشرين|"  # the Levant, Iraq (not آب: also 'father')
    r"جانفي|فيفري|[أا]فريل|جوان|جويلية|[أا]وت"  # the Maghreb
)
FACTS_TIME = re.compile(
    rf"(?<!\d)(1[89]|20)\d{{2}}(?!\d)|(?<![٠-٩])[١٢][٠-٩]{{3}}(?![٠-٩])|"
    rf"\b({MONTHS}|{MONTHS_FR}|{MONTHS_ES})\b|(?<!\w)[وفب]?({MONTHS_AR})(?!\w)|"
    r"\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b(between|entre)\b.{1,60}\b(and|et|y)\b|(?<!\w)بين .{1,60}(?<!\w)و|"
    r"\b(yesterday|last (week|month|year)|(early|late|mid)[- ](\d|spring|summer|autumn|winter))|"
    r"\bhier\b|(la semaine|le mois|l'ann[ée]e) derni[eè]re?|\bayer\b|(la semana|el mes|el año) pasad[oa]|"
    r"(?<!\w)[أا]مس(?!\w)"
)
"""A date, month, year or period, in any of the four languages (matched on the lower-cased text)."""
_PLACE_BEFORE_NAME = re.compile(
    r"(?<!\w)(?i:in|at|near|from|to|outside|around|across|throughout|into|within|of"  # English
    r"|reached|left|entered|crossed|fled"  # English verbs whose object is a place ("left Rote Island")
    r"|à|au|aux|en|dans|depuis|près d[eu'’]|près des|vers|devant|de|du|des"  # French ("en", "de" are Spanish too)
    r"|a|desde|cerca de|cerca del|hacia|junto a|junto al|del)"  # Spanish
    r"\s+(?:(?i:the|le|la|les|el|los|las)\s+|(?i:l|d)['’])?(\w[\w'’-]*)"
)
"""Matched against the summary as written: a preposition, then a name with a capital ("in Lyon", "à Lyon",
"en la Ciudad de México", "from İzmir")."""
FACTS_PLACE = re.compile(
    r"\bonline\b|on the internet|on social media|\b(in|at|near|outside) (the |a |an |his |her |their )?"
    r"(port|city|town|village|province|region|district|capital|border|airport|harbou?r|shop|store|bank|branch|"
    r"office|home|house|flat|apartment|premises|street|market|hotel|restaurant|bar|club|prison|camp|barracks|"
    r"unit|base|station|hospital|school)\b|"
    r"\b(en ligne|sur (internet|les r[ée]seaux sociaux))|(?<!\w)(à|au|aux|dans|en|près d[eu']|devant) "
    r"(l'|la |le |les |un |une |son |sa |ses |leur )?(port|ville|village|commune|province|r[ée]gion|district|"
    r"capitale|fronti[eè]re|a[ée]roport|magasin|boutique|banque|agence|bureau|domicile|maison|appartement|"
    r"locaux|rue|march[ée]|h[ôo]tel|restaurant|prison|camp|caserne|gare|h[ôo]pital|[ée]cole|quartier)\b|"
    r"\b(por internet|en l[íi]nea|en (las )?redes sociales)|\b(en|a|cerca de) (el |la |los |las |un |una |su |sus )?"
    r"(puerto|ciudad|pueblo|municipio|provincia|regi[óo]n|departamento|distrito|capital|frontera|aeropuerto|"
    r"tienda|banco|sucursal|oficina|domicilio|casa|vivienda|departamento|calle|mercado|hotel|restaurante|"
    r"c[áa]rcel|prisi[óo]n|cuartel|estaci[óo]n|hospital|escuela|barrio)\b"
)
"""Matched against the lower-cased summary: the internet, or a kind of place ("at the port", "au domicile",
"en el puerto")."""
_PLACE_NOUNS_AR = (
    r"مدينة|محافظة|ولاية|منطقة|مقاطعة|إقليم|اقليم|قرية|حي|ميناء|مطار|العاصمة|عاصمة|الحدود|سوق|متجر|بنك|مصرف|"
    r"شاطئ|ساحل|معبر|منفذ|جزيرة|صحراء|طريق|"
    r"منزل|شقة|مكتب|فندق|مطعم|سجن|معسكر|ثكنة|محطة|مستشفى|مدرسة|شارع"
)
_NOT_PLACES_AR = frozenset({
    "ليلة", "يوم", "صباح", "مساء", "ساعة", "شهر", "سنة", "عام", "الفترة", "فترة", "تاريخ", "وقت", "أثناء", "اثناء",
    "خلال", "حين", "إطار", "اطار", "حق", "مجال", "قضية", "القضية", "جريمة", "جرائم", "عملية", "ذلك", "هذا", "هذه",
    "حوالي", "نحو", "منتصف", "أواخر", "اواخر", "أوائل", "اوائل", "بداية", "نهاية", "مطلع", "الماضي", "السابق", "العام",
    "الشهر", "اليوم", "الليلة", "الصباح", "المساء", "الوقت", "حينه", "وقته",
})
_AR_AFTER_FI = re.compile(r"(?<!\w)في\s+(?:مدينة\s+|محافظة\s+)?([^\W\d]\w*)")
_AR_PLACE_NOUN = re.compile(ar(_PLACE_NOUNS_AR) + r"(?!\w)")
_AR_AFTER_DATE = re.compile(rf"(?:\d|{MONTHS_AR})\s*،?\s+(ب[^\W\d]\w+)")
_AR_MONTH_WORD = re.compile(rf"^[وفب]?({MONTHS_AR})$")
_CASED_NOT_PLACES = frozenset({
    "The", "A", "An", "His", "Her", "Their", "Its", "This", "That", "These", "Those", "Which", "Whom", "Who",
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Article", "Art",
    "Section", "Code", "Criminal", "Penal", "EUR", "USD", "GBP",
    # French and Spanish: articles, determiners and words that start a clause or cite a law
    "Le", "La", "Les", "L", "Un", "Une", "Son", "Sa", "Ses", "Leur", "Leurs", "Ce", "Cet", "Cette", "Ces", "Il",
    "Elle", "Ils", "Elles", "El", "Los", "Las", "Uno", "Una", "Su", "Sus", "Este", "Esta", "Estos", "Estas", "Ese",
    "Esa", "Él", "Ella", "Ellos", "Artículo", "Articulo", "Código", "Codigo", "Loi", "Ley", "Décret",
    "Decreto", "Janvier", "Février", "Mars", "Avril", "Mai", "Juin", "Juillet", "Août", "Septembre", "Octobre",
    "Novembre", "Décembre", "Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto", "Septiembre",
    "Octubre", "Noviembre", "Diciembre",
})


def names_a_place(text: str) -> str | None:
    """A place the summary names, as written, or None. A name is a word with a capital of any alphabet
    ('İzmir', 'Évry'); in Arabic, which has none, the word after في, a place noun (مدينة, محافظة...), or
    the ب-word right after a date ('في 10 يناير 2025 بنواكشوط')."""
    text = plain(text)
    for found in _PLACE_BEFORE_NAME.finditer(text):
        name = found.group(1)
        if not name[0].isupper():
            continue
        if name not in _CASED_NOT_PLACES and not name.isupper():
            return found.group(0)
        if name.isupper() and len(name) == 2:  # "in FR": a country code
            return found.group(0)
    hit = FACTS_PLACE.search(text.lower()) or _AR_PLACE_NOUN.search(text)
    if hit:
        return hit.group(0)
    after_date = _AR_AFTER_DATE.search(text)
    if after_date:
        return after_date.group(1)
    for found in _AR_AFTER_FI.finditer(text):
        if found.group(1) not in _NOT_PLACES_AR and not _AR_MONTH_WORD.match(found.group(1)):
            return found.group(0)
    return None


GENERIC_VERBS = frozenset({
    "committed", "perpetrated", "accused", "charged", "suspected", "alleged", "allegedly", "involved", "wanted",
    "engaged", "convicted", "sentenced", "related", "concerned", "named", "listed", "mentioned", "based", "called",
    "regarded", "considered", "deemed", "found", "guilty", "registered", "recorded", "reported", "indicted",
    "prosecuted", "investigated", "identified", "organised", "organized", "aggravated", "qualified", "attempted",
    "premeditated", "armed", "unfunded", "unauthorised", "unauthorized", "hundred", "indeed", "need", "speed",
    "seed", "bed", "red", "shed", "feed", "greed", "deed", "creed", "breed", "united",
})
"""Words ending in -ed that say what the subject is accused of, not what they did."""
TRANSITIVE_GENERIC = frozenset({"organised", "organized", "armed", "recorded", "registered", "engaged"})
"""Of those, the ones that are acts when an object follows ('organised the shipment', not 'organised fraud')."""
_OBJECT_AFTER = re.compile(r"\s+(the|a|an|his|her|their|its|several|dozens|hundreds|\d+)\b")
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

_FR_AUXILIARY = re.compile(
    r"(?<!\w)(?:a|ont|avait|avaient|aurait|auraient|aura|auront|eut|est|sont|était|étaient|serait|seraient)"
    r"((?:\s+[\w'’-]+){1,2})"
)
"""French compound tenses: an auxiliary, then (after at most one adverb) the past participle ('a tué',
'ont grièvement blessé', 'aurait jeté')."""
_FR_PARTICIPLE = re.compile(r"^\w{2,}(é|ée|és|ées|i|ie|is|ies|it|ite|u|ue|us|ert|erte|int|ainte|ait)$")
FR_GENERIC = frozenset({
    "commis", "commise", "commises", "perpétré", "perpétrée", "été", "eu", "accusé", "accusée", "accusés", "inculpé",
    "inculpée", "poursuivi", "poursuivie", "poursuivis", "condamné", "condamnée", "condamnés", "recherché",
    "recherchée", "soupçonné", "soupçonnée", "impliqué", "impliquée", "mis", "mise", "reconnu", "reconnue",
    "déclaré", "déclarée", "présumé", "présumée", "prévenu", "prévenue", "visé", "visée", "cité", "citée",
    "jugé", "jugée", "identifié", "identifiée", "fait", "dit", "ni", "qui", "lui", "aussi", "ainsi", "depuis", "parmi",
    "ici", "celui", "autrui", "plus", "jamais",
    # English nouns after the article "a" that look like French participles
    "credit", "deposit", "profit", "visit", "bonus", "virus", "crisis", "basis", "taxi", "menu", "circuit", "unit",
    "permit", "limit", "habit", "bandit", "summit", "audit", "status", "campus", "census", "focus", "genius",
})
"""Participles (and look-alikes) that say what the subject is accused of, not what they did."""
_FR_CAUSATIVE = re.compile(r"(?<!\w)(?:a|ont|avait|avaient)\s+fait\s+(\w{3,}(?:er|ir|re))(?!\w)")
"""'a fait venir', 'ont fait passer': the subject had something done (an act, where 'a fait' alone is not)."""
_FR_IMPERFECT = re.compile(
    r"(?<!\w)(?:il|elle|ils|elles|qu'il|qu'elle|qu'ils|qu'elles)\s+(?:les?\s+|la\s+|l'|leur\s+|y\s+|en\s+)?"
    r"(\w{3,}(?:ait|aient))(?!\w)"
)
"""'qu'il revendait', 'elle les transportait': the imperfect of a habitual act."""
FR_NOT_ACTS = frozenset({
    "était", "étaient", "avait", "avaient", "aurait", "auraient", "serait", "seraient", "devait", "devaient",
    "pouvait", "pouvaient", "semblait", "paraissait", "faisait", "faisaient",
})
_ES_PRETERITE = re.compile(r"(?<!\w)(\w{2,}(?:ó|aron|ieron))(?!\w)")
_ES_PERFECT = re.compile(r"(?<!\w)(?:ha|han|había|habían|habría|habrían|hubo)\s+(\w{2,}(?:ado|[ií]do|to|cho))(?!\w)")
ES_GENERIC = frozenset({
    "cometió", "cometieron", "cometido", "perpetró", "perpetraron", "perpetrado", "incurrió", "incurrieron",
    "incurrido", "resultó", "resultaron", "participado", "sido", "estado", "tenido", "acusado", "imputado",
    "procesado", "condenado", "sentenciado", "investigado", "denunciado", "señalado", "buscado", "vinculado",
    "implicado", "identificado", "hecho", "dicho",
})
"""Spanish verbs that say what the subject is accused of, not what they did."""
_ES_IRREGULAR = re.compile(r"(?<!\w)\w*(trajo|trajeron|dujo|dujeron|puso|pusieron|hizo|hicieron|tuvo|tuvieron|"
                           r"quiso|anduvo)(?!\w)")
"""Irregular Spanish preterites of acting ('sustrajo', 'condujo', 'retuvo')."""
_FOUND_ON_HIM = re.compile(r"\bfound .{0,60}\b(in|on|inside) (the subject's|his|her)\b")
"""Possession told as what was found on the subject or in their room."""
_AR_VERBS = (
    r"قتل|طعن|ضرب|[أا]طلق|ذبح|خنق|سمم|اعتدى|اعتدت|هاجم|سرق|سلب|نهب|اختلس|استولى|استولت|اغتصب|تحرش|اختطف|خطف|احتجز|"
    r"هدد|ابتز|احتال|تحايل|[أا]قنع|وعد|[أا]وهم|خدع|زور|باع|اشترى|اشترت|نقل|هرب|فر|غادر|سافر|[أا]ودع|سحب|دفع|تلقى|"
    r"تلقت|قبض|استلم|[أا]خفى|[أا]خفت|نشر|كتب|[أا]دلى|[أا]دلت|دعا|دعت|حرض|حرر|[أا]صدر|[أا]قام|استدرج|غسل|صنع|زرع|"
    r"استورد|قاد|ترأس|جند|فجر|[أا]حرق|[أا]تلف|ترك|تخلى|تخلت|رفض|[أا]رسل|استخدم|انتحل|خزن|هرّب|"
    r"شارك|[أا]سس|نظم|وزع|روج|[أا]دار|تاجر|سافر|دخل|[أا]خرج|[أا]دخل|استغل|[أا]جبر|[أا]رغم|تناول|امتنع|سطا|"
    r"استولوا|استولت|اعتدوا|سرقوا|هربوا|قتلوا|خطفوا"
)
_AR_CONDUCT = re.compile(
    rf"(?<!\w)(?:[وف])?({_AR_VERBS})(?:ت|وا|ا|ه|ها|هم|هما|هن|ته|تها|تهم)?(?!\w)"
)
"""Arabic verbs of acting in the past tense ('قتل', 'نشرت', 'واستولى', 'استدرجها')."""
_AR_UNDERTOOK = re.compile(r"(?<!\w)[وف]?قام(?:ت|وا)?(?:\s+\S+){0,3}?\s+ب(?!ارتكاب)(\w{3,})")
"""'قام المعني بقتل...': undertook, then what (not 'بارتكاب', committing)."""
_AR_NOUN_BEFORE = re.compile(r"(?:جريمة|جرائم|تهمة|بتهمة|جناية|جنحة|قضية)\s*$")
"""'جريمة قتل' is the name of an offence (a crime of killing), not an act."""


_AR_VERB_BEFORE_SUBJECT = re.compile(r"(?<!\w)([^\W\d]{3,})\s+(?:ال)?(?:مطلوب|معني|متهم|مشتبه)(?:ة|ه)?(?!\w)")
"""Arabic tells facts verb first: the word right before 'the wanted person' / 'the accused' is what they did
('استقبلت المطلوبة', 'أطلق المطلوب')."""
AR_NOT_ACTS = frozenset({
    "ارتكب", "ارتكبت", "اقترف", "اقترفت", "كان", "كانت", "يعد", "تعد", "يعتبر", "تعتبر", "اتهم", "اتهمت",
    "يتهم", "تتهم", "يشتبه", "قام", "قامت", "أن", "ان", "إن", "بأن", "وأن", "فإن", "لأن", "كما", "حيث", "لكن",
    "ولكن", "وكان", "وكانت", "يكون", "تكون", "ثبت", "تبين", "أدين", "ادين", "أدينت", "ادينت", "حوكم", "حوكمت",
    "اعتقل", "اعتقلت", "يلاحق", "تلاحق",
})
"""Words before the subject that tell no act: committing, being, being accused or tried, and particles."""


def describes_conduct(text: str) -> str | None:
    """A word of the summary that tells what the subject did, or None ('committed fraud', 'a commis une
    fraude', 'cometió un fraude', 'ارتكب جريمة' tell nothing)."""
    lower = plain(text).lower()
    for found in _ED_WORD.finditer(lower):
        word = found.group(1)
        if word not in GENERIC_VERBS and not word.endswith("eed"):
            return word
        obj = _OBJECT_AFTER.match(lower, found.end()) if word in TRANSITIVE_GENERIC else None
        if obj is not None:
            return f"{word}{obj.group(0)}"
    hit = IRREGULAR_CONDUCT.search(lower) or _ING_ACT.search(lower)
    if hit:
        return hit.group(0)
    french = _FR_CAUSATIVE.search(lower) or _FR_IMPERFECT.search(lower)
    if french and french.group(1) not in FR_NOT_ACTS:
        return french.group(0)
    for found in _FR_AUXILIARY.finditer(lower):
        auxiliary = found.group(0).split()[0]
        for word in found.group(1).split():
            if _FR_PARTICIPLE.match(word) and word not in FR_GENERIC:
                return f"{auxiliary} {word}"
    irregular = _ES_IRREGULAR.search(lower) or _FOUND_ON_HIM.search(lower)
    if irregular:
        return irregular.group(0)
    for pattern in (_ES_PRETERITE, _ES_PERFECT):
        for found in pattern.finditer(lower):
            if found.group(1) not in ES_GENERIC:
                return found.group(0)
    for found in _AR_CONDUCT.finditer(lower):
        if not _AR_NOUN_BEFORE.search(lower[:found.start()]):
            return found.group(0)
    undertook = _AR_UNDERTOOK.search(lower)
    if undertook:
        return undertook.group(0)
    for found in _AR_VERB_BEFORE_SUBJECT.finditer(lower):
        verb = found.group(1)
        if re.match(r"[وفبل]?ال", verb):  # a word with the article is a noun ('المعني متهم'), never a verb
            continue
        if verb not in AR_NOT_ACTS and verb.lstrip("وف") not in AR_NOT_ACTS:
            return found.group(0)
    return None


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
    r"non.?traditional sexual (relations|orientation)|sexual (perversion|deviance)|debauchery|"
    r"\bsodom|m[êe]me sexe|contre nature|mismo sexo|contra natura|"
    r"" + ar(r"لواط", r"مثلي", r"المثلية", r"الشذوذ الجنسي", r"اللواط")
)
RELIGIOUS_INSULT = (
    r"(derogatory|defil\w*|desecrat\w*|disrespect\w*|insult\w*|outrag\w*|remarks?|mock\w*) .{0,40}"
    r"(holy prophet|\bprophet|religio|quran|koran|holy book|sacred|deity)|religious (feelings|sentiments)|"
    r"sentiments religieux|(outrage|injure|offense)s? .{0,20}(proph[èe]te|coran)|"
    r"sentimientos religiosos|(ultraje|ofensa|injuria)s? .{0,20}(profeta|cor[áa]n)"
)
"""Insulting a religion, its prophet or scripture: blasphemy by another name (Pakistan's 'derogatory remarks
in respect of the Holy Prophet', 'wounding religious feelings')."""

BEHAVIOUR_WORDS = re.compile(
    r"defam|insult|slander|libel|adulter|extra.?marital|fornicat|\bzina\b|illicit (sexual )?relations|"
    r"cohabitation outside marriage|blasphem|apostas|" + RELIGIOUS_INSULT + r"|(?<!non-)(?<!non )consensual|"
    r"(personal|own) (drug )?use|drug use|consumption of (drugs|narcotics|cannabis)|public morals|"
    r"indecen(t|cy)(?! (assault|exposure to (a )?(child|minor)))|dress code|prostitut|solicit\w* (for|in) "
    r"(prostitution|sex)|pornograph|surroga|witchcraft|sorcer|black magic|practi[cs]\w* (of )?magic|"
    r"alcohol|drinking (of )?(wine|beer|liquor)|possession of (liquor|wine|beer)|"
    # French
    r"diffamation|injure|calomni|adult[èe]re|relations? (sexuelles? )?hors (du )?mariage|blasph[èe]m|apostasie|"
    r"sorcell|magie noire|pratiques? (de (la )?)?magie|divination|charlatanisme|prostitu|racolage|pornogra|"
    r"gestation pour autrui|maternit[ée] de substitution|alcool|ivresse|"
    r"(usage|consommation) (personnel(le)? )?(de |d')(stup[ée]fiants|drogues?|cannabis)|bonnes m[œo]eurs|"
    r"outrage (public )?[àa] la pudeur|"
    # Spanish
    r"difamaci|injuria|calumnia|adulterio|relaciones (sexuales )?extramatrimoniales|blasfemi|apostas[íi]a|"
    r"brujer[íi]a|hechicer[íi]a|magia negra|gestaci[óo]n subrogada|vientre de alquiler|"
    r"consumo (personal )?de (drogas|estupefacientes|cannabis|marihuana|alcohol)|moral p[úu]blica|"
    r"ultraje (p[úu]blico )?al pudor|"
    # Arabic
    + ar(r"قذف", r"سب ", r"شتم", r"تشهير", r"زنا(?!د)", r"علاقة (جنسية )?(غير شرعية|رضائية|خارج (إطار|اطار) الزواج)",
         r"ردة", r"ازدراء ال[أا]ديان", r"ازدراء الدين", r"الاستهزاء بالدين", r"الإساءة (إلى|ل)(ل)?(دين|[أا]ديان)",
         r"تجديف", r"سحر", r"شعوذة", r"دعارة", r"بغاء", r"مواد إباحية", r"شرب الخمر", r"خمور", r"مسكرات",
         r"تعاطي (ال)?مخدرات", r"الآداب العامة", r"الفعل الفاضح", r"الفجور")
    + "|" + SAME_SEX.pattern
)
BEHAVIOUR_UNLESS = re.compile(
    r"child|minor|juvenile|underage|non.?consensual|forc|coerc|exploit|traffick|procur|pimp|rape|violen|"
    r"assault|attack|bashing|beat|harm|injur(y|ies|ed|ing)\b|kill|murder|death|smuggl|counterfeit|methanol|poison|"
    r"excise|"
    r"revenge|without (her |his |their )?consent|extort|blackmail|"
    r"drunk driving|driving|vehicle|sale of (a |an )?(child|baby|infant)|"
    r"enfant|mineur|ni[ñn][oa]s?\b|menor|forz|contrainte|coerci|coacci|proxén[eè]t|proxenet|explot|trata\b|traite\b|"
    r"\bviol\b|violaci[óo]n|meurtre|asesinat|homicid|conduite|conducci[óo]n|v[ée]hicule|veh[íi]culo|"
    r"sans (son |leur )?consentement|sin (su )?consentimiento|"
    + ar(r"طفل", r"أطفال", r"اطفال", r"قاصر", r"إكراه", r"اكراه", r"بالقوة", r"اغتصاب", r"استغلال", r"اتجار",
         r"قوادة", r"قتل", r"عنف")
)
"""In the same charge, these make a morality offence a serious one (forced prostitution, child
pornography, sodomy of a minor, drink-driving): not a behavioural-norms exclusion."""

FAMILY_CATEGORIES = frozenset({
    "family", "family_matter", "child_custody", "custody", "parental_abduction", "child_maintenance",
    "maintenance", "alimony", "abandonment_of_family",
})
FAMILY_WORDS = re.compile(
    r"custody|alimony|child maintenance|non-payment of maintenance|maintenance payments|abandonment of (the )?family|"
    r"parental (child )?(abduction|kidnapping)|family dispute|divorce|custody order|"
    r"non.?repr[ée]sentation d'enfant|soustraction d'enfant|enfant par (un )?ascendant|abandon de famille|"
    r"pension alimentaire|sustracci[óo]n de menores|custodia|inasistencia alimentaria|pensi[óo]n alimenticia|"
    + ar(r"المحضون", r"حضانة", r"الحضانة", r"النفقة", r"نفقة")
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
    r"default(ing)? on (a |the )?(commercial |business )?(loan|debt)|"
    # French
    r"(l[ée]gislation|r[ée]glementation|contr[ôo]le|r[ée]gime) (\w+ )?des changes|infraction de change|"
    r"infraction administrative|s[ée]jour irr[ée]gulier|rupture (abusive )?de contrat|inex[ée]cution (du |de |"
    r"d'un )?contrat|"
    r"(dette|cr[ée]ance|facture)s? (commerciale?s? )?impay[ée]e?s?|non.?(paiement|remboursement) (d'une |de la |des? )?"
    r"(dette|pr[êe]t|facture|cr[ée]ance)|"
    # Spanish
    r"control (de )?cambi|r[ée]gimen (penal )?cambiario|(infracci[óo]n|delito|il[íi]cito) cambiari|"
    r"infracci[óo]n administrativa|"
    r"estancia irregular|incumplimiento (de|del) contrato|(deuda|factura)s? (comercial(es)? )?(impaga|pendiente|"
    r"no pagada)s?|"
    r"impago (de|del) (una |la )?(deuda|pr[ée]stamo|factura)|falta de pago|"
    # Arabic
    + ar(r"مخالفة (التشريع|القانون|التنظيم|قانون)[^،.]{0,40}(الصرف|النقد الأجنبي|النقد الاجنبي)",
         r"(قانون|تنظيم|رقابة|أنظمة|انظمة) (ال)?(صرف|النقد الأجنبي|النقد الاجنبي)", r"مخالفة إدارية", r"مخالفة ادارية",
         r"الإخلال بالعقد", r"الاخلال بالعقد", r"عدم سداد (ال)?(دين|قرض|فاتورة)", r"دين تجاري")
)
DEBT_FACTS = re.compile(
    r"(failed|fails|did not|refused|unable) to (re)?pay|(has|have|had) not (re)?paid|failed to (deliver|refund)|"
    r"(unpaid|outstanding) (commercial |business |supplier |trade )?"
    r"(debt|loan|invoice|bill|balance)|non.?(re)?payment of|defaulted on|owe[sd]? .{0,60}\b(debt|loan|supplier|"
    r"creditor|partner)|"
    r"n'a (pas|jamais) (rem)?(bours|pay)[ée]|impay[ée]|no (pag[óo]|devolvi[óo]|ha pagado|reembols[óo])|impago|"
    + ar(r"لم (يسدد|يدفع|تسدد|تدفع)", r"امتنع عن (السداد|الدفع)", r"عدم (السداد|الدفع)")
)
"""Facts of a private debt: charged as a crime, it is a private dispute unless deceit is shown (read only
when no charge is of a known kind other than fraud, and no violence is described)."""
ADMIN_UNLESS = re.compile(
    r"death|died|injur(y|ies|ed|ing)\b|kill|endanger|explos|poison|\bmorte?s?\b|mortel|d[ée]c[eè]s|bless|muerte|"
    r"muri[óo]|fallec|herid|lesion|"
    r"envenen|empoison|" + ar(r"وفاة", r"قتل", r"إصابة", r"اصابة", r"تسمم", r"انفجار")
)
"""In the same charge, these make a breach of regulations more than administrative (a breach of safety
regulations causing death)."""
DECEIT = re.compile(
    r"deceiv|decept|deceit|false|fake|forg|fictitious|non-?existent|never (intended|existed|built|delivered)|"
    r"posed as|impersonat|fraudulent|misrepresent|swindl|lied|"
    r"\bfaux\b|fausses?\b|fictif|fictive|inexistant|tromp|mensong|usurp|frauduleu|man[œo]euvres?|"
    r"\bfals[oa]s?\b|ficticio|inexistente|enga[ñn]|simul|fraudulent[oa]|ardid|"
    + ar(r"كاذب", r"مزور", r"تزوير", r"وهمي", r"احتيال", r"تحايل", r"خداع", r"انتحل", r"غش")
)
"""Facts showing fraudulent activity or intent (an unpaid debt or cheque with these is more than a dispute)."""
SERIOUS_LINK = re.compile(
    r"organi[sz]ed crime|criminal (organi[sz]ation|group|network|gang)|money laundering|launder|terroris|trafficking|"
    r"smuggling|corruption|"
    r"crime organis|bande organis|r[ée]seau criminel|blanchiment|terroris|trafic|contrebande|"
    r"crimen organizado|criminalidad organizada|organizaci[óo]n criminal|banda criminal|blanqueo|"
    r"lavado de (dinero|activos)|"
    r"tr[áa]fico|\btrata\b|contrabando|corrupci[óo]n|"
    + ar(r"جريمة منظمة", r"الجريمة المنظمة", r"عصابة", r"غسل الأموال", r"غسل الاموال", r"إرهاب", r"ارهاب", r"اتجار",
         r"تهريب", r"فساد", r"رشوة")
)

# --- unfunded cheques -----------------------------------------------------------------------------

CHEQUE_CATEGORIES = frozenset({"cheque", "unfunded_cheque", "bad_cheque", "dishonoured_cheque", "bounced_cheque"})
CHEQUE_WORDS = re.compile(
    r"(unfunded|bounced|dishono(u)?red|bad|worthless|uncovered|rubber)\s+(cheque|check)|"
    r"(cheque|check)s?\s+(without|with insufficient|with no)\s+(sufficient\s+)?(funds|cover|provision)|"
    r"(issu|writ|draw|giv)\w*\s+(a\s+)?(cheque|check)s?\s+without|\bcheques?\b|"
    r"\bch[èe]ques?\b|" + ar(r"شيك", r"صك")
)
CHEQUE_MENTION = re.compile(
    r"\bcheques?\b|\b(?:bounced|unfunded|bad|dishono(?:u)?red|worthless|uncovered|rubber|personal|bank|"
    r"post-?dated)\s+checks?\b|\bchecks?\s+(?=(?:no\.?|number|for|of|worth|amounting|in the amount|totall?ing|"
    r"without|with insufficient|drawn)\b)|\bch[èe]ques?\b|" + ar(r"شيك\w*", r"صك\w*"),
    re.IGNORECASE,
)
_CURRENCY_WORDS = (
    r"(?:cfa )?francs? cfa|cfa francs?|"
    r"euros?|dollars?|dirhams?|dinars?|pesos?|naira|rupees?|francs?|pounds?|riyals?|rials?|liras?|reais|real|"
    r"yuan|yen|rubles?|roubles?|shillings?|cedis?|rand|kwacha|leones?|birr|taka|rupiah|ringgit|baht|dong|won|"
    r"pula|hryvnias?|tenge|soms?|lari|manats?|drams?|zlot(?:y|ys|ych)|korun[ay]?|forints?|lei|leva?|"
    r"d[óo]lares|soles|bol[íi]vares|quetzales|colones|guaran[íi]es|"
    r"(?:ال)?(?:ريالا?ت?|دراهم|درهما?|دنانير|دينارا?|جنيها?ت?|دولارا?ت?|يورو|ليرة|ليرات)"
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
        r"(failure|refus\w*) to (report for|perform|do|serve) (\w+ )?(military|army|compulsory|national) service|"
        r"(evasion|evading|avoid\w*) (of )?(the )?(compulsory |indefinite )?national service|"
        r"refus\w* (of )?(military service|conscription|the call.?up|mobili[sz]ation)|"
        r"absen\w* without (official )?leave|\bawol\b|unauthori[sz]ed absence from (the |a |his |her )?"
        r"(unit|military)|conscientious object|"
        r"d[ée]sertion|insoumission|insubordination|mutinerie|refus d'ob[ée]issance|abandon de poste|"
        r"objection de conscience|absence ill[ée]gale|(soustraction|refus) (aux |au |"
        r"des )?(obligations du )?service militaire|"
        r"deserci[óo]n|insubordinaci[óo]n|mot[íi]n|abandono (de|del) (servicio|destino|puesto)|"
        r"(evasi[óo]n|elusi[óo]n|evasor) (del )?servicio militar|objeci[óo]n de conciencia|prófugo|"
        r"pr[óo]fugo del servicio|"
        + ar(r"(فرار|الفرار|هروب|الهروب|التهرب|تهرب|التخلف|تخلف) (من|عن) (ال)?(خدمة|تجنيد|جندية|وحدة)",
             r"الفرار من الجيش", r"فرار من الجيش", r"عصيان ال[أا]وامر", r"التمرد العسكري",
                 r"الغياب (غير المشروع|دون إذن)")
    ),
    "religious": re.compile(
        r"blasphem|apostas|proselyti|heresy|insult\w* (to )?(religio|the prophet)|" + RELIGIOUS_INSULT + "|"
        r"blasph[èe]m|apostasie|pros[ée]lytisme|h[ée]r[ée]sie|outrage (aux? |à la )?religio|"
        r"blasfemi|apostas[íi]a|proselitismo|herej[íi]a|ofensas? (a los sentimientos |a la )?religios|escarnio|"
        + ar(r"ردة", r"ازدراء ال[أا]ديان", r"ازدراء الدين", r"الاستهزاء بالدين",
             r"الإساءة (إلى|ل)(ل)?(دين|[أا]ديان|رسول|نبي)",
             r"سب (الدين|الذات الإلهية|النبي|الرسول)", r"تجديف", r"تبشير")
    ),
    "racial": re.compile(
        r"(ethnic|racial) (hatred|discord|enmity)|haine (raciale|ethnique|tribale)|odio (racial|[ée]tnico)|"
        + ar(r"(الكراهية|النعرات|الفتنة) (العنصرية|العرقية|الطائفية|القبلية)")
    ),
    "political": re.compile(
        r"treason|sedition|espionage|l[eè]se.?majest|"
        r"insult\w*\s+(of\s+|to\s+)?(the\s+)?(state|official|president|head of state|king|government|authorit|army)|"
        r"rebellion|subversi|extremis|separatis|"
        r"(unauthori[sz]ed|illegal|unlawful) (assembly|protest|demonstration|rally)|"
        r"anti.?state|propaganda|false information|fake news|discredit\w* (the )?(state|army|government)|"
        r"(political|religious|social) (hatred|discord|enmity)|mass (riots?|disorder|unrest)|"
        r"undesirable (organi[sz]ation|ngo|group)|(harm|damag|undermin|prejudic)\w* (to )?(the )?(national|state) "
        r"security|gross(ly)? violat\w* (of )?public order|"
        # French
        r"trahison|s[ée]dition|espionnage|intelligence avec (une puissance|l'ennemi)|"
        r"atteinte [àa] la s[ûu]ret[ée] de l'[ée]tat|"
        r"complot contre (l'autorit[ée] de )?l'[ée]tat|insurrection|r[ée]bellion|subversi|extr[ée]mis|s[ée]paratis|"
        r"(offense|outrage|injure)s? (au |envers le )?(chef de l'[ée]tat|pr[ée]sident|roi)|"
        r"(manifestation|rassemblement|r[ée]union)s? (non autoris[ée]e|interdite|illicite|non d[ée]clar[ée]e)|"
        r"attroupement|nuire [àa] la s[ée]curit[ée] nationale|atteinte grave [àa] l'ordre public|"
        r"fausses nouvelles|propagande|atteinte [àa] l'unit[ée] nationale|discr[ée]dit (sur|"
        r"jet[ée] sur) (l'[ée]tat|l'arm[ée]e)|"
        # Spanish
        r"traici[óo]n|sedici[óo]n|espionaje|rebeli[óo]n|subversi|extremis|separatis|"
        r"conspiraci[óo]n (contra el estado|para la rebeli)|"
        r"(injurias?|ofensas?|ultraje|desacato) (al |a la )?(presidente|jefe de estado|rey|autoridad|naci[óo]n|"
        r"s[íi]mbolos patrios)|"
        r"desacato|(manifestaci[óo]n|reuni[óo]n)(es)? (no autorizada|il[íi]cita|ilegal)|disturbios|asonada|"
        r"reuni[óo]n tumultuaria|"
        r"noticias falsas|propaganda|atentado contra la seguridad del estado|"
        r"(atentar|atentado|actos?) contra la seguridad nacional|alteraci[óo]n grave del orden p[úu]blico|"
        # Arabic
        + ar(r"خيانة(?! ال[أا]مانة)", r"تجسس", r"التخابر", r"إثارة الفتنة", r"اثارة الفتنة", r"تقويض (ال)?نظام",
             r"قلب نظام الحكم",
             r"(المساس|الإضرار|"
             r"الاضرار) ب[أا]من الدولة", r"(إثارة|اثارة|شن) الحرب ضد الدولة", r"الإضرار بالوحدة الوطنية",
             r"[أا]خبار كاذبة", r"إشاعات كاذبة", r"اشاعات كاذبة", r"بث (ال)?إشاعات",
                 r"(إهانة|اهانة|المس ب|العيب في) (ال)?(رئيس|الملك|الأمير|الذات)",
             r"تجمهر", r"(مظاهرة|تظاهرة|تجمع) غير (مرخص|مصرح|قانوني)", r"العصيان المدني", r"التمرد", r"تمرد",
                          r"الدعاية")
    ),
}
MEMBERSHIP = re.compile(
    r"(member(ship)?|participat\w*|belong\w*|involvement|taking part|activit(y|ies)|organi[sz]\w*|"
    r"creat\w*|found\w*|lead\w*) (of|in|to)?\s*(a |an |the )?(banned|prohibited|outlawed|proscribed|illegal|"
    r"unregistered|extremist|undesirable|forbidden|unlawful) (political |religious |public |armed )?"
    r"(organi[sz]ation|group|party|movement|association|community|society|sect)"
)
MEMBERSHIP_OTHER = re.compile(
    r"(appartenance|participation|adh[ée]sion) (à|au|a) (un |une |l')?(organisation|groupe|association|parti|mouvement|"
    r"secte)s? (politique |religieu(x|se) )?(interdit|ill[ée]gal|dissous|extr[ée]miste|ind[ée]sirable|clandestin)|"
    r"(pertenencia|participaci[óo]n|afiliaci[óo]n) (a|en) (una |un )?(organizaci[óo]n|grupo|partido|movimiento|secta)"
    r" (pol[íi]tic[oa] |religios[oa] )?(prohibid|ilegal|proscrit|extremista|indeseable|clandestin)|"
    + ar(r"(الانضمام|الانتماء) (إلى|الى|ل)(ل)?(جماعة|تنظيم|حزب|جمعية|حركة) (محظور|غير مشروع|غير مرخص|غير قانوني|متطرف)")
)
"""Membership of a banned organisation: political (Article 3) unless violent acts are described."""
VIOLENCE = re.compile(
    r"attack|bomb|explos|kill|murder|shot|shoot|stabb|weapon|firearm|armed (attack|assault|robbery|group)|"
    r"hostage|kidnap|injur(y|ies|ed|ing)\b|wound|arson|violen|\bbeat|assault|threat|"
    r"attaqu|attentat|\btu[ée]|meurtre|assassin|\barm[ée]s?\b|armes? [àa] feu|bless|otage|enl[èe]vement|incendi|menac|"
    r"ataque|atac|atentado|\bmat[óo]\b|asesin|armad|armas? de fuego|herid|reh[ée]n|secuestr|amenaz|"
    + ar(r"هجوم", r"هاجم", r"تفجير", r"متفجرات", r"قتل", r"اغتيال", r"سلاح", r"مسلح", r"جرح", r"رهائن", r"اختطاف",
         r"خطف", r"حرق", r"[أا]حرق", r"عنف", r"تهديد")
)

# --- issuing authorities (judicial.issuing_authority) ---------------------------------------------

NON_JUDICIAL_AUTHORITY = re.compile(
    r"police|polic[ií]a|polizia|polizei|politie|gendarmer|carabinier|militsiya|ministry of (the )?(interior|internal "
    r"affairs|home affairs|justice)|minist[eè]re de l'int[eé]rieur|ministerio del interior|home office|"
    r"prosecut|procurat|procureur|procura\b|procuradur|parquet|ministère public|ministerio p[uú]blico|"
    r"fiscal[ií]a|fiscal general|attorney.?general|staatsanwalt|prokurat|investigative committee|"
    r"security (service|committee)|state security|intelligence|criminal investigation (department|directorate)|"
    r"directorate of (criminal )?investigation|anti.?corruption (bureau|agency|commission)|financial "
    r"(crimes|intelligence) (unit|commission)|"
    + ar(r"الشرطة", r"شرطة", r"الأمن العام", r"الامن العام", r"وزارة الداخلية", r"النيابة", r"نيابة", r"المدعي العام",
         r"الادعاء العام", r"الإدعاء العام", r"مباحث")
)
JUDICIAL_AUTHORITY = re.compile(
    r"court|judge|judicial(?! police)|tribunal|juge|juez|juzgado|jueza|juiz|ju[ií]zo|vara\b|audiencia|magistra|gericht|"
    r"richter|giudice|tribunale|\bgip\b|\bsud\b|суд|justice of the peace|chamber|cour\b|corte|rechtbank|"
    r"gerechtshof|sąd|bíróság|mahkeme|kadi|qadi|" + ar(r"محكمة", r"المحكمة", r"قاضي", r"قاض", r"هيئة قضائية")
)
SENTENCE_END = re.compile(r"(?<=[a-z)])(?<![Nn]o)(?<![Nn]r)\.\s|;")
"""The end of a sentence or clause (not the dot of "No. 123")."""
