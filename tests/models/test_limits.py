"""The limits on the request contract's texts and lists, and on the messages' texts (``models.request.LIMITS``).

At each boundary: exactly the limit passes, one over is refused naming the field and the limit. A request
is held to them at submission and in an amendment (a validation context with today's date); a request
stored before the limits still decodes and its workflow still replays. The README's table, the schema and
the errors say the same numbers.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pycountry
import pytest
from pydantic import BaseModel, ValidationError
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from models.case import (
    Articles,
    AssessmentSubmitted,
    ClarificationReply,
    DecisionSubmitted,
    InfoRequested,
    NoticeRequestInput,
    ReviewConcluded,
    SourceConsulted,
    Statement,
    WithdrawalRequested,
)
from models.notice import NoticeAction, RenewalRequested
from models.request import (
    ALIASES,
    CHARGES,
    DESCRIPTION_CHARS,
    DIFFUSION_RECIPIENTS,
    FACTS_SUMMARY_CHARS,
    LIMITS,
    NAME_CHARS,
    NATIONALITIES,
    REFERENCE_CHARS,
    STATEMENT_CHARS,
    InvalidRequest,
    NoticeRequest,
    merge_amendments,
    parse_request,
)
from runtime.client import data_converter
from runtime.config import PROJECT_ROOT
from worker import WORKFLOWS

EXAMPLES = PROJECT_ROOT / "examples"
HISTORIES = PROJECT_ROOT / "tests" / "replay" / "histories"
TODAY = date(2026, 11, 29)


def example(name: str = "red-notice-fraud.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return data


def refusal(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(InvalidRequest) as raised:
        parse_request(data, TODAY)
    return [(p.field, p.message) for p in raised.value.problems]


def chars(limit: int) -> str:
    return f"at most {limit:,} characters (got {limit + 1:,})"


def entries(limit: int) -> str:
    return f"at most {limit:,} entries (got {limit + 1:,})"


def countries(count: int, excluding: str) -> list[str]:
    codes = sorted(c.alpha_2 for c in pycountry.countries if c.alpha_2 != excluding)
    return codes[:count]


def set_facts(data: dict[str, Any], size: int) -> None:
    data["judicial"]["facts_summary"] = "f" * size


def set_surname(data: dict[str, Any], size: int) -> None:
    data["subject"]["family_name"] = "N" * size


def set_nationalities(data: dict[str, Any], size: int) -> None:
    data["subject"]["nationalities"] = ["FR"] * size


def set_aliases(data: dict[str, Any], size: int) -> None:
    data["subject"]["aliases"] = [{"family_name": f"ALIAS{i}"} for i in range(size)]


def set_alias_name(data: dict[str, Any], size: int) -> None:
    data["subject"]["aliases"] = [{"family_name": "MARKETTI"}, {"family_name": "A" * size, "forenames": "Luc"}]


def set_charges(data: dict[str, Any], size: int) -> None:
    data["judicial"]["charges"] = [{"offence": f"fraud, count {i}"} for i in range(size)]


def set_offence(data: dict[str, Any], size: int) -> None:
    data["judicial"]["charges"][1]["offence"] = "o" * size


def set_warrant(data: dict[str, Any], size: int) -> None:
    data["judicial"]["arrest_warrant"]["reference"] = "W" * size


def set_recipients(data: dict[str, Any], size: int) -> None:
    data["diffusion_recipients"] = countries(size, excluding=data["requesting_ncb"])


BOUNDARIES: list[tuple[str, str, Callable[[dict[str, Any], int], None], int, str, Callable[[int], str]]] = [
    ("text", "red-notice-fraud.json", set_facts, FACTS_SUMMARY_CHARS, "judicial.facts_summary", chars),
    ("name", "red-notice-fraud.json", set_surname, NAME_CHARS, "subject.family_name", chars),
    ("reference", "red-notice-fraud.json", set_warrant, REFERENCE_CHARS, "judicial.arrest_warrant.reference", chars),
    ("list", "red-notice-fraud.json", set_nationalities, NATIONALITIES, "subject.nationalities", entries),
    ("aliases", "red-notice-fraud.json", set_aliases, ALIASES, "subject.aliases", entries),
    ("charges", "red-notice-fraud.json", set_charges, CHARGES, "judicial.charges", entries),
    ("recipients", "wpd-drug-trafficking.json", set_recipients, DIFFUSION_RECIPIENTS, "diffusion_recipients", entries),
    ("nested alias", "red-notice-fraud.json", set_alias_name, NAME_CHARS, "subject.aliases.1.family_name", chars),
    ("nested charge", "red-notice-fraud.json", set_offence, DESCRIPTION_CHARS, "judicial.charges.1.offence", chars),
]


@pytest.mark.parametrize(
    ("_", "name", "setter", "limit", "field", "message"), BOUNDARIES, ids=[b[0] for b in BOUNDARIES]
)
def test_at_the_limit_passes_one_over_is_refused_naming_the_field_and_the_limit(
    _: str,
    name: str,
    setter: Callable[[dict[str, Any], int], None],
    limit: int,
    field: str,
    message: Callable[[int], str],
) -> None:
    at_limit = example(name)
    setter(at_limit, limit)
    parse_request(at_limit, TODAY)

    over = example(name)
    setter(over, limit + 1)
    assert refusal(over) == [(field, message(limit))]


def test_a_huge_summary_of_facts_is_refused_with_its_size() -> None:
    data = example()
    set_facts(data, 200_113)
    assert refusal(data) == [("judicial.facts_summary", "at most 4,000 characters (got 200,113)")]


def test_a_text_is_measured_once_stripped() -> None:
    data = example()
    data["judicial"]["facts_summary"] = "  " + "f" * FACTS_SUMMARY_CHARS + "\n"
    assert len(parse_request(data, TODAY).judicial.facts_summary) == FACTS_SUMMARY_CHARS


def test_every_field_over_its_limit_is_named_at_once() -> None:
    data = example()
    set_facts(data, FACTS_SUMMARY_CHARS + 1)
    set_surname(data, NAME_CHARS + 1)
    set_charges(data, CHARGES + 1)
    assert sorted(refusal(data)) == [
        ("judicial.charges", entries(CHARGES)),
        ("judicial.facts_summary", chars(FACTS_SUMMARY_CHARS)),
        ("subject.family_name", chars(NAME_CHARS)),
    ]


def test_a_list_is_counted_before_its_entries_are_validated() -> None:
    data = example()
    data["subject"]["aliases"] = [{"family_name": ""}] * 10_000
    assert refusal(data) == [("subject.aliases", "at most 20 entries (got 10,000)")]


def test_the_examples_still_parse() -> None:
    for path in sorted(EXAMPLES.glob("*.json")):
        parse_request(json.loads(path.read_text()), TODAY)


# --- a stored request is not held to them ------------------------------------------------------


def over_every_limit() -> dict[str, Any]:
    data = example()
    set_facts(data, 200_113)
    set_aliases(data, ALIASES + 5)
    data["subject"]["occupation"] = "o" * (NAME_CHARS + 1)
    data["judicial"]["charges"][0]["offence"] = "c" * (DESCRIPTION_CHARS + 1)
    return data


def test_a_stored_request_over_the_limits_decodes_without_the_submission_context() -> None:
    data = over_every_limit()
    refused = refusal(copy.deepcopy(data))
    assert {field for field, _ in refused} == {
        "judicial.facts_summary",
        "subject.aliases",
        "subject.occupation",
        "judicial.charges.0.offence",
    }

    stored = NoticeRequest.model_validate(data)
    assert len(stored.judicial.facts_summary) == 200_113
    assert len(stored.subject.aliases) == ALIASES + 5

    # As the workflow reads its input: through the data converter, no validation context.
    payload = data_converter().payload_converter.to_payloads([NoticeRequestInput(request_id="R-1", request=stored)])
    (decoded,) = data_converter().payload_converter.from_payloads(payload, [NoticeRequestInput])
    assert decoded.request == stored


def with_request_over_the_limits(path: Path) -> str:
    """A recorded history whose stored request is over the limits, as one started before them would be."""
    history = json.loads(path.read_text())
    started = history["events"][0]["workflowExecutionStartedEventAttributes"]
    payload = started["input"]["payloads"][0]
    workflow_input = json.loads(base64.b64decode(payload["data"]))
    subject, judicial = workflow_input["request"]["subject"], workflow_input["request"]["judicial"]
    judicial["facts_summary"] = "f" * 200_113
    subject["occupation"] = "o" * (NAME_CHARS + 1)
    subject["aliases"] = [{"family_name": f"ALIAS{i}", "forenames": None} for i in range(ALIASES + 5)]
    payload["data"] = base64.b64encode(json.dumps(workflow_input).encode()).decode()
    with pytest.raises(InvalidRequest):
        parse_request(workflow_input["request"], TODAY)
    return json.dumps(history)


@pytest.mark.parametrize(
    "name",
    [
        "NoticeRequestWorkflow__approved",
        "NoticeRequestWorkflow__amended",  # an amendment merged into the stored request, on replay
        "NoticeRequestWorkflow__amended__before_stage_moves",
    ],
)
async def test_a_workflow_started_with_a_request_over_the_limits_still_replays(name: str) -> None:
    history = WorkflowHistory.from_json(name, with_request_over_the_limits(HISTORIES / f"{name}.json"))
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None


# --- amendments --------------------------------------------------------------------------------


def test_an_amendment_is_held_to_the_limits_on_what_it_changes() -> None:
    request = parse_request(example(), TODAY)
    merge_amendments(request, {"judicial": {"facts_summary": "f" * FACTS_SUMMARY_CHARS}}, TODAY)
    with pytest.raises(InvalidRequest) as raised:
        merge_amendments(request, {"judicial": {"facts_summary": "f" * (FACTS_SUMMARY_CHARS + 1)}}, TODAY)
    assert [(p.field, p.message) for p in raised.value.problems] == [
        ("judicial.facts_summary", chars(FACTS_SUMMARY_CHARS))
    ]
    too_long = {"judicial": {"charges": [{"offence": "o" * (DESCRIPTION_CHARS + 1)}]}}
    with pytest.raises(InvalidRequest) as raised:
        merge_amendments(request, too_long, TODAY)
    assert [(p.field, p.message) for p in raised.value.problems] == [
        ("judicial.charges.0.offence", chars(DESCRIPTION_CHARS))
    ]


def test_an_amendment_of_a_stored_request_over_the_limits_is_not_refused_for_what_it_leaves_alone() -> None:
    stored = NoticeRequest.model_validate(over_every_limit())
    amended = merge_amendments(stored, {"subject": {"photo_available": False}}, TODAY)
    assert len(amended.judicial.facts_summary) == 200_113
    assert amended.subject.photo_available is False

    with pytest.raises(InvalidRequest) as raised:
        merge_amendments(stored, {"subject": {"aliases": [{"family_name": "X" * (NAME_CHARS + 1)}]}}, TODAY)
    assert [(p.field, p.message) for p in raised.value.problems] == [
        ("subject.aliases.0.family_name", chars(NAME_CHARS))
    ]
    # Other checks of the amended request still run.
    with pytest.raises(InvalidRequest) as raised:
        merge_amendments(stored, {"judicial": {"offence_date": "2099-01-01"}}, TODAY)
    assert [p.field for p in raised.value.problems] == ["judicial.offence_date"]


# --- the messages' texts -----------------------------------------------------------------------


class QuestionBody(BaseModel):
    """A reviewer's body as the API reads it (``api/routes/reviewers.py`` takes ``Statement``)."""

    question: Statement
    articles: Articles = []


