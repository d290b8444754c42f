"""Hostile submissions: a valid request with one field made wrong, an oversized body, a field over its
limit. Each is refused with a problem naming the field, and nothing reaches Temporal or the registry."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from models.ids import request_id_for
from models.request import LIMITS
from tests.api.conftest import Api
from tests.hostile.conftest import hostile, names, no_workflow, problem, registered, unique_reference
from tests.workflows.conftest import EXAMPLES

FRAUD: dict[str, Any] = json.loads((EXAMPLES / "red-notice-fraud.json").read_text())

DELETE = object()
"""A mutation that removes the field."""


@dataclass(frozen=True)
class Mutation:
    path: tuple[str | int, ...]
    value: Any
    why: str

    @property
    def field(self) -> str:
        return ".".join(str(part) for part in self.path)

    def apply(self, body: dict[str, Any]) -> dict[str, Any]:
        changed = copy.deepcopy(body)
        target: Any = changed
        for part in self.path[:-1]:
            target = target[part]
        if self.value is DELETE:
            del target[self.path[-1]]
        else:
            target[self.path[-1]] = self.value
        return changed


SMALL_OBJECT = st.dictionaries(st.text(max_size=5), st.integers(), max_size=2)
NOT_TEXT = st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), max_size=3), SMALL_OBJECT)
BLANK = st.text(alphabet=" \t\n\r\u00a0\u2003", min_size=0, max_size=20)
CONTROL = st.sampled_from(["\x00", "\x1b[2J", "\x1b]0;pwned\x07", "\x07", "\x08", "\x7f", "\x9b31m"])
LINE_BREAK = st.sampled_from(["\r\n", "\n", "\r", "\u2028", "\x0b", "\x0c", "\x85"])
SOME_TEXT = st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "Zs"]), min_size=1, max_size=12)


def over(limit: int) -> st.SearchStrategy[str]:
    """Text longer than ``limit`` once stripped."""
    return st.builds(lambda n, c: c * n, st.integers(limit + 1, limit * 3), st.sampled_from("xé字ب"))


def within_text(hostile: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``hostile`` inside ordinary text, so stripping the ends cannot remove it."""
    return st.builds(lambda a, h, b: f"A{a}{h}{b}Z", SOME_TEXT, hostile, SOME_TEXT)


ONE_LINE_FIELDS: dict[tuple[str | int, ...], int] = {
    ("subject", "family_name"): 100,
    ("subject", "forenames"): 100,
    ("subject", "place_of_birth"): 200,
    ("subject", "occupation"): 100,
    ("subject", "aliases", 0, "family_name"): 100,
    ("subject", "identity_documents", 0, "number"): 50,
    ("subject", "physical_description", "eye_colour"): 50,
    ("judicial", "offence_place"): 200,
    ("judicial", "charges", 0, "law"): 200,
    ("judicial", "arrest_warrant", "reference"): 200,
    ("judicial", "arrest_warrant", "issuing_authority"): 200,
    ("contact", "officer"): 100,
}
"""Texts of one line (names, places, references) and their limits: no line break, no control character."""
LINES_FIELDS: dict[tuple[str | int, ...], int] = {
    ("judicial", "facts_summary"): 4000,
    ("judicial", "charges", 0, "offence"): 1000,
    ("subject", "physical_description", "distinguishing_marks"): 1000,
}
"""Texts that may run over lines: a control character other than a line break or a tab is still refused."""
REQUIRED = [
    ("kind",), ("requesting_ncb",), ("ncb_reference",), ("purpose",), ("subject",), ("judicial",), ("contact",),
    ("subject", "family_name"), ("judicial", "facts_summary"), ("judicial", "charges"),
    ("judicial", "charges", 0, "offence"), ("contact", "officer"), ("contact", "email"),
    ("subject", "identity_documents", 0, "number"), ("judicial", "arrest_warrant", "issued_on"),
]
OBJECTS = [(), ("subject",), ("judicial",), ("contact",), ("subject", "physical_description"),
           ("judicial", "charges", 0), ("judicial", "arrest_warrant"), ("subject", "aliases", 0)]


CHOICES = {"red_notice", "wanted_person_diffusion", "prosecution", "serve_sentence", "M", "F", "X"}


