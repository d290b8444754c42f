"""Boundary tests for the rules changed while building the labelled corpus (benchmarks/corpus/): each
change on both sides of its edge, in the working languages it reads."""

from __future__ import annotations

from typing import Any

import pytest

from models.findings import Finding, Severity
from screening.rules import RULES_BY_ID, apply_rules
from tests.screening.conftest import TODAY, build

BLOCKING, DOUBT = Severity.BLOCKING, Severity.DOUBT


def fired(rule_id: str, request: object) -> list[Finding]:
    assert rule_id in RULES_BY_ID, rule_id
    return [f for f in apply_rules(request, TODAY) if f.rule_id == rule_id]  # type: ignore[arg-type]


def _charges(*charges: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"offence": offence, "law": "CP 1", "max_penalty_months": 60, "category": category}
            for offence, category in charges]


def _case(facts: str, *charges: tuple[str, str], **changes: Any) -> object:
    return build(judicial__facts_summary=facts, judicial__charges=_charges(*charges), **changes)


MATCH = "consistency.charges_match_facts"

# --- consistency.charges_match_facts: families of conduct --------------------------------------------


@pytest.mark.parametrize(
    ("facts", "charge"),
    [
        # laundering told by its predicate offence is the usual case
        ("Entre 2019 y 2022, en la Ciudad de México, el sujeto recibió sobornos por 85 millones de pesos a cambio "
         "de adjudicar contratos.", ("Operaciones con recursos de procedencia ilícita", "07041")),
        ("Entre 2021 et 2023 à Anvers, l'intéressé a vendu de la cocaïne importée par le port.",
         ("Blanchiment d'argent", "07041")),
        ("بين 2022 و2024 في دبي، أقنع المطلوب مستثمرين بإيداع أموالهم في منصة وهمية.", ("غسل الأموال", "07041")),
        # an attempted murder told by the shots fired in a robbery
        ("On 21 October 2025 near Ghent, the subject fired assault rifles at the guards of a cash-in-transit van.",
         ("Attempted murder", "0102")),
        # a wire fraud told as a ransomware extortion
        ("Between 2024 and 2025, from Bucharest, the subject deployed ransomware against hospitals and extorted "
         "USD 11 million.", ("Conspiracy to commit wire fraud", "0701")),
        # propaganda told as publishing: no other family is clearly described
        ("Between 2019 and 2021 in Diyarbakır, the subject published articles presenting the views of an armed "
         "organisation's leaders.", ("Propaganda for a terrorist organisation", "0906")),
    ],
)
def test_facts_of_the_same_family_raise_no_doubt(facts: str, charge: tuple[str, str]) -> None:
    assert fired(MATCH, _case(facts, charge)) == []


@pytest.mark.parametrize(
    ("facts", "charge", "describes"),
    [
        ("Between January and October 2024 in Marseille, the subject laundered EUR 4 million through shell "
         "companies.", ("Kidnapping", "0202"), "money laundering"),
        ("Between 2020 and 2022 in Rotterdam, the subject laundered EUR 3 million through shell companies.",
         ("Drug trafficking", "06012"), "money laundering"),
        ("El 2 de agosto de 2024, en Caracas, la sujeta publicó mensajes criticando al Consejo Nacional Electoral.",
         ("Tráfico ilícito de estupefacientes", "06012"), "defamation"),
        ("On 4 March 2025 in Enugu, the subject shot and killed a rival trader in front of his shop.",
         ("Obtaining by false pretences", "0701"), "homicide"),
    ],
)
def test_facts_clearly_of_another_family_are_a_doubt(facts: str, charge: tuple[str, str], describes: str) -> None:
    [finding] = fired(MATCH, _case(facts, charge))
    assert finding.severity is DOUBT and finding.article == "RPD Art. 12"
    assert describes in finding.evidence["facts_describe"]


# --- judicial.facts_substance: places, acts --------------------------------------------------------------


@pytest.mark.parametrize(
    "facts",
    [
        "El 15 de agosto de 2024, a la salida de un restaurante del puerto deportivo de Marbella, el sujeto disparó "
        "contra un hombre.",
        "Le 7 février 2025, sur l'autoroute A9 près du Boulou, l'intéressé a transporté 420 kg de résine de cannabis.",
        "In April 2024 the subject crewed a fishing boat that left Rote Island with 61 passengers.",
        "في 6 سبتمبر 2024 من شاطئ زوارة، نظم المطلوب إبحار قارب يحمل 94 مهاجرًا.",
        # acts the earlier reading missed
        "Between June 2022 and September 2024 in Phoenix, the subject organised the shipment of 180 kg of fentanyl.",
        "El 12 de mayo de 2025, en Zaragoza, el sujeto sustrajo dos teléfonos de una tienda.",
        "On 30 May 2025 in Kuta, police found 4 grams of cannabis in the subject's hotel room.",
        "Entre 2023 et 2025 à Strasbourg, l'intéressé a fait venir de Pologne des comprimés d'ecstasy.",
        "Entre 2023 et 2025 à Strasbourg, l'intéressé achetait des comprimés qu'il revendait lors de fêtes.",
        "في 4 مارس 2025 في طرابلس، سطا المطلوب مع آخرين على محل صرافة.",
        "في 4 مارس 2025 في طرابلس، استولوا على أموال محل صرافة.",
    ],
)
def test_a_summary_with_its_place_and_acts_passes(facts: str) -> None:
    assert fired("judicial.facts_substance", build(judicial__facts_summary=facts)) == []


