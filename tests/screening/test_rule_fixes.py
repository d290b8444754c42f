"""The rules a legal read found wrong or missing, each at its boundary: it fires on what it is about and
stays silent on the sound request next to it.

Requests start from the clean fraud example (no findings at all) and change one thing.
"""

from __future__ import annotations

from typing import Any

import pytest

from models.findings import Finding, Severity
from screening.rules import RULES_BY_ID, apply_rules
from tests.screening.conftest import DROP, TODAY, build

BLOCKING, DOUBT = Severity.BLOCKING, Severity.DOUBT


def fired(rule_id: str, request: object) -> list[Finding]:
    assert rule_id in RULES_BY_ID, rule_id
    return [f for f in apply_rules(request, TODAY) if f.rule_id == rule_id]  # type: ignore[arg-type]


def _charge(offence: str, category: str = "other", months: int = 36) -> list[dict[str, Any]]:
    return [{"offence": offence, "law": "CP 1", "max_penalty_months": months, "category": category}]


def _case(offence: str, facts: str, category: str = "other", **changes: Any) -> object:
    return build(judicial__charges=_charge(offence, category), judicial__facts_summary=facts, **changes)


# --- 1. consistency.charges_match_facts: conduct of the charged kind, not word stems ----------------


@pytest.mark.parametrize(
    ("offence", "category", "facts"),
    [
        ("Fraud", "fraud", "Between March and June 2023 in Porto the subject persuaded retirees to invest in a "
                           "non-existent fund."),
        ("Fraud", "other", "Between March and June 2023 in Porto the subject persuaded retirees to invest in a "
                           "non-existent fund."),
        ("Desertion", "desertion", "On 4 April 2022 in Kherson the subject left his unit without leave."),
        ("Desertion", "other", "On 4 April 2022 in Kherson the subject left his unit without leave."),
        ("Aggravated fraud", "fraud", "From 2019 to 2021 in Valencia the subject took deposits for selling "
                                      "apartments that were never built."),
        ("Murder", "murder", "On 2 June 2024 in Lyon the subject shot his business partner."),
    ],
)
def test_facts_describing_conduct_of_the_charged_kind_raise_no_doubt(offence: str, category: str,
                                                                      facts: str) -> None:
    assert fired("consistency.charges_match_facts", _case(offence, facts, category)) == []


@pytest.mark.parametrize("category", ["murder", "other"])
def test_murder_charged_on_facts_about_tax_filings_is_a_doubt(category: str) -> None:
    facts = "Between 2019 and 2021 in Lyon the subject filed false tax returns understating his company's income."
    [finding] = fired("consistency.charges_match_facts", _case("Murder", facts, category))
    assert finding.severity is DOUBT and finding.article == "RPD Art. 12"
    assert finding.field == "judicial.charges[0]"
    assert "Murder" in finding.message and finding.evidence["offence_kind"] == "homicide"
    assert "tax offence" in finding.evidence["facts_describe"]


def test_facts_describing_nothing_recognisable_are_left_to_the_substance_rule() -> None:
    facts = "On 2 May 2023 in Turin the subject emptied a client's strongbox."
    assert fired("consistency.charges_match_facts", _case("Theft", facts, "theft")) == []


def test_a_charge_of_no_known_kind_is_not_judged() -> None:
    facts = "On 3 May 2024 in Lyon the subject sold counterfeit watches."
    assert fired("consistency.charges_match_facts", _case("Infringement of trademark rights", facts)) == []


# --- 2. judicial.facts_substance: time, place and conduct in the summary itself ------------------


def test_a_summary_naming_only_the_offence_asks_the_ncb_for_the_facts() -> None:
    # The structured offence date and place are given, so judicial.facts_time/facts_place stay silent; what
    # the subject did is told nowhere else, so the mandatory summary is missing and is asked for.
    request = build(judicial__facts_summary="The subject committed fraud.")
    assert fired("judicial.facts_time", request) == [] and fired("judicial.facts_place", request) == []
    [finding] = fired("judicial.facts_substance", request)
    assert finding.severity is BLOCKING and finding.article == "RPD Art. 83(2)(b)(i)"
    assert finding.field == "judicial.facts_summary"
    assert finding.evidence["missing"] == "time, place, conduct"
    assert "when" in finding.message and "where" in finding.message and "what the subject did" in finding.message
    assert finding.missing_item and "what the subject did" in finding.missing_item