def test_a_statement_of_a_reviewer_message_is_refused_over_its_limit_where_the_api_reads_it() -> None:
    assert QuestionBody(question="q" * STATEMENT_CHARS).question == "q" * STATEMENT_CHARS
    with pytest.raises(ValidationError) as raised:
        QuestionBody.model_validate({"question": "q" * (STATEMENT_CHARS + 1)})
    (error,) = raised.value.errors()
    assert (error["loc"], error["msg"]) == (("question",), chars(STATEMENT_CHARS))

    with pytest.raises(ValidationError) as raised:
        QuestionBody.model_validate({"question": "q", "articles": ["Art. 3"] * 21})
    assert [(e["loc"], e["msg"]) for e in raised.value.errors()] == [(("articles",), entries(20))]


def test_a_reviewer_message_in_a_workflow_history_is_taken_as_it_is() -> None:
    long = "q" * (STATEMENT_CHARS + 1)
    assert InfoRequested.model_validate({"reviewer_id": "legal.ana", "question": long}).question == long
    # The same message validated as a submission is held to the limit.
    with pytest.raises(ValidationError) as raised:
        InfoRequested.model_validate({"reviewer_id": "legal.ana", "question": long}, context={"today": TODAY})
    assert [(e["loc"], e["msg"]) for e in raised.value.errors()] == [(("question",), chars(STATEMENT_CHARS))]