@pytest.mark.parametrize(
    "facts",
    [
        "In 2021 in Lyon the subject is accused of organised fraud.",  # 'organised' with no object is no act
        "En 2021 à Lyon, il était le gérant de la société.",  # being is not acting
    ],
)
def test_generic_words_still_tell_no_act(facts: str) -> None:
    [finding] = fired("judicial.facts_substance", build(judicial__facts_summary=facts))
    assert finding.severity is BLOCKING and finding.evidence["missing"] == "conduct"


# --- Article 3 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offence", "character"),
    [
        ("Calls for actions aimed at harming national security", "political"),
        ("Organisation of actions grossly violating public order", "political"),
        ("Actos contra la seguridad nacional", "political"),
        ("Use of derogatory remarks in respect of the Holy Prophet", "religious"),
        ("Offending religious feelings", "religious"),
        ("Evasion of national service", "military"),
        ("الخيانة العظمى", "political"),
    ],
)
def test_article_3_reads_the_formulas_of_political_military_and_religious_offences(offence: str,
                                                                                   character: str) -> None:
    [finding] = fired("art3.offence_character", _case("On 3 May 2024 in Minsk the subject spoke.", (offence, "11")))
    assert finding.evidence["character"] == character


@pytest.mark.parametrize("offence", ["خيانة الأمانة", "Unlawful possession of firearms endangering public safety",
                                     "National insurance fraud"])
def test_breach_of_trust_and_public_safety_are_not_article_3(offence: str) -> None:
    request = _case("On 3 May 2024 in Amman the subject took funds.", (offence, "11"))
    assert fired("art3.offence_character", request) == []


@pytest.mark.parametrize(
    "facts",
    ["Between August 2020 and March 2021 in Minsk, the subject ran the headquarters of a presidential candidate's "
     "campaign and organised the observation of the count at polling stations.",
     "En 2024 à Dakar, l'intéressé a distribué des tracts devant les bureaux de vote.",
     "En 2024, en Caracas, la sujeta fotografió las actas en las mesas de votación."],
)
def test_campaigns_and_polling_are_tied_to_elections(facts: str) -> None:
    assert fired("art3.elections_protests", build(judicial__facts_summary=facts))


@pytest.mark.parametrize(
    "facts",
    ["In 2024 in Lagos, the subject ran a phishing campaign against bank customers.",
     "In 2024 in Lagos, the subject interviewed job candidates and took their fees."],
)
def test_other_campaigns_and_candidates_are_not(facts: str) -> None:
    assert fired("art3.elections_protests", build(judicial__facts_summary=facts)) == []


def test_an_opposition_party_member_in_the_facts_is_a_profile() -> None:
    facts = "Between January and May 2024 in Kigali, the subject, an opposition party member, gave speeches."
    assert fired("art3.subject_profile", build(judicial__facts_summary=facts))


# --- excluded offences ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offence",
    ["International parental kidnapping", "Non-représentation d'enfant", "Soustraction d'enfant par ascendant",
     "Sustracción de menores", "Inasistencia alimentaria", "الامتناع عن تسليم المحضون", "عدم دفع النفقة"],
)
def test_family_offences_are_excluded_in_each_language(offence: str) -> None:
    assert fired("excluded.family_private", _case("On 3 May 2024 in Lyon the subject kept the child.", (offence, "11")))


@pytest.mark.parametrize("offence", ["Kidnapping for ransom", "Secuestro extorsivo", "Enlèvement de mineur"])
def test_a_kidnapping_is_not_a_family_matter(offence: str) -> None:
    assert fired("excluded.family_private", _case("On 3 May 2024 in Lyon the subject seized a child.",
                                                  (offence, "0202"))) == []


def test_a_penal_exchange_regime_breach_is_administrative() -> None:
    request = _case("Entre marzo y octubre de 2023, en Buenos Aires, el sujeto giró dólares a Uruguay.",
                    ("Infracción al régimen penal cambiario", "0804"))
    assert fired("excluded.administrative_private_dispute", request)