@pytest.mark.parametrize(
    "facts",
    ["In 2021 the subject forged invoices to defraud investors.", "In Lyon the subject forged invoices to defraud "
     "investors.", "The subject forged invoices to defraud investors."],
)
def test_a_summary_telling_the_acts_without_time_or_place_stays_a_doubt(facts: str) -> None:
    [finding] = fired("judicial.facts_substance", build(judicial__facts_summary=facts))
    assert finding.severity is DOUBT and finding.missing_item is None


@pytest.mark.parametrize(
    ("facts", "missing"),
    [
        ("In 2021 the subject forged invoices to defraud investors.", "place"),
        ("In Lyon the subject forged invoices to defraud investors.", "time"),
        ("In 2021 in Lyon the subject committed fraud.", "conduct"),
        ("In 2021 in Lyon the subject is accused of organised fraud.", "conduct"),
        ("The subject is suspected of the murder of his wife on 12 May 2021 in Kraków.", "conduct"),
    ],
)
def test_each_missing_element_is_named(facts: str, missing: str) -> None:
    [finding] = fired("judicial.facts_substance", build(judicial__facts_summary=facts))
    assert finding.evidence["missing"] == missing


@pytest.mark.parametrize(
    "facts",
    [
        "Between January and October 2024 in Marseille the subject diverted EUR 4.2 million from investors.",
        "On 12.03.2023 at the port of Algeciras the subject imported 40 kg of cocaine.",
        "In March 2024 the subject stole a car in Lyon.",
        "Between May and July 2025 the subject insulted officials online.",
        "Between 2018 and 2020 in FR the subject sold shares in a fund that did not exist.",
        "On 03/05/2022 at Heathrow airport the subject was found carrying 5 kg of cocaine.",
        "In 2020 the victim's body was found in a flat in Warsaw; the subject had strangled her.",
        "On 14 February 2023, in the city of Guayaquil, the subject shot dead a police officer.",
    ],
)
def test_a_summary_with_time_place_and_conduct_passes(facts: str) -> None:
    assert fired("judicial.facts_substance", build(judicial__facts_summary=facts)) == []


# --- 3. excluded offences that passed with no finding ---------------------------------------------


@pytest.mark.parametrize(
    ("offence", "category"),
    [
        ("Violation of exchange control regulations", "other"),
        ("Breach of foreign currency regulations", "other"),
        ("Illegal export of currency", "exchange_control"),
        ("Non-compliance with customs and tax regulations", "other"),
        ("Non-payment of a commercial debt", "other"),
        ("Failure to repay a business loan", "other"),
    ],
)
def test_administrative_breaches_and_commercial_debts_are_doubts(offence: str, category: str) -> None:
    facts = "Between 2021 and 2022 in Casablanca the subject transferred funds abroad without declaring them."
    [finding] = fired("excluded.administrative_private_dispute", _case(offence, facts, category))
    assert finding.severity is DOUBT and finding.article == "RPD Art. 83(1)(a)(iii)"
    assert finding.field == "judicial.charges[0]"


def test_exchange_control_breach_linked_to_organised_crime_is_not_excluded() -> None:
    facts = ("Between 2021 and 2022 in Casablanca the subject moved cash abroad for a criminal organisation "
             "trafficking cocaine.")
    request = _case("Violation of exchange control regulations", facts)
    assert fired("excluded.administrative_private_dispute", request) == []


def test_an_unpaid_debt_charged_as_fraud_with_no_deceit_is_a_private_dispute() -> None:
    facts = "In 2023 in Bucharest the subject failed to repay a loan of EUR 80,000 granted by a business partner."
    [finding] = fired("excluded.administrative_private_dispute", _case("Fraud", facts, "fraud"))
    assert finding.field == "judicial.facts_summary" and finding.evidence["matched"] == "failed to repay"
    assert "fraudulent conduct" in finding.message


