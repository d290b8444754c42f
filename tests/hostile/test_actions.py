"""Hostile reviewer actions, NCB replies and withdrawals, and notice actions, through the API on live
cases: each is refused naming the field, the case or notice is exactly as it was, its history holds no
workflow task failure, and it still takes a valid action afterwards."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.case import DecisionOutcome, ReviewStage, Verdict
from models.ids import notice_workflow_id, workflow_id_for
from tests.api.conftest import Api, eventually
from tests.hostile.conftest import hostile, names, problem, task_failures, unique_reference
from tests.hostile.test_submissions import BLANK, CONTROL, NOT_TEXT, SMALL_OBJECT, SOME_TEXT, over, within_text
from tests.workflows.conftest import EXAMPLES


@dataclass(frozen=True)
class Action:
    """A body for a route, ``field`` made wrong; the refusal's status and the field it must name."""

    route: str
    body: Any
    field: str
    status: int = 422

    def content(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else json.dumps(self.body).encode()


VALID: dict[str, dict[str, Any]] = {
    "info-requests": {"question": "Is the warrant still in force?", "due_days": 14},
    "sources": {"source": "https://www.example.org/report", "summary": "A report on the case."},
    "review-conclusion": {"summary": "Checked."},
    "assessment": {"verdict": "compliant", "basis": "RPD complied with", "articles": ["2(1)", "3"]},
    "decision": {"outcome": "approve", "reason": "compliant"},
    "replies": {"answer": "Yes."},
    "withdrawal": {"reason": "Arrested."},
    "block": {"reason": "verification"},
    "unblock": {"reason": "verified"},
    "cancel": {"reason": "no longer sought"},
}
STATEMENTS = {
    "info-requests": "question", "sources": "summary", "review-conclusion": "summary", "assessment": "basis",
    "decision": "reason", "replies": "answer", "withdrawal": "reason", "block": "reason", "unblock": "reason",
    "cancel": "reason",
}
"""The text each action writes into the record (a statement: at most 4,000 characters, no control character
but line breaks and tabs)."""


def _with(route: str, field: str, value: Any, status: int = 422) -> Action:
    body = dict(VALID[route])
    body[field] = value
    return Action(route, body, field, status)


def _without(route: str, field: str) -> Action:
    body = {k: v for k, v in VALID[route].items() if k != field}
    return Action(route, body, field)


NOT_JSON = st.sampled_from([b"{", b"{'a': 1}", b"\xff\xfe", b"nul", b'{"question": "a"', b"[1,", b"\x00"])


def hostile_actions(routes: list[str]) -> st.SearchStrategy[Action]:
    route = st.sampled_from(routes)

    def statement(r: str) -> st.SearchStrategy[Action]:
        field = STATEMENTS[r]
        return st.one_of(
            st.just(_without(r, field)),
            st.builds(lambda v: _with(r, field, v), NOT_TEXT),
            st.builds(lambda v: _with(r, field, v), BLANK),
            st.builds(lambda v: _with(r, field, v), over(4000)),
            st.builds(lambda v: _with(r, field, v), within_text(CONTROL)),
        )

    def specific(r: str) -> st.SearchStrategy[Action]:
        choices: list[st.SearchStrategy[Action]] = [
            st.builds(lambda k: _with(r, k, "x"), st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10)
                      .filter(lambda k: k not in VALID[r] and k not in KNOWN_FIELDS)),
            st.builds(lambda b: Action(r, b, "body"), st.one_of(st.lists(st.integers(), max_size=3), st.integers(),
                                                             st.text(max_size=10), st.none())),
            st.builds(lambda b: Action(r, b, "body"), NOT_JSON),
        ]
        if r in REVIEWER_ROUTES:
            choices.append(st.builds(lambda v: _with(r, "reviewer_id", v, 403),
                                     st.sampled_from(["legal.eli", "police.ben", "admin", "x" * 300, ""])))
        if r in NCB_ROUTES:
            choices.append(st.builds(lambda v: _with(r, "ncb", v, 403), st.sampled_from(["DE", "XX", "fr1"])))
        if r == "info-requests":
            choices += [
                st.builds(lambda v: _with(r, "due_days", v), st.one_of(st.integers(max_value=0),
                                                                      st.integers(min_value=181), st.just("soon"))),
                st.builds(lambda v: _with(r, "to_ncb", v), st.sampled_from(["XX", "FRA", "", "F\nR"])),
            ]
        if r == "sources":
            choices.append(st.builds(lambda v: _with(r, "source", v), st.one_of(
                st.sampled_from(["javascript:alert(1)", "ftp://x.org/a", "https://a b.org", "https://x.org/\r\nX: y",
                                 "file:///etc/passwd", ""]),
                st.builds(lambda n: "https://x.org/" + "a" * n, st.integers(2000, 5000)))))
        if r == "assessment":
            choices += [
                st.builds(lambda v: _with(r, "verdict", v), st.one_of(SOME_TEXT.filter(lambda t: t not in VERDICTS),
                                                                     NOT_TEXT)),
                st.builds(lambda v: _with(r, "articles", v), st.one_of(
                    st.builds(lambda n: ["3"] * n, st.integers(21, 100)),
                    st.builds(lambda a: [a], over(200)),
                    st.builds(lambda a: [a], BLANK),
                    st.builds(lambda a: [a], within_text(CONTROL)),
                    st.just("3"), SMALL_OBJECT)),
            ]
        if r == "decision":
            choices += [
                st.builds(lambda v: _with(r, "outcome", v), st.one_of(SOME_TEXT.filter(lambda t: t not in OUTCOMES),
                                                                     NOT_TEXT)),
                st.builds(lambda v: _with(r, "override_justification", v), st.one_of(BLANK, over(4000), NOT_TEXT)),
            ]
        if r == "block":
            choices.append(st.builds(lambda v: _with(r, "until", v), st.one_of(
                st.sampled_from(["2000-01-01T00:00:00Z", "tomorrow", "2030-02-30T00:00:00Z", ""]), SMALL_OBJECT)))
        return st.one_of(*choices)

    return route.flatmap(lambda r: st.one_of(statement(r), specific(r)))


