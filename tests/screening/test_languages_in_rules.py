"""The text rules read the organisation's four working languages (English, French, Spanish, Arabic): each
rule at its boundary in each language, firing on what it is about and silent on the sound request next to
it. Every finding's message stays in English and cites the rule's own article.

Requests start from the clean fraud example (no findings at all) and change the charge, the summary of facts
or the occupation. The sentences are written for these tests, not taken from the corpus.
"""

from __future__ import annotations

from typing import Any

import pytest

from models.findings import Finding, Severity
from screening.rules import RULES_BY_ID, apply_rules
from tests.screening.conftest import TODAY, build

BLOCKING, DOUBT = Severity.BLOCKING, Severity.DOUBT


def fired(rule_id: str, request: object) -> list[Finding]:
    assert rule_id in RULES_BY_ID, rule_id
    findings = [f for f in apply_rules(request, TODAY) if f.rule_id == rule_id]  # type: ignore[arg-type]
    for finding in findings:
        assert finding.article == RULES_BY_ID[rule_id].article
    return findings


def _case(offence: str, facts: str | None = None, category: str = "other", **changes: Any) -> object:
    charges = [{"offence": offence, "law": "CP 1", "max_penalty_months": 36, "category": category}]
    if facts is not None:
        changes["judicial__facts_summary"] = facts
    return build(judicial__charges=charges, **changes)


# --- judicial.facts_substance: time, place and conduct in each language ---------------------------

SOUND_SUMMARIES = [
    # French
    "Le 2 mars 2024 à Marseille, l'intéressé a poignardé un commerçant devant sa boutique.",
    "Entre janvier et juin 2023, au port du Havre, les suspects ont importé 300 kg de cocaïne.",
    "En septembre 2022 en Belgique, l'intéressée aurait vendu des voitures qui n'existaient pas.",
    # Spanish
    "El 5 de junio de 2024, en Rosario, el sujeto disparó contra un vigilante y huyó en moto.",
    "Entre 2020 y 2022, en la provincia de Mendoza, los imputados vendieron lotes inexistentes.",
    "En noviembre de 2023 el sujeto ha sustraído 40.000 dólares de la caja fuerte de un banco en Quito.",
    # Arabic
    "في 3 مايو 2024 في الرباط، طعن المعني جاره بسكين.",
    "بين يناير ومارس 2023 بمدينة جدة، باع المعني سيارات مسروقة.",
    "في تشرين الأول 2022 ببيروت، قام المعني بتزوير وثائق رسمية.",
    # English with a place beginning with a capital outside A-Z
    "On 9 May 2024 the subject stole a lorry from İzmir.",
    "On 2 February 2023 the subject shot a guard at Évry station.",
]


@pytest.mark.parametrize("facts", SOUND_SUMMARIES)
def test_a_summary_with_time_place_and_conduct_passes_in_each_language(facts: str) -> None:
    assert fired("judicial.facts_substance", build(judicial__facts_summary=facts)) == []


@pytest.mark.parametrize(
    "facts",
    [
        "The subject committed fraud.",
        "Le sujet a commis une fraude.",
        "L'intéressé est accusé d'escroquerie.",
        "El sujeto cometió un fraude.",
        "El sujeto es acusado de estafa.",
        "ارتكب المعني جريمة احتيال.",
        "المعني متهم بجريمة قتل.",
    ],
)
def test_a_summary_naming_only_the_offence_is_asked_of_the_ncb_in_each_language(facts: str) -> None:
    [finding] = fired("judicial.facts_substance", build(judicial__facts_summary=facts))
    assert finding.severity is BLOCKING and finding.missing_item
    assert finding.evidence["missing"] == "time, place, conduct"
    assert finding.message.startswith("The summary of facts does not say when")


@pytest.mark.parametrize(
    ("facts", "missing"),
    [
        ("En 2021 à Lyon, l'intéressé a commis une escroquerie.", "conduct"),
        ("À Lyon, l'intéressé a détourné les fonds de ses clients.", "time"),
        ("En 2021, l'intéressé a détourné les fonds de ses clients.", "place"),
        ("En 2021, en Sevilla, el sujeto cometió una estafa.", "conduct"),
        ("En Sevilla, el sujeto desvió los fondos de sus clientes.", "time"),
        ("En 2021 el sujeto desvió los fondos de sus clientes.", "place"),
        ("في 2021 في الرباط، ارتكب المعني جريمة قتل.", "conduct"),
        ("في الرباط، اختلس المعني أموال الشركة.", "time"),
        ("في عام 2021، اختلس المعني أموال الشركة.", "place"),
    ],
)
def test_each_missing_element_is_named_in_each_language(facts: str, missing: str) -> None:
    [finding] = fired("judicial.facts_substance", build(judicial__facts_summary=facts))
    assert finding.evidence["missing"] == missing


# --- excluded.behaviour_cultural_norms ---------------------------------------------------------------