@pytest.mark.parametrize(
    ("offence", "category", "facts"),
    [
        ("Murder", "murder", "In 2023 in Bucharest the subject shot a man who had failed to repay him a loan."),
        ("Fraud", "fraud", "In 2023 in Bucharest the subject failed to repay a loan and beat the lender."),
    ],
)
def test_facts_of_a_debt_beside_a_violent_crime_are_no_private_dispute(offence: str, category: str,
                                                                        facts: str) -> None:
    assert fired("excluded.administrative_private_dispute", _case(offence, facts, category)) == []


def test_a_breach_of_safety_regulations_causing_death_is_not_administrative() -> None:
    facts = "On 2 May 2023 in Dhaka the subject, the factory owner, locked the fire exits; 40 workers died."
    request = _case("Breach of fire safety regulations causing death", facts)
    assert fired("excluded.administrative_private_dispute", request) == []


def test_an_unpaid_debt_obtained_by_deceit_is_not_a_private_dispute() -> None:
    facts = ("In 2023 in Bucharest the subject obtained a loan of EUR 80,000 from a business partner by presenting "
             "forged bank statements, and failed to repay it.")
    assert fired("excluded.administrative_private_dispute", _case("Fraud", facts, "fraud")) == []


@pytest.mark.parametrize(
    ("offence", "category"),
    [
        ("Same-sex relations", "other"),
        ("Sodomy", "other"),
        ("Carnal knowledge against the order of nature", "other"),
        ("Homosexual acts", "other"),
        ("Indecent behaviour", "same_sex_relations"),
    ],
)
def test_offences_criminalising_same_sex_relations_are_article_2_and_behaviour_doubts(offence: str,
                                                                                        category: str) -> None:
    request = build(judicial__charges=_charge(offence, category))
    [human_rights] = fired("art2.same_sex_relations", request)
    assert human_rights.article == "Constitution Art. 2(1)" and human_rights.severity is DOUBT
    assert human_rights.field == "judicial.charges[0]"
    [behaviour] = fired("excluded.behaviour_cultural_norms", request)
    assert behaviour.article == "RPD Art. 83(1)(a)(i)"


@pytest.mark.parametrize("offence", ["Sodomy of a minor", "Rape", "Sexual assault of a man", "Gay bashing assault"])
def test_sexual_violence_and_abuse_of_minors_are_not_same_sex_relations_offences(offence: str) -> None:
    assert fired("art2.same_sex_relations", build(judicial__charges=_charge(offence))) == []


# --- 4. excluded.unfunded_cheque: every cheque a doubt, its own amount as written -----------------


def _cheques(facts: str, offence: str = "Issuing a cheque without sufficient funds") -> object:
    return _case(offence, facts, "unfunded_cheque")


@pytest.mark.parametrize(
    ("facts", "amounts"),
    [
        ("On 3 May 2024 in Dubai the subject, who owed USD 2,000,000 to a bank, gave a supplier a cheque for "
         "AED 45,000 that bounced.", "AED 45,000"),
        ("On 3 May 2024 in Lima the subject paid with a cheque for $5,000 that was returned unpaid.", "$5,000"),
        ("On 3 May 2024 in Lyon the subject handed over cheque No. 0045123 drawn on BNP for EUR 9,000.",
         "EUR 9,000"),
        ("On 3 May 2024 in Rabat the subject issued a MAD 120,000 cheque to a landlord.", "MAD 120,000"),
        ("In 2024 in Dakar the subject issued two cheques, one of 2 000 000 francs CFA and one of 500 000 francs "
         "CFA, both unfunded.", "2 000 000 francs CFA; 500 000 francs CFA"),
        ("On 3 May 2024 in Lyon the subject paid a supplier with a cheque that bounced.", "not stated"),
    ],
)
def test_each_cheque_amount_is_the_one_attached_to_the_cheque_as_written(facts: str, amounts: str) -> None:
    [finding] = fired("excluded.unfunded_cheque", _cheques(facts))
    assert finding.severity is DOUBT and finding.article == "RPD Art. 83(1)(a)(iii)"
    assert finding.evidence["cheque_amounts"] == amounts
    assert "USD" not in finding.message or "USD" in amounts