VERDICTS = {v.value for v in Verdict}
OUTCOMES = {o.value for o in DecisionOutcome}
REVIEWER_ROUTES = {"info-requests", "sources", "review-conclusion", "assessment", "decision", "block", "unblock",
                   "cancel"}
NCB_ROUTES = {"replies", "withdrawal"}
KNOWN_FIELDS = {"reviewer_id", "ncb", "amendments", "info_request_id", "to_ncb", "due_days", "articles",
                "override_justification", "until", "source", "summary"}


async def submit(api: Api, example: str, ncb: str) -> str:
    body: dict[str, Any] = json.loads((EXAMPLES / example).read_text())
    body["ncb_reference"] = unique_reference(ncb)
    response = await api.call(f"ncb:{ncb}", "POST", "/v1/requests", json=body)
    assert response.status_code == 201, response.text
    request_id: str = response.json()["request_id"]
    return request_id


async def in_stage(api: Api, request_id: str, stage: ReviewStage) -> None:
    async def reached() -> bool:
        return (await api.case(request_id)).stage is stage

    await eventually(reached, f"{request_id} in {stage.value}")


async def snapshot_case(api: Api, request_id: str) -> dict[str, Any]:
    return (await api.case(request_id)).model_dump(mode="json")


async def snapshot_notice(api: Api, notice_id: str) -> dict[str, Any]:
    return (await api.notice(notice_id)).model_dump(mode="json")


def path(action: Action, request_id: str = "", notice_id: str = "") -> tuple[str, str]:
    """(who, path) of the action's route."""
    if action.route in NCB_ROUTES:
        return "ncb:FR", f"/v1/requests/{request_id}/{action.route}"
    if action.route in {"block", "unblock", "cancel"}:
        return "reviewer:sup.dana", f"/v1/ndtf/notices/{notice_id}/{action.route}"
    who = "reviewer:sup.dana" if action.route == "decision" else "reviewer:legal.ana"
    return who, f"/v1/cases/{request_id}/{action.route}"


async def send(api: Api, action: Action, request_id: str = "", notice_id: str = "") -> None:
    who, route = path(action, request_id, notice_id)
    response = await api.call(who, "POST", route, content=action.content(),
                              headers={"Content-Type": "application/json"})
    refusal = problem(response, action.status)
    assert names(refusal, action.field), f"{action.route}: {action.field} not named in {refusal['errors']}"


@pytest.fixture
async def case_in_assessment(hostile_api: Api) -> str:
    request_id = await submit(hostile_api, "red-notice-fraud.json", "FR")
    await in_stage(hostile_api, request_id, ReviewStage.LEGAL_ASSESSMENT)
    return request_id


@hostile
@given(action=hostile_actions(sorted(REVIEWER_ROUTES - {"block", "unblock", "cancel"} | NCB_ROUTES)))
async def test_a_malformed_action_on_a_case_is_refused_naming_the_field_and_changes_nothing(
    hostile_api: Api, case_in_assessment: str, action: Action
) -> None:
    before = await snapshot_case(hostile_api, case_in_assessment)
    await send(hostile_api, action, request_id=case_in_assessment)
    assert await snapshot_case(hostile_api, case_in_assessment) == before
    assert await task_failures(hostile_api.client, workflow_id_for(case_in_assessment)) == []


SAMPLES = [
    _with("assessment", "basis", "ok\x00"),
    _with("assessment", "articles", ["3"] * 21),
    _with("assessment", "verdict", "fine"),
    _with("decision", "reason", "x" * 4001),
    _with("info-requests", "due_days", 0),
    _with("sources", "source", "javascript:alert(1)"),
    _with("replies", "answer", "   "),
    _with("withdrawal", "reason", {"a": 1}),
    Action("assessment", b"{", "body"),
    Action("decision", [1, 2], "body"),
]
"""One of each kind, for the test that the case still moves after them."""