@pytest.mark.parametrize(
    "offence",
    ["Adultère", "Pratique de sorcellerie", "Blasphème", "Diffamation publique", "Consommation d'alcool",
     "Adulterio", "Brujería", "Blasfemia", "Injurias graves", "Consumo personal de drogas",
     "الزنا", "السحر والشعوذة", "ازدراء الأديان", "القذف والسب", "شرب الخمر"],
)
def test_behavioural_norms_offences_are_doubts_in_each_language(offence: str) -> None:
    [finding] = fired("excluded.behaviour_cultural_norms", _case(offence))
    assert finding.severity is DOUBT and finding.field == "judicial.charges[0]"
    assert "looks like an offence about behaviour or cultural norms" in finding.message


@pytest.mark.parametrize(
    "offence",
    ["Proxénétisme et prostitution de mineurs", "Escroquerie", "Prostitución forzada", "Estafa",
     "استغلال الأطفال في الدعارة", "الاحتيال"],
)
def test_serious_or_ordinary_offences_are_not_behavioural_norms(offence: str) -> None:
    assert fired("excluded.behaviour_cultural_norms", _case(offence)) == []


# --- Article 3: offence character, subject profile, protests ------------------------------------------

@pytest.mark.parametrize(
    ("offence", "character"),
    [
        ("Désertion en temps de paix", "military"), ("Insoumission", "military"),
        ("Deserción", "military"), ("Evasión del servicio militar", "military"),
        ("الفرار من الخدمة العسكرية", "military"), ("التهرب من التجنيد", "military"),
        ("Trahison", "political"), ("Offense au chef de l'État", "political"),
        ("Sedición", "political"), ("Injurias al presidente de la República", "political"),
        ("نشر أخبار كاذبة", "political"), ("المساس بأمن الدولة", "political"),
        ("Blasphème", "religious"), ("Blasfemia", "religious"), ("الردة", "religious"),
    ],
)
def test_article_3_offences_are_doubts_in_each_language(offence: str, character: str) -> None:
    [finding] = fired("art3.offence_character", _case(offence))
    assert finding.evidence["character"] == character
    assert f"may be an offence of a {character} character" in finding.message


@pytest.mark.parametrize(
    "offence",
    ["Meurtre", "Vol à main armée", "Homicidio", "Robo agravado", "القتل العمد", "السرقة بالإكراه"],
)
def test_ordinary_law_offences_have_no_article_3_character(offence: str) -> None:
    assert fired("art3.offence_character", _case(offence)) == []


def test_membership_of_a_banned_organisation_is_political_unless_violence_is_described() -> None:
    quiet = "En 2023 à Tunis, l'intéressé a distribué des tracts."
    violent = "En 2023 à Tunis, l'intéressé a posé une bombe devant un commissariat."
    offence = "Appartenance à une organisation interdite"
    assert fired("art3.offence_character", _case(offence, quiet))
    assert fired("art3.offence_character", _case(offence, violent)) == []


@pytest.mark.parametrize("occupation", ["journaliste", "periodista", "صحفي", "militante des droits humanos",
                                        "activista", "ناشطة حقوقية"])
def test_a_journalist_or_activist_is_a_doubt_in_each_language(occupation: str) -> None:
    [finding] = fired("art3.subject_profile", build(subject__occupation=occupation))
    assert finding.field == "subject.occupation"
    assert finding.message.startswith("The subject appears to be a politician, journalist")


@pytest.mark.parametrize("occupation", ["comptable", "contador", "محاسب", "chauffeur", "comerciante", "مهندس"])
def test_an_ordinary_occupation_is_not(occupation: str) -> None:
    assert fired("art3.subject_profile", build(subject__occupation=occupation)) == []


@pytest.mark.parametrize(
    "facts",
    [
        "En mars 2024 à Conakry, l'intéressé a organisé une manifestation contre le gouvernement.",
        "En marzo de 2024, en Caracas, el sujeto convocó una manifestación frente al ministerio.",
        "في مارس 2024 في الخرطوم، دعا المعني إلى مظاهرة أمام القصر.",
    ],
)
def test_facts_tied_to_protests_are_a_doubt_in_each_language(facts: str) -> None:
    [finding] = fired("art3.elections_protests", build(judicial__facts_summary=facts))
    assert finding.message.startswith("The facts are tied to elections, protests or political activity")


@pytest.mark.parametrize("facts", SOUND_SUMMARIES)
def test_ordinary_facts_are_not_tied_to_protests(facts: str) -> None:
    assert fired("art3.elections_protests", build(judicial__facts_summary=facts)) == []


# --- excluded.administrative_private_dispute and excluded.unfunded_cheque -----------------------------

ADMIN_FACTS = "En 2023 à Alger, l'intéressé a transféré des devises à l'étranger sans autorisation."