def test_a_large_repeated_cheque_fraud_is_still_a_doubt_noting_the_fraud_indicator() -> None:
    facts = ("Between 2022 and 2023 in Abidjan the subject, posing as a wholesaler under a false identity, "
             "issued 14 cheques of XOF 25,000,000 each on an account he knew to be closed.")
    [finding] = fired("excluded.unfunded_cheque", _cheques(facts, "Issuing unfunded cheques"))
    assert finding.evidence["cheque_amounts"] == "XOF 25,000,000"
    assert finding.evidence["fraud_indicator"] == "false"


def test_the_amount_in_the_charge_itself_comes_first() -> None:
    facts = "On 3 May 2024 in Lyon the subject paid a supplier EUR 1,000 in cash and with a cheque for EUR 70,000."
    [finding] = fired("excluded.unfunded_cheque", _cheques(facts, "Issuing a dishonoured cheque for GBP 300"))
    assert finding.evidence["cheque_amounts"] == "GBP 300"


def test_no_cheque_no_cheque_finding() -> None:
    assert fired("excluded.unfunded_cheque", build()) == []


# --- 5. Article 3 patterns --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offence", "character"),
    [
        ("Draft evasion", "military"),
        ("Evasion of military service", "military"),
        ("Evading mobilisation", "military"),
        ("Absence without leave", "military"),
        ("Unauthorised absence from the unit", "military"),
        ("Conscientious objection", "military"),
        ("Refusal to perform military service", "military"),
        ("Participation in mass riots", "political"),
        ("Organisation of mass riots", "political"),
        ("Participation in the activities of an undesirable organisation", "political"),
        ("Membership of a banned organisation", "political"),
        ("Participation in an extremist community", "political"),
    ],
)
def test_military_and_political_offences_are_article_3_doubts(offence: str, character: str) -> None:
    facts = "Between 2021 and 2022 in Minsk the subject attended meetings and distributed leaflets."
    [finding] = fired("art3.offence_character", _case(offence, facts))
    assert finding.article == "Constitution Art. 3" and finding.severity is DOUBT
    assert finding.evidence["character"] == character


def test_membership_of_a_banned_group_that_committed_violent_acts_is_not_flagged_for_membership_alone() -> None:
    facts = "On 2 June 2024 in Kabul the subject, a member of a banned group, planted a bomb in a market."
    assert fired("art3.offence_character", _case("Membership of a banned organisation", facts)) == []


@pytest.mark.parametrize("offence", ["Organised fraud", "Riot police assault", "Armed robbery of a military depot"])
def test_ordinary_crimes_are_not_article_3_offences(offence: str) -> None:
    assert fired("art3.offence_character", build(judicial__charges=_charge(offence))) == []


# --- 6. behavioural-norms list --------------------------------------------------------------------


@pytest.mark.parametrize(
    "offence",
    [
        "Prostitution",
        "Distribution of pornography",
        "Commercial surrogacy",
        "Same-sex relations",
        "Extramarital relations",
        "Adultery",
        "Witchcraft",
        "Practising sorcery",
        "Consumption of alcohol",
        "Possession of alcoholic beverages",
    ],
)
def test_behavioural_norm_offences_are_excluded(offence: str) -> None:
    [finding] = fired("excluded.behaviour_cultural_norms", build(judicial__charges=_charge(offence)))
    assert finding.article == "RPD Art. 83(1)(a)(i)" and finding.severity is DOUBT
    assert finding.field == "judicial.charges[0]"


@pytest.mark.parametrize(
    "offence",
    [
        "Forced prostitution",
        "Exploitation of the prostitution of others",
        "Child pornography",
        "Trafficking of children through surrogacy",
        "Driving under the influence of alcohol causing death",
        "Murder in a witchcraft ritual",
        "Non-consensual sexual intercourse",
        "Indecent assault",
        "Smuggling of alcohol",
        "Revenge pornography",
    ],
)
def test_serious_crimes_near_the_behavioural_list_are_not_excluded(offence: str) -> None:
    assert fired("excluded.behaviour_cultural_norms", build(judicial__charges=_charge(offence))) == []