@pytest.mark.parametrize(
    ("facts", "dispute"),
    [
        ("In 2023 in Kolkata, the subject's company received an advance for rice, failed to deliver the rice and has "
         "not repaid the advance.", True),
        ("In 2023 in Kolkata, the subject received an advance for rice from a fictitious company he set up and has "
         "not repaid the advance.", False),  # deceit: more than a dispute
    ],
)
def test_an_undelivered_order_not_repaid_is_a_dispute_unless_deceit_is_told(facts: str, dispute: bool) -> None:
    findings = fired("excluded.administrative_private_dispute", _case(facts, ("Criminal breach of trust", "0701")))
    assert bool(findings) is dispute


# --- judicial.issuing_authority in Arabic ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("authority", "doubt"),
    [
        ("النيابة العامة بالقاهرة", True),
        ("المدعي العام لمحكمة بداية عمان", True),  # the prosecutor at the court: still the prosecutor
        ("محكمة جنايات القاهرة", False),
        ("نيابة الإسكندرية الكلية، بأمر من قاضي التحقيق", False),  # on a judge's order
    ],
)
def test_arabic_issuing_authorities(authority: str, doubt: bool) -> None:
    warrant = {"reference": "W-1", "issued_on": "2025-01-10", "issuing_authority": authority}
    assert bool(fired("judicial.issuing_authority", build(judicial__arrest_warrant=warrant))) is doubt


# --- identity: placeholders are no names -------------------------------------------------------------------


@pytest.mark.parametrize("family", ["UNKNOWN", "-", "N/A", "XXX", "Inconnu", "DESCONOCIDO", "غير معروف", "NN"])
def test_a_placeholder_family_name_is_asked_for(family: str) -> None:
    [finding] = fired("identity.family_name", build(subject__family_name=family))
    assert finding.severity is BLOCKING and finding.missing_item == "the subject's family name"


@pytest.mark.parametrize("family", ["NA", "XU", "SA", "NIL", "NONE-SMITH", "O"])
def test_short_real_names_are_names(family: str) -> None:
    assert fired("identity.family_name", build(subject__family_name=family)) == []


def test_a_placeholder_forename_is_asked_for() -> None:
    assert fired("identity.forename", build(subject__forenames="N/A"))
    assert fired("identity.forename", build(subject__forenames="Nnamdi")) == []


# --- consistency.code_matches_wording: a qualification of the same family ------------------------------------


@pytest.mark.parametrize(
    ("offence", "code"),
    [("Hurto calificado y agravado", "0401"), ("Rapiña con homicidio", "0401"),
     ("Aggravated identity theft", "0701")],
)
def test_a_code_of_the_same_family_as_the_wording_is_not_doubted(offence: str, code: str) -> None:
    assert fired("consistency.code_matches_wording", _case("On 3 May 2024 in Lyon the subject took a car.",
                                                           (offence, code))) == []


def test_a_code_of_another_family_still_is() -> None:
    [finding] = fired("consistency.code_matches_wording", _case("On 3 May 2024 in Łódź the subject strangled her.",
                                                                ("Murder", "0701")))
    assert "0101" in finding.evidence["reads_like"]


# --- Arabic tells facts verb first; codes by the families of their section -------------------------------


@pytest.mark.parametrize(
    "facts",
    ["في يناير 2025 في المدينة المنورة، استقبلت المطلوبة نساء في منزلها وقرأت لهن تعاويذ مقابل المال.",
     "في 9 يونيو 2025 بقسنطينة، أطلق المطلوب النار على صاحب محطة وقود."],
)
def test_the_arabic_verb_before_the_subject_is_an_act(facts: str) -> None:
    assert fired("judicial.facts_substance", build(judicial__facts_summary=facts)) == []


@pytest.mark.parametrize(
    "facts",
    ["في 9 يونيو 2025 بقسنطينة، ارتكب المطلوب جريمة سرقة.",  # committing is no act
     "في 9 يونيو 2025 بقسنطينة، المعني متهم بجريمة قتل.",  # a noun before the subject, not a verb
     "في 9 يونيو 2025 بقسنطينة، كان المطلوب مديرًا للشركة."],  # being is no act
)
def test_committing_being_and_nouns_before_the_subject_are_not_acts(facts: str) -> None:
    [finding] = fired("judicial.facts_substance", build(judicial__facts_summary=facts))
    assert finding.evidence["missing"] == "conduct"


@pytest.mark.parametrize(("offence", "code"), [("سرقة الآثار وتهريبها", "07042"), ("Theft of antiquities", "0704")])
def test_a_theft_coded_as_trafficking_in_cultural_property_is_of_its_family(offence: str, code: str) -> None:
    assert fired("consistency.code_matches_wording", _case("In 2023 in Nasiriyah the subject dug up tablets.",
                                                           (offence, code))) == []


@pytest.mark.parametrize(("offence", "code"), [("Murder", "0704"), ("Rape", "05"), ("Drug trafficking", "0209")])
def test_a_code_of_another_section_family_is_doubted(offence: str, code: str) -> None:
    assert fired("consistency.code_matches_wording", _case("In 2023 in Lyon the subject acted.", (offence, code)))