MESSAGE_TEXTS: list[tuple[type[BaseModel], str]] = [
    (ClarificationReply, "answer"),
    (InfoRequested, "question"),
    (ReviewConcluded, "summary"),
    (SourceConsulted, "summary"),
    (AssessmentSubmitted, "basis"),
    (DecisionSubmitted, "reason"),
    (DecisionSubmitted, "override_justification"),
    (WithdrawalRequested, "reason"),
    (NoticeAction, "reason"),
    (RenewalRequested, "reason"),
]


@pytest.mark.parametrize(("model", "field"), MESSAGE_TEXTS, ids=[f"{m.__name__}.{f}" for m, f in MESSAGE_TEXTS])
def test_each_message_text_says_its_limit_in_the_schema(model: type[BaseModel], field: str) -> None:
    schema = model.model_json_schema()["properties"][field]
    lengths = [option.get("maxLength") for option in schema.get("anyOf", [schema]) if option.get("type") == "string"]
    assert lengths == [STATEMENT_CHARS]


# --- one table: the README, the schema and the errors -----------------------------------------


def schema_at(path: str) -> dict[str, Any]:
    """The JSON schema of a dotted request path (``[]``: an entry of the list)."""
    root = NoticeRequest.model_json_schema()
    definitions = root["$defs"]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        options = [o for o in node.get("anyOf", [node]) if o.get("type") != "null"]
        (option,) = options
        if "$ref" in option:
            return resolve(definitions[option["$ref"].rsplit("/", 1)[1]])
        return option

    node = root
    for part in path.split("."):
        items = part.endswith("[]")
        node = resolve(resolve(node)["properties"][part.removesuffix("[]")])
        if items:
            node = resolve(node["items"])
    return resolve(node)