def mutations() -> st.SearchStrategy[Mutation]:
    text_fields = {**ONE_LINE_FIELDS, **LINES_FIELDS}
    text_path = st.sampled_from(sorted(text_fields, key=str))
    one_line = st.sampled_from(sorted(ONE_LINE_FIELDS, key=str))
    lines = st.sampled_from(sorted(LINES_FIELDS, key=str))
    required_text = st.sampled_from([p for p in REQUIRED if p in text_fields])
    return st.one_of(
        st.builds(lambda p: Mutation(p, DELETE, "missing"), st.sampled_from(REQUIRED)),
        st.builds(lambda p, v: Mutation(p, v, "not text"), text_path, NOT_TEXT),
        st.builds(lambda p, v: Mutation(p, v, "blank"), required_text, BLANK),
        text_path.flatmap(lambda p: over(text_fields[p]).map(lambda v: Mutation(p, v, "over its limit"))),
        st.builds(lambda p, v: Mutation(p, v, "a line break in one line"), one_line, within_text(LINE_BREAK)),
        st.builds(lambda p, v: Mutation(p, v, "a control character"), st.one_of(one_line, lines), within_text(CONTROL)),
        st.builds(
            lambda p, v: Mutation(p, v, "not a country"),
            st.sampled_from([("requesting_ncb",), ("subject", "nationalities", 0),
                             ("subject", "identity_documents", 0, "issuing_country")]),
            st.one_of(st.sampled_from(["XX", "ZZ", "FRA", "", "F", "F R", "1", "EU"]), NOT_TEXT),
        ),
        st.builds(
            lambda p, v: Mutation(p, v, "not a date"),
            st.sampled_from([("subject", "date_of_birth"), ("judicial", "offence_date"),
                             ("judicial", "arrest_warrant", "issued_on")]),
            st.one_of(st.sampled_from(["2024-02-30", "1899-12", "31/12/2000", "3000-01-01", "2024-13", "yesterday"]),
                      st.lists(st.integers(), max_size=2), SMALL_OBJECT),
        ),
        st.builds(
            lambda p, v: Mutation(p, v, "not one of the choices"),
            st.sampled_from([("kind",), ("purpose",), ("subject", "sex")]),
            st.one_of(SOME_TEXT.filter(lambda t: t not in CHOICES), NOT_TEXT),
        ),
        st.builds(
            lambda v: Mutation(("subject", "physical_description", "height_cm"), v, "not a height"),
            st.one_of(st.integers(max_value=39), st.integers(min_value=261), st.sampled_from(["tall", "1e3x", [], {}])),
        ),
        st.builds(
            lambda v: Mutation(("judicial", "charges", 0, "max_penalty_months"), v, "not a penalty"),
            st.one_of(st.integers(max_value=-1), st.sampled_from(["ten", "1e3x", [], {}, 1.5])),
        ),
        st.builds(
            lambda p, v: Mutation(p, v, "not a boolean"),
            st.sampled_from([("subject", "photo_available"), ("extradition_assurance",)]),
            st.one_of(st.sampled_from(["maybe", "2", "oui"]), st.lists(st.booleans(), max_size=2),
                      st.dictionaries(st.text(max_size=3), st.booleans(), max_size=2)),
        ),
        st.builds(
            lambda p, n: Mutation(p, ["FR"] * n if p[-1] == "nationalities" else [FRAUD["subject"]["aliases"][0]] * n,
                                  "too many entries"),
            st.sampled_from([("subject", "nationalities"), ("subject", "aliases")]),
            st.integers(21, 200),
        ),
        st.builds(lambda p, k: Mutation((*p, k), "x", "not a field of the contract"), st.sampled_from(OBJECTS),
                  st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
                      lambda k: k not in _FIELD_NAMES)),
        st.builds(lambda v: Mutation(("contact", "email"), v, "not an address"),
                  st.sampled_from(["nobody", "a@b", "a b@c.org", "a@b.c\r\nBcc: x@y.z", "@x.org", "a\x00@b.org"])),
        st.builds(lambda v: Mutation(("ncb_reference",), v, "not a reference"),
                  st.one_of(over(64), st.sampled_from(["-x", "a b", "a\r\nb", "../../etc", "x;y", "é"]))),
    )