# --- 7. judicial authority; the in absentia assurance ---------------------------------------------


def _warrant(authority: str) -> dict[str, object]:
    return {"reference": "W-1", "issued_on": "2025-02-03", "issuing_authority": authority, "valid_until": None}


@pytest.mark.parametrize(
    "authority",
    ["National Police, Criminal Investigation Department", "Ministry of Interior", "Office of the Prosecutor General",
     "Fiscalía General de la Nación", "Investigative Committee"],
)
def test_a_warrant_of_a_police_or_prosecutorial_body_is_a_doubt(authority: str) -> None:
    [finding] = fired("judicial.issuing_authority", build(judicial__arrest_warrant=_warrant(authority)))
    assert finding.severity is DOUBT and finding.article == "RPD Art. 83(2)(b)(v)"
    assert finding.field == "judicial.arrest_warrant.issuing_authority"
    assert finding.evidence["issuing_authority"] == authority


@pytest.mark.parametrize(
    "authority",
    ["Juge d'instruction, Tribunal judiciaire de Marseille", "Basic Court",
     "Investigating judge at the request of the Public Prosecutor", "Juzgado Central de Instrucción n.º 5",
     "Judicial Police at the order of the Tribunal", "Amtsgericht München"],
)
def test_a_warrant_naming_a_court_or_judge_is_fine(authority: str) -> None:
    assert fired("judicial.issuing_authority", build(judicial__arrest_warrant=_warrant(authority))) == []


@pytest.mark.parametrize(
    "authority",
    ["Prosecutor at the Court of Appeal", "Procureur de la République près le Tribunal de première instance de Lomé",
     "Fiscalía adscrita al Juzgado Penal de Quito"],
)
def test_a_prosecutor_named_with_the_court_they_sit_at_is_still_a_prosecutor(authority: str) -> None:
    [finding] = fired("judicial.issuing_authority", build(judicial__arrest_warrant=_warrant(authority)))
    assert finding.evidence["issuing_authority"] == authority


def test_a_court_decision_by_a_prosecutor_is_a_doubt_too() -> None:
    decision = {"reference": "D-1", "issued_on": "2025-03-01", "issuing_authority": "Procuratura of the Republic"}
    request = build(purpose="serve_sentence", judicial__arrest_warrant=DROP, judicial__court_decision=decision,
                    judicial__sentence={"imposed_months": 60, "remaining_months": 40})
    [finding] = fired("judicial.issuing_authority", request)
    assert finding.field == "judicial.court_decision.issuing_authority"


def test_in_absentia_asks_for_the_retrial_or_appeal_assurance() -> None:
    decision = {"reference": "T-1", "issued_on": "2025-03-01", "issuing_authority": "Court", "in_absentia": True}
    [finding] = fired("art2.trial_in_absentia", build(judicial__court_decision=decision))
    assert "retrial or appeal" in finding.message and "RPD Art. 84" in finding.message


# --- every new or changed rule is catalogued --------------------------------------------------------


@pytest.mark.parametrize(
    ("rule_id", "article"),
    [
        ("consistency.charges_match_facts", "RPD Art. 12"),
        ("judicial.facts_substance", "RPD Art. 83(2)(b)(i)"),
        ("judicial.issuing_authority", "RPD Art. 83(2)(b)(v)"),
        ("excluded.behaviour_cultural_norms", "RPD Art. 83(1)(a)(i)"),
        ("excluded.family_private", "RPD Art. 83(1)(a)(ii)"),
        ("excluded.administrative_private_dispute", "RPD Art. 83(1)(a)(iii)"),
        ("excluded.unfunded_cheque", "RPD Art. 83(1)(a)(iii)"),
        ("art3.offence_character", "Constitution Art. 3"),
        ("art2.same_sex_relations", "Constitution Art. 2(1)"),
    ],
)
def test_changed_rules_are_doubts_with_their_article(rule_id: str, article: str) -> None:
    rule = RULES_BY_ID[rule_id]
    assert rule.article == article and rule.severity is DOUBT and rule.fields and rule.explanation