async def test_after_hostile_actions_the_case_still_moves_and_its_history_has_no_task_failure(
    hostile_api: Api, case_in_assessment: str
) -> None:
    for action in SAMPLES:
        await send(hostile_api, action, request_id=case_in_assessment)
    assessed = await hostile_api.call("reviewer:legal.ana", "POST", f"/v1/cases/{case_in_assessment}/assessment",
                                      json=VALID["assessment"])
    assert assessed.status_code == 200, assessed.text
    await in_stage(hostile_api, case_in_assessment, ReviewStage.AWAITING_DECISION)
    assert await task_failures(hostile_api.client, workflow_id_for(case_in_assessment)) == []


# --- an NCB's amendments, held by the workflow's validator ------------------------------------------


@dataclass(frozen=True)
class Amendment:
    changes: dict[str, Any]
    field: str


def _amend(path: tuple[str, ...], value: Any) -> Amendment:
    changes: dict[str, Any] = {}
    target = changes
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value
    return Amendment(changes, "amendments." + ".".join(path))


def hostile_amendments() -> st.SearchStrategy[Amendment]:
    one_line = st.sampled_from(
        [("subject", "family_name"), ("subject", "place_of_birth"), ("judicial", "offence_place"),
         ("contact", "officer")]
    )
    lines = st.sampled_from([("judicial", "facts_summary")])
    return st.one_of(
        st.builds(_amend, st.one_of(one_line, lines), st.one_of(NOT_TEXT, over(4000), within_text(CONTROL))),
        st.builds(_amend, one_line, within_text(st.sampled_from(["\r\n", "\n", "\r"]))),
        st.builds(_amend, st.just(("subject", "family_name")), BLANK),
        st.builds(_amend, st.sampled_from([("kind",), ("requesting_ncb",), ("ncb_reference",)]), SOME_TEXT),
        st.builds(_amend, st.just(("subject", "nationalities")), st.sampled_from([["XX"], "FR", [1]])),
        st.builds(_amend, st.just(("judicial", "charges")), st.sampled_from([[], "fraud", [{"law": "x"}]])),
        st.builds(_amend, st.just(("judicial", "offence_date")),
                  st.sampled_from(["3000-01-01", "someday", "2024-02-30"])),
        st.builds(_amend, st.tuples(st.sampled_from(["subject", "judicial"]),
                                    st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10)
                                    .filter(lambda k: k not in KNOWN_REQUEST_FIELDS)), st.just("x")),
    )


KNOWN_REQUEST_FIELDS = {
    "family_name", "forenames", "sex", "date_of_birth", "place_of_birth", "nationalities", "aliases",
    "identity_documents", "physical_description", "photo_available", "fingerprints_available",
    "dna_profile_available", "occupation", "facts_summary", "offence_date", "offence_place", "charges",
    "arrest_warrant", "court_decision", "sentence", "trial_in_absentia",
}


@pytest.fixture
async def case_awaiting_the_ncb(hostile_api: Api) -> str:
    request_id = await submit(hostile_api, "red-notice-incomplete.json", "BR")
    await in_stage(hostile_api, request_id, ReviewStage.AWAITING_CLARIFICATION)

    async def asked() -> bool:
        return all(i.sent for i in (await hostile_api.case(request_id)).info_requests)

    await eventually(asked, "the question sent")
    return request_id


@hostile
@given(amendment=hostile_amendments())
async def test_a_reply_with_invalid_amendments_is_refused_naming_the_field_and_changes_nothing(
    hostile_api: Api, case_awaiting_the_ncb: str, amendment: Amendment
) -> None:
    before = await snapshot_case(hostile_api, case_awaiting_the_ncb)
    response = await hostile_api.call("ncb:BR", "POST", f"/v1/requests/{case_awaiting_the_ncb}/replies",
                                      json={"answer": "Supplied.", "amendments": amendment.changes})
    refusal = problem(response, 422)
    assert names(refusal, amendment.field), f"{amendment.field} not named in {refusal}"
    assert await snapshot_case(hostile_api, case_awaiting_the_ncb) == before
    assert await task_failures(hostile_api.client, workflow_id_for(case_awaiting_the_ncb)) == []


# --- a published notice -------------------------------------------------------------------------------


@pytest.fixture
async def published_notice(hostile_api: Api, case_in_assessment: str) -> str:
    for who, route, body in (("reviewer:legal.ana", "assessment", VALID["assessment"]),
                             ("reviewer:sup.dana", "decision", VALID["decision"])):
        response = await hostile_api.call(who, "POST", f"/v1/cases/{case_in_assessment}/{route}", json=body)
        assert response.status_code == 200, response.text
    await in_stage(hostile_api, case_in_assessment, ReviewStage.PUBLISHED)
    notice_id = (await hostile_api.case(case_in_assessment)).notice_id
    assert notice_id
    return notice_id


@hostile
@given(action=hostile_actions(["block", "unblock", "cancel"]))
async def test_a_malformed_notice_action_is_refused_naming_the_field_and_changes_nothing(
    hostile_api: Api, published_notice: str, action: Action
) -> None:
    before = await snapshot_notice(hostile_api, published_notice)
    await send(hostile_api, action, notice_id=published_notice)
    assert await snapshot_notice(hostile_api, published_notice) == before
    assert await task_failures(hostile_api.client, notice_workflow_id(published_notice)) == []