_FIELD_NAMES = {
    "kind", "requesting_ncb", "ncb_reference", "purpose", "diffusion_recipients", "subject", "judicial",
    "extradition_assurance", "contact", "family_name", "forenames", "sex", "date_of_birth", "place_of_birth",
    "nationalities", "aliases", "identity_documents", "physical_description", "photo_available",
    "fingerprints_available", "dna_profile_available", "occupation", "height_cm", "eye_colour", "hair_colour",
    "distinguishing_marks", "facts_summary", "offence_date", "offence_place", "charges", "arrest_warrant",
    "court_decision", "sentence", "trial_in_absentia", "offence", "law", "max_penalty_months", "category",
    "death_penalty_possible", "reference", "issued_on", "issuing_authority", "valid_until", "officer", "email",
    "type", "number", "issuing_country",
}


@hostile
@given(mutation=mutations())
async def test_an_invalid_submission_is_refused_naming_its_field_and_starts_nothing(
    hostile_api: Api, mutation: Mutation
) -> None:
    reference = unique_reference("FR")
    body = mutation.apply({**FRAUD, "ncb_reference": reference})
    response = await hostile_api.call("ncb:FR", "POST", "/v1/requests", json=body)
    refusal = problem(response, 422)
    assert names(refusal, mutation.field), f"{mutation.why}: {mutation.field} not named in {refusal['errors']}"
    # nothing of the request reached Temporal or the registry (under the reference it had, or would have had)
    for request_id in {request_id_for("FR", reference), request_id_for("FR", str(body.get("ncb_reference")))}:
        await no_workflow(hostile_api.client, request_id)
        assert not await registered(hostile_api.db, request_id)


# --- oversized payloads never reach Temporal --------------------------------------------------------


@hostile
@given(size=st.integers(256 * 1024 + 1, 4 * 1024 * 1024), streamed=st.booleans())
async def test_a_body_over_the_cap_is_refused_before_temporal(hostile_api: Api, size: int, streamed: bool) -> None:
    reference = unique_reference("FR")
    body = {**FRAUD, "ncb_reference": reference}
    text = json.dumps(body)
    padded = text[:-1] + ', "padding": "' + "x" * (size - len(text)) + '"}'
    headers = {"Content-Type": "application/json"}
    if streamed:  # no Content-Length to trust: counted while it streams in

        async def chunks() -> AsyncIterator[bytes]:
            data = padded.encode()
            for start in range(0, len(data), 64 * 1024):
                yield data[start : start + 64 * 1024]

        response = await hostile_api.call("ncb:FR", "POST", "/v1/requests", content=chunks(), headers=headers)
    else:
        response = await hostile_api.call("ncb:FR", "POST", "/v1/requests", content=padded.encode(), headers=headers)
    refusal = problem(response, 413)
    assert names(refusal, "body")
    await no_workflow(hostile_api.client, request_id_for("FR", reference))
    assert not await registered(hostile_api.db, request_id_for("FR", reference))


LIMITED_TEXT = {
    ("subject", "family_name"): "subject.family_name",
    ("judicial", "facts_summary"): "judicial.facts_summary",
    ("judicial", "charges", 0, "offence"): "judicial.charges[].offence",
    ("contact", "email"): "contact.email",
}


@hostile
@given(path=st.sampled_from(sorted(LIMITED_TEXT, key=str)), extra=st.integers(1, 50_000))
async def test_a_field_over_its_limit_is_refused_quoting_the_limit_and_starts_nothing(
    hostile_api: Api, path: tuple[str | int, ...], extra: int
) -> None:
    limit = next(n for fields, (n, _) in LIMITS.items() if LIMITED_TEXT[path] in fields.split(", "))
    value = "x" * (limit + extra) if path[-1] != "email" else "x" * (limit + extra) + "@example.org"
    mutation = Mutation(path, value, "over its limit")
    reference = unique_reference("FR")
    body = mutation.apply({**FRAUD, "ncb_reference": reference})
    response = await hostile_api.call("ncb:FR", "POST", "/v1/requests", json=body)
    refusal = problem(response, 422)
    assert names(refusal, mutation.field)
    assert any(f"at most {limit:,}" in error["message"] for error in refusal["errors"]), refusal["errors"]
    await no_workflow(hostile_api.client, request_id_for("FR", reference))
