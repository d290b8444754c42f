"""Synthetic people for the matcher benchmark: a refugees list with realistic name variety, and
queries whose true matches are variants of list entries (transliteration, accents, swapped order,
typos, missing parts, partial birth dates; the name in its own script, Cyrillic or Arabic; particles
glued, split or spelt otherwise, pinyin written together; a patronymic dropped; an estimated birth
date up to two years off), plus people who are not on the list at all.

Names are built per naming culture from roots and suffixes and drawn with a Zipf-like skew, so
common names are common (many people share them) and the long tail is long. Everything is seeded.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from anyascii import anyascii


@dataclass(slots=True)
class Person:
    family_name: str
    forenames: str = ""
    date_of_birth: str = ""
    nationalities: list[str] = field(default_factory=list)
    granted_by: str = "DE"
    persecution_country: str = "XX"
    status: str = "granted"


@dataclass(frozen=True)
class Culture:
    countries: tuple[str, ...]
    forenames: tuple[str, ...]
    roots: tuple[str, ...]
    suffixes: tuple[str, ...]
    two_surnames: float = 0.0
    particle: tuple[str, ...] = ()
    mids: tuple[str, ...] = ("",)
    """Syllables between root and suffix, for a long tail of rarer family names."""
    patronymic: float = 0.0
    """Share of people whose forenames end with a patronymic (Sergeyevich, bin Khaled)."""


CULTURES: dict[str, Culture] = {
    "hispanic": Culture(
        ("ES", "MX", "CO", "PE", "AR", "VE"),
        tuple("José Juan María Carmen Luis Ana Jorge Lucía Alejandro Sofía Diego Valentina Andrés Camila Javier "
              "Gabriela Fernando Daniela Ricardo Paula Miguel Isabel Sergio Elena Raúl Marta Óscar Pilar Iván "
              "Rocío Tomás Inés Héctor Beatriz Rubén Noelia Ángel Nuria".split()),
        tuple("Garc Rodr Gonz Fern Lóp Mart Sánch Pér Góm Hern Jimén Ruí Álvar Moren Muñ Romer Alons Gutiérr "
              "Navarr Torr Domíngu Vásqu Ramír Ortég Villalb Castr Suár Blanc Herrer Medin Aguil Vég Rubí Molín "
              "Delgád Morál Ortíz Marín Serran".split()),
        ("ez", "o", "a", "es", "illo", "ero", "ado", "ino"),
        two_surnames=0.45,
        particle=("de", "del", "de la"),
        mids=("", "", "and", "ar", "ell", "al", "ov"),
    ),
    "slavic": Culture(
        ("RU", "UA", "BY", "RS", "PL", "BG"),
        tuple("Aleksandr Dmitriy Sergey Andrey Aleksey Mikhail Ivan Nikolay Vladimir Yuriy Oleg Pavel Yekaterina "
              "Olga Tatyana Natalya Yelena Svetlana Irina Anastasiya Mariya Yuliya Kseniya Viktor Bogdan Taras "
              "Zoran Dragan Milica Jelena Łukasz Wojciech Agnieszka Małgorzata Grzegorz Stanisław".split()),
        tuple("Ivan Petr Smirn Kuzn Popov Vasil Sokol Mikhail Novik Fedor Morozov Volk Aleks Lebed Semen Yegor "
              "Pavl Koz Stepan Nikol Orl Andre Makar Zakhar Shevch Kovalch Bondar Tkach Kravch Oliynyk Melnych "
              "Jovan Petrov Nikolić Wiśniew Kowal Zieliń Dąbrow".split()),
        ("ov", "ova", "enko", "sky", "ski", "ich", "uk", "in", "ovich"),
        mids=("", "", "ir", "an", "ush", "el", "och"),
        patronymic=0.4,
    ),
    "arabic": Culture(
        ("SY", "IQ", "EG", "MA", "DZ", "SD", "YE", "LY"),
        tuple("Mohammed Ahmed Ali Omar Youssef Khaled Hassan Hussein Ibrahim Mahmoud Mustafa Abdullah Karim Tarek "
              "Samir Nabil Walid Fatima Aisha Mariam Layla Noor Huda Salma Rania Yasmin Amira Zainab Khadija "
              "Abdelrahman Abdelkader Said Rachid Hamza Bilal Anas".split()),
        tuple("Hass Haddad Khal Nass Mans Sal Ibrah Abd Hamd Qas Mahm Rash Sharif Aziz Farouk Hakim Jabr Kar "
              "Mousa Najj Othm Rahm Sab Sulaym Tah Yas Zaki Bakr Dar Fakh Ghan Habib Jam Kh Lat".split()),
        ("an", "i", "ar", "our", "ed", "ah", "oun", "awi"),
        particle=("Al", "El", "Al-", "Abu", "Ben", "Abdel", "Abd al-"),
        mids=("", "", "ab", "am", "ir", "ul", "ash"),
        patronymic=0.3,
    ),
    "nordic": Culture(
        ("NO", "SE", "DK", "FI", "IS"),
        tuple("Ingrid Astrid Sigrid Solveig Kari Liv Maja Freja Elin Saga Ida Linnea Lars Erik Olav Magnus Henrik "
              "Søren Jørgen Björn Gunnar Sven Nils Anders Jonas Mikkel Aksel Tuomas Mikko Jukka Päivi Aino".split()),
        tuple("Halvor Lars Ander Johan Niel Christian Hans Peder Sør Gustaf Berg Lind Holm Strøm Dahl Sand Nyg "
              "Eng Lundq Sjöq Haugl Bakk Ols Jens Madsen Rasmus Virt Korhon Mäkin Nieminen Hämäläin".split()),
        ("sen", "son", "berg", "strøm", "dahl", "lund", "vik", "en", "gaard"),
        particle=("van", "van der", "von", "van den"),
        mids=("", "", "e", "s", "holm", "by"),
    ),
    "turkic_persian": Culture(
        ("TR", "IR", "AZ", "AF", "TJ"),
        tuple("Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Emre Murat Ayşe Fatma Zeynep Elif Emine Reza Mehdi "
              "Hossein Ali-Reza Farhad Dariush Shirin Maryam Parisa Roya Navid Arash Babak Kamran Leyla Gulnara "
              "Rustam Farrukh Dilnoza".split()),
        tuple("Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç Asl Çetin "
              "Kara Koç Kurt Özkan Şimşek Ahmad Hosseini Rezai Mohammad Karimi Moradi Jafari Rahimi Kazemi "
              "Sadeghi Tehrani Rostam Nazar Ghaf Sult Haid".split()),
        ("", "oğlu", "zadeh", "i", "pour", "an", "ov"),
        mids=("", "", "ar", "em", "gül", "bek"),
    ),
    "west_african": Culture(
        ("NG", "GH", "SN", "CI", "ML", "CM"),
        tuple("Chinedu Emeka Oluwaseun Adebayo Ngozi Chiamaka Kwame Kofi Ama Akosua Yaw Abena Mamadou Ousmane "
              "Aminata Fatou Moussa Ibrahima Awa Aissatou Seydou Boubacar Oumar Mariama Kadiatou Babatunde "
              "Folake Tunde Yetunde Samuel Grace Blessing Emmanuel".split()),
        tuple("Okonkw Adeyem Okaf Nwos Bello Balog Mensa Asant Owus Boaten Diall Traor Coulibal Keit Sissok "
              "Camar Diop Ndiay Fall Sow Toure Kon Ouattar Ba Cisse Oyel Adebay Ogun Eze Obi".split()),
        ("o", "e", "i", "a", "u", "ah", "ye", ""),
        mids=("", "", "ad", "ok", "um", "ib"),
    ),
    "east_asian": Culture(
        ("CN", "VN", "KR", "MM", "KH"),
        tuple("Wei Fang Jing Li Na Min Jun Hui Yan Lei Tao Hong Ming Xiu Ying Thanh Minh Anh Hoa Linh Tuan Duc "
              "Mai Lan Ji-woo Seo-yeon Min-jun Ha-eun Do-yun Soo-ah Aung Thida Kyaw Sokha Dara".split()),
        tuple("Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Gao Nguyen Tran "
              "Le Pham Hoang Phan Vu Dang Bui Kim Lee Park Choi Jung Kang Cho Yoon Aung Win Sok Chea".split()),
        ("",),
    ),
    "south_asian": Culture(
        ("IN", "PK", "BD", "LK", "NP"),
        tuple("Rahul Amit Priya Anjali Sanjay Vikram Deepak Sunita Pooja Rajesh Suresh Kavita Arjun Rohan Neha "
              "Imran Ayesha Bilal Sana Usman Zainab Farhan Tahmina Rafiq Nusrat Kasun Dilani Ramesh Sita "
              "Bishnu Manoj Lakshmi".split()),
        tuple("Shar Verm Gupt Sing Kum Pat Redd Nai Iyer Chaudh Khan Malik Qures Butt Chaud Hossa Rahm Islam "
              "Ahm Perer Fernand Silv Jayasur Wickram Shrest Thap Adhik Bhatt Josh Desa".split()),
        ("a", "i", "ar", "an", "in", "ma", "ya", "singhe"),
        mids=("", "", "aw", "ul", "ir", "esh"),
    ),
}

_CULTURE_WEIGHTS = {
    "hispanic": 14, "slavic": 14, "arabic": 20, "nordic": 5, "turkic_persian": 15,
    "west_african": 12, "east_asian": 10, "south_asian": 10,
}

_CYRILLIC = {
    "shch": "щ", "kh": "х", "zh": "ж", "ch": "ч", "sh": "ш", "ts": "ц", "yu": "ю", "ya": "я", "ye": "е",
    "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "e": "е", "z": "з", "i": "и", "y": "й", "k": "к",
    "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "f": "ф",
    "w": "в", "h": "х", "j": "й", "c": "к", "x": "кс", "q": "к",
}

# Spelling alternations that transliteration systems produce (applied to an ASCII name, in order).
_TRANSLITERATIONS: tuple[tuple[str, str], ...] = (
    ("ov", "ow"), ("iy", "y"), ("yev", "jew"), ("ks", "x"), ("kh", "ch"), ("ou", "u"), ("oo", "u"),
    ("mohammed", "muhammad"), ("ahmed", "ahmad"), ("youssef", "yusuf"), ("hussein", "husayn"),
    ("sh", "sch"), ("ya", "ja"), ("yu", "ju"), ("ye", "je"), ("ee", "i"), ("ph", "f"), ("j", "dj"),
    ("c", "k"), ("y", "i"), ("ei", "ey"), ("ai", "ay"), ("q", "k"), ("dh", "d"),
)


def _zipf_weights(n: int, s: float = 0.9) -> list[float]:
    return [1.0 / (rank + 1) ** s for rank in range(n)]


class NameMaker:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cultures = list(_CULTURE_WEIGHTS)
        self.culture_weights = [_CULTURE_WEIGHTS[c] for c in self.cultures]
        self.family: dict[str, list[str]] = {}
        self.family_w: dict[str, list[float]] = {}
        self.fore_w: dict[str, list[float]] = {}
        for name, culture in CULTURES.items():
            families = list(dict.fromkeys(
                root + mid + suffix for root in culture.roots for mid in culture.mids for suffix in culture.suffixes
            ))
            rng.shuffle(families)
            self.family[name] = families
            self.family_w[name] = _zipf_weights(len(families))
            self.fore_w[name] = _zipf_weights(len(culture.forenames), 0.7)

    def person(self) -> tuple[str, Person]:
        rng = self.rng
        culture_name = rng.choices(self.cultures, self.culture_weights)[0]
        culture = CULTURES[culture_name]
        family = rng.choices(self.family[culture_name], self.family_w[culture_name])[0]
        if rng.random() < culture.two_surnames:
            family += " " + rng.choices(self.family[culture_name], self.family_w[culture_name])[0]
        if culture.particle and rng.random() < 0.12:
            particle = rng.choice(culture.particle)
            family = particle + ("" if particle.endswith("-") else " ") + family
        forenames = rng.choices(culture.forenames, self.fore_w[culture_name])[0]
        if rng.random() < 0.35:
            forenames += " " + rng.choices(culture.forenames, self.fore_w[culture_name])[0]
        if rng.random() < culture.patronymic:
            father = anyascii(rng.choices(culture.forenames, self.fore_w[culture_name])[0])
            if culture_name == "arabic":
                forenames += " " + rng.choice(("bin", "ibn", "ben")) + " " + father
            else:
                female = forenames.endswith(("a", "ya"))
                forenames += " " + father.rstrip("aeiyo") + ("ovna" if female else "ovich")
        if culture_name == "slavic" and rng.random() < 0.08:
            family, forenames = _to_cyrillic(family), _to_cyrillic(forenames)
        year = rng.randint(1940, 2008)
        roll = rng.random()
        if roll < 0.03:
            dob = ""
        elif roll < 0.13:
            dob = f"{year}"
        elif roll < 0.30:
            dob = f"{year}-{rng.randint(1, 12):02d}"
        else:
            dob = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        nationalities = [rng.choice(culture.countries)]
        if rng.random() < 0.1:
            nationalities.append(rng.choice(("FR", "DE", "GB", "US", "CA", "SE")))
        person = Person(
            family_name=family.upper() if rng.random() < 0.5 else family,
            forenames=forenames,
            date_of_birth=dob,
            nationalities=nationalities,
            granted_by=rng.choice(("DE", "FR", "SE", "CA", "GB", "NL", "NO", "US", "AU")),
            persecution_country=nationalities[0],
            status="revoked" if rng.random() < 0.05 else "granted",
        )
        return culture_name, person


def _to_cyrillic(text: str) -> str:
    plain = anyascii(text).lower()
    out: list[str] = []
    i = 0
    while i < len(plain):
        for size in (4, 2, 1):
            piece = plain[i : i + size]
            if piece in _CYRILLIC:
                letter = _CYRILLIC[piece]
                out.append(letter.upper() if i == 0 or plain[i - 1] in " -" else letter)
                i += size
                break
        else:
            out.append(plain[i])
            i += 1
    return "".join(out)


# Latin to Arabic script for the arabic culture's names, as a list written in Arabic would give them:
# consonants and long vowels written, short vowels (a, e) left out, doubled letters once.
_ARABIC_DIGRAPHS = {"kh": "خ", "sh": "ش", "th": "ث", "dh": "ذ", "gh": "غ", "ou": "و", "oo": "و", "ee": "ي"}
_ARABIC_LETTERS = {
    "b": "ب", "t": "ت", "j": "ج", "h": "ح", "d": "د", "r": "ر", "z": "ز", "s": "س", "f": "ف", "q": "ق",
    "k": "ك", "l": "ل", "m": "م", "n": "ن", "w": "و", "y": "ي", "o": "و", "u": "و", "i": "ي", "c": "ك",
    "g": "ج", "p": "ب", "v": "ف", "x": "كس",
}


def _to_arabic(text: str) -> str:
    words: list[str] = []
    for word in anyascii(text).lower().replace("-", " ").split():
        if word in ("al", "el"):
            words.append("ال")
            continue
        out: list[str] = []
        i = 0
        previous = ""
        while i < len(word):
            if word[i] == "a" and word[i + 1 : i + 2] == "w":  # a long a before w is written (-awi)
                out.append("ا")
                i += 1
                continue
            if i == 0 and word[0] in "aeiou":
                out.append("ا")
                i += 1 if word[:2] not in _ARABIC_DIGRAPHS else 2
                continue
            pair = word[i : i + 2]
            if pair in _ARABIC_DIGRAPHS:
                source, letter, i = pair, _ARABIC_DIGRAPHS[pair], i + 2
            else:
                source, letter, i = word[i], _ARABIC_LETTERS.get(word[i], ""), i + 1
            if letter and source != previous:  # a doubled letter is written once (shadda)
                out.append(letter)
            previous = source
        words.append("".join(out))
    joined = " ".join(words)
    return joined.replace("ال ", "ال")  # the article is written joined to its word


def _culture_of(person: Person) -> str:
    country = person.nationalities[0] if person.nationalities else ""
    return next((name for name, c in CULTURES.items() if country in c.countries), "")


def make_people(size: int, seed: int = 7) -> list[Person]:
    maker = NameMaker(random.Random(seed))
    return [maker.person()[1] for _ in range(size)]


# --- query variants -----------------------------------------------------------------------------

VARIANT_KINDS = (
    "transliteration", "accents", "swapped_order", "typo", "missing_part", "partial_dob", "script", "particle",
    "patronymic_dropped", "estimated_dob", "not_listed",
)
_PARTICLE_SPELLINGS = {
    "al": ("El ", "Al-", "Al", "el-"), "el": ("Al ", "Al-", "El"), "abu": ("Abou ", "Abu"), "ben": ("Bin ", "Ibn "),
    "abdel": ("Abd al-", "Abdul ", "Abd el-"), "abd al": ("Abdel", "Abdul", "Abd-al-"), "de": ("De", "D'"),
    "del": ("Del",), "de la": ("Dela", "De La ", "Dela "), "van": ("Van",),
    "van der": ("Vander", "Van Der ", "Vander "), "von": ("Von",), "van den": ("Vanden", "Van Den "),
}
"""Other ways lists write a particle: glued, split, hyphenated, in another spelling."""
_PARTICLE = re.compile(r"^(abd al|abdel|abu|al|ben|de la|del|de|el|van der|van den|van|von)[ -]", re.IGNORECASE)
_PATRONYMIC = re.compile(r"(?:\s+(?:bin|ibn|ben)\s+\S+|\s+\S+(?:ovich|ovna))$")


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randint(1, len(word) - 2)
    kind = rng.choice(("sub", "del", "ins", "swap"))
    letters = "aeioulnrstmkdh"
    if kind == "sub":
        return word[:i] + rng.choice(letters) + word[i + 1 :]
    if kind == "del":
        return word[:i] + word[i + 1 :]
    if kind == "ins":
        return word[:i] + rng.choice(letters) + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _transliterate(text: str, rng: random.Random) -> str:
    plain = anyascii(text)
    lowered = plain.lower()
    options = [(a, b) for a, b in _TRANSLITERATIONS if a in lowered]
    if not options:
        return plain
    for a, b in rng.sample(options, k=min(len(options), rng.randint(1, 2))):
        lowered = lowered.replace(a, b, 1)
    return lowered.title()


def _partial(dob: str, rng: random.Random) -> str:
    parts = dob.split("-")
    if len(parts) == 3 and rng.random() < 0.25 and int(parts[2]) <= 12:
        return f"{parts[0]}-{parts[2]}-{parts[1]}"  # day and month swapped
    return "-".join(parts[: rng.randint(1, max(1, len(parts) - 1))])


@dataclass
class Query:
    kind: str
    family_name: str
    forenames: str
    date_of_birth: str
    nationalities: list[str]
    truth: int
    """Row of the list entry this query is a variant of; -1 for someone not on the list."""


def _family_parts(family: str) -> list[str]:
    """The parts of a family name, each particle kept with the word after it: a list that leaves a
    part out leaves out "de la Cruz", never "Cruz" alone with "de la" standing."""
    parts: list[str] = []
    pending = ""
    for word in family.split():
        if word.lower() in _PARTICLE_WORDS:
            pending += word + " "
            continue
        parts.append(pending + word)
        pending = ""
    return parts + ([pending.strip()] if pending else [])


_PARTICLE_WORDS = frozenset("al el abu ben abdel abd de del la van der den von".split())


def make_queries(people: list[Person], count: int, seed: int = 11) -> list[Query]:
    rng = random.Random(seed)
    maker = NameMaker(random.Random(seed + 1))
    queries: list[Query] = []
    while len(queries) < count:
        kind = VARIANT_KINDS[len(queries) % len(VARIANT_KINDS)]
        if kind == "not_listed":
            _, stranger = maker.person()
            queries.append(Query(kind, stranger.family_name, stranger.forenames, stranger.date_of_birth,
                                 stranger.nationalities, -1))
            continue
        row = rng.randrange(len(people))
        p = people[row]
        family, fore, dob = p.family_name, p.forenames, p.date_of_birth
        if kind == "transliteration":
            family, fore = _transliterate(family, rng), _transliterate(fore, rng)
            if anyascii(family + fore).lower() == (family + fore).lower() and family == p.family_name:
                continue
        elif kind == "accents":
            if anyascii(family + fore) == family + fore:
                continue
            family, fore = anyascii(family), anyascii(fore)
        elif kind == "swapped_order":
            family, fore = fore, family
        elif kind == "typo":
            words = (family + " " + fore).split()
            target = rng.randrange(len(words))
            if len(words[target]) < 4:
                continue
            in_family = target < len(family.split())
            typed = _typo(words[target], rng)
            if in_family:
                parts = family.split()
                parts[target] = typed
                family = " ".join(parts)
            else:
                parts = fore.split()
                parts[target - len(family.split())] = typed
                fore = " ".join(parts)
        elif kind == "missing_part":
            fam, first = _family_parts(family), fore.split()
            if len(fam) >= 2:
                family = " ".join(fam[:-1]) if rng.random() < 0.7 else " ".join(fam[1:])
            elif len(first) >= 2:
                fore = first[0]
            else:
                continue
        elif kind == "partial_dob":
            if "-" not in dob:
                continue
            dob = _partial(dob, rng)
        elif kind == "script":
            culture = _culture_of(p)
            if culture == "slavic" and family.isascii():
                family, fore = _to_cyrillic(family), _to_cyrillic(fore)
            elif culture == "arabic":
                family, fore = _to_arabic(family), _to_arabic(fore)
            else:
                continue
        elif kind == "particle":
            found = _PARTICLE.match(family)
            if found:
                spelling = rng.choice(_PARTICLE_SPELLINGS[found.group(1).lower()])
                family = spelling + family[found.end() :]
            elif "CN" in p.nationalities and fore:
                family, fore = family.title() + fore.replace("-", "").replace(" ", "").lower(), ""  # ZhangWei
            else:
                continue
        elif kind == "patronymic_dropped":
            if not _PATRONYMIC.search(fore):
                continue
            fore = _PATRONYMIC.sub("", fore)
        elif kind == "estimated_dob":
            if len(dob) != 10 or dob.endswith("-01-01"):
                continue
            year = int(dob[:4]) + rng.choice((-2, -1, 0, 1, 2))
            dob = f"{year}-01-01" if rng.random() < 0.5 else f"{year}"
        queries.append(Query(kind, family, fore, dob, list(p.nationalities), row))
    return queries