@pytest.mark.parametrize(
    "offence",
    ["Infraction à la réglementation des changes", "Violation du contrôle des changes",
     "Infracción al régimen de control de cambios", "Ilícito cambiario",
     "مخالفة قانون الصرف", "مخالفة التشريع الخاص بالصرف وحركة رؤوس الأموال"],
)
def test_exchange_control_breaches_are_doubts_in_each_language(offence: str) -> None:
    [finding] = fired("excluded.administrative_private_dispute", _case(offence, ADMIN_FACTS))
    assert "breach of administrative law or regulations" in finding.message


def test_an_exchange_control_breach_linked_to_laundering_is_not_excluded() -> None:
    facts = "En 2023 à Alger, l'intéressé a blanchi le produit d'un trafic de stupéfiants."
    assert fired("excluded.administrative_private_dispute",
                 _case("Infraction à la réglementation des changes", facts)) == []


@pytest.mark.parametrize(
    ("offence", "facts", "amount"),
    [
        ("Émission de chèque sans provision", "Le 4 mai 2024 à Dakar, l'intéressé a remis un chèque de "
                                              "12 000 euros à un fournisseur.", "12 000 euros"),
        ("Libramiento de cheque sin fondos", "El 4 de mayo de 2024, en Lima, el sujeto entregó un cheque por "
                                             "USD 8,500 a un proveedor.", "USD 8,500"),
        ("إصدار شيك بدون رصيد", "في 4 مايو 2024 في عمّان، حرر المعني شيكًا بمبلغ 50,000 دينار لمورد.",
         "50,000 دينار"),
    ],
)
def test_unfunded_cheques_are_doubts_with_their_amount_in_each_language(offence: str, facts: str,
                                                                        amount: str) -> None:
    [finding] = fired("excluded.unfunded_cheque", _case(offence, facts, "fraud"))
    assert finding.evidence["cheque_amounts"] == amount
    assert finding.message.startswith("Charge 1") and "unfunded-cheque offence" in finding.message


@pytest.mark.parametrize("offence", ["Escroquerie", "Estafa", "الاحتيال"])
def test_a_fraud_without_a_cheque_is_not_a_cheque_offence(offence: str) -> None:
    assert fired("excluded.unfunded_cheque", _case(offence, category="fraud")) == []


# --- consistency.charges_match_facts: the offence kinds in each language ------------------------------

@pytest.mark.parametrize(
    ("offence", "facts"),
    [
        ("Vol avec arme", "Le 3 mai 2024 à Abidjan, l'intéressé a menacé un caissier avec un pistolet et a "
                          "emporté la recette."),
        ("Calumnia", "El 3 de mayo de 2024, en Cuenca, el sujeto publicó que su vecino era un estafador."),
        ("Peculado", "Entre 2019 y 2020, en Lima, el sujeto desvió fondos públicos a sus cuentas."),
        ("الاختطاف", "في 3 مايو 2024 في القاهرة، اختطف المعني طفلًا وطالب بفدية."),
    ],
)
def test_facts_of_the_charged_kind_raise_no_doubt_in_each_language(offence: str, facts: str) -> None:
    assert fired("consistency.charges_match_facts", _case(offence, facts)) == []


@pytest.mark.parametrize(
    ("offence", "facts"),
    [
        ("Meurtre", "Entre 2019 et 2021 à Lyon, l'intéressé a minoré ses déclarations d'impôt sur le revenu."),
        ("Homicidio", "Entre 2019 y 2021, en Lima, el sujeto ocultó ingresos en sus declaraciones de impuestos."),
        ("القتل العمد", "بين 2019 و2021 في تونس، تهرب المعني من دفع الضريبة على الدخل."),
    ],
)
def test_a_murder_charged_on_tax_facts_is_a_doubt_in_each_language(offence: str, facts: str) -> None:
    [finding] = fired("consistency.charges_match_facts", _case(offence, facts))
    assert finding.evidence["offence_kind"] == "homicide" and "tax offence" in finding.evidence["facts_describe"]
    assert finding.message.startswith("The summary of facts describes conduct of another kind")


# --- judicial.facts_time and judicial.facts_place: the summary may tell them in any language ----------

@pytest.mark.parametrize(
    "facts",
    ["En mars 2024 à Lyon, l'intéressé a falsifié des factures.",
     "En marzo de 2024, en Sevilla, el sujeto falsificó facturas.",
     "في مارس 2024 في الرباط، زور المعني فواتير."],
)
def test_time_and_place_may_be_told_in_the_summary_in_each_language(facts: str) -> None:
    request = build(judicial__facts_summary=facts, judicial__offence_date=None, judicial__offence_place=None)
    assert fired("judicial.facts_time", request) == [] and fired("judicial.facts_place", request) == []


@pytest.mark.parametrize(
    "facts",
    ["L'intéressé a falsifié des factures.", "El sujeto falsificó facturas.", "زور المعني فواتير."],
)
def test_a_summary_without_time_or_place_asks_for_both_in_each_language(facts: str) -> None:
    request = build(judicial__facts_summary=facts, judicial__offence_date=None, judicial__offence_place=None)
    [when] = fired("judicial.facts_time", request)
    [where] = fired("judicial.facts_place", request)
    assert when.missing_item and where.missing_item