def test_the_schema_says_every_limit_of_the_table() -> None:
    checked = 0
    for fields, (limit, unit) in LIMITS.items():
        if fields.startswith("messages: "):
            continue
        for path in fields.split(", "):
            schema = schema_at(path)
            key = "maxLength" if unit == "characters" else "maxItems"
            assert schema.get(key) == limit, (path, schema)
            checked += 1
    assert checked >= 25


def test_every_text_and_list_of_the_request_has_a_limit() -> None:
    unbounded_by_design = {"requesting_ncb", "issuing_country", "sex", "date_of_birth", "offence_date"}
    root = NoticeRequest.model_json_schema()
    missing: list[str] = []

    def visit(properties: dict[str, Any], prefix: str) -> None:
        for name, node in properties.items():
            path = f"{prefix}{name}"
            for option in node.get("anyOf", [node]):
                if "$ref" in option:
                    visit(root["$defs"][option["$ref"].rsplit("/", 1)[1]].get("properties", {}), path + ".")
                elif option.get("type") == "array":
                    if "maxItems" not in option:
                        missing.append(path)
                    items = option["items"]
                    if "$ref" in items:
                        visit(root["$defs"][items["$ref"].rsplit("/", 1)[1]]["properties"], path + "[].")
                elif option.get("type") == "string" and "enum" not in option and "format" not in option:
                    if "maxLength" not in option and name not in unbounded_by_design:
                        missing.append(path)

    visit(root["properties"], "")
    assert missing == []


def test_the_readme_table_is_the_limits_table() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("### Limits of the request contract", 1)[1].split("\n\n", 3)[2]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| field")]
    documented: dict[str, tuple[int, str]] = {}
    for row in rows:
        cell, amount = (c.strip() for c in row.strip("|").split(" | "))
        number, unit = amount.split(" ")
        documented[re.sub(r"`", "", cell)] = (int(number.replace(",", "")), unit)
    assert documented == LIMITS
