"""The commands as clients of the API.

Without a server: input is refused before anything is sent, a missing credential before anything is sent,
and each kind of failure (nothing listening, no answer in time, what a fake API answers) leaves with its
exit code and a message that says what to fix. Against the real API (the dev server, a worker, uvicorn on a
free port, real local credentials): refusals exit 3 with their kind, unknown ids 4, another NCB's request
is unknown, a revoked credential is refused, reference data and the audit trail go through the API."""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from admin.api_client import ReviewerApi
from admin.cli import app as ndtf
from runtime.cli import ApiUnreachable, InvalidInput
from runtime.config import PROJECT_ROOT
from runtime.credentials import store_token
from runtime.errors import ActionRefused, UnknownCase
from starter.api_client import ApiClient, NcbApi, Submission
from starter.cli import app as ncb
from starter.cli import parse_reply
from tests.cli.conftest import LiveApi, closed_url

EXAMPLES = PROJECT_ROOT / "examples"
if not (EXAMPLES / "red-notice-fraud.json").exists():
    EXAMPLES = PROJECT_ROOT.parent / "shared" / "examples"
FRAUD = EXAMPLES / "red-notice-fraud.json"
FAKE_TOKEN = "nrk_0123456789ab_" + "x" * 43


@pytest.fixture
def runner(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """No credential stored, the API where nothing listens: a command that sent anything would say so."""
    monkeypatch.setenv("NOTICE_API", closed_url())
    return CliRunner()


@pytest.fixture
def store(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store holding a (fake) token for NCB FR, reviewer legal.ana and the administrator."""
    path = cli_env / "store.json"
    for profile in ("ncb:FR", "reviewer:legal.ana", "admin"):
        store_token(profile, FAKE_TOKEN, path)
    monkeypatch.setenv("NOTICE_CREDENTIALS", str(path))
    return path


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


# --- ncb submit -----------------------------------------------------------------------------------


def test_submit_of_an_invalid_request_lists_every_problem_by_field_and_contacts_nothing(
    runner: CliRunner, tmp_path: Path
) -> None:
    request = json.loads(FRAUD.read_text())
    request["requesting_ncb"] = "XX"
    request["purpose"] = "revenge"
    del request["judicial"]["charges"]
    request["subject"]["date_of_birth"] = "1979-13"
    request["colour"] = "blue"
    result = runner.invoke(ncb, ["submit", str(write(tmp_path, "bad.json", request))])
    assert result.exit_code == 2, result.output
    for field in ("requesting_ncb", "purpose", "judicial.charges", "subject.date_of_birth", "colour"):
        assert f"  {field}: " in result.stderr
    assert "nothing was submitted" in result.stderr
    assert "cannot reach" not in result.stderr
    assert result.stdout == ""


def test_submit_of_a_file_that_is_not_json_says_where(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(ncb, ["submit", str(write(tmp_path, "broken.json", '{"kind": "red_notice",\n oops}'))])
    assert result.exit_code == 2
    assert "not valid JSON" in result.stderr and "line 2" in result.stderr


def test_submit_of_a_missing_file_is_an_input_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(ncb, ["submit", str(tmp_path / "nowhere.json")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_submit_for_another_ncb_is_refused_before_connecting(runner: CliRunner) -> None:
    result = runner.invoke(ncb, ["submit", str(FRAUD), "--ncb", "DE"])
    assert result.exit_code == 3
    assert "refused (NotYourRequest)" in result.stderr


def test_submit_without_a_server_names_the_api_address_and_how_to_start_it(runner: CliRunner, store: Path) -> None:
    address = closed_url()
    result = runner.invoke(ncb, ["--api", address, "submit", str(FRAUD)])
    assert result.exit_code == 5, result.output
    assert f"cannot reach the API at {address}" in result.stderr
    assert "make run" in result.stderr and "NOTICE_API" in result.stderr


def test_the_api_address_must_be_a_url(runner: CliRunner, store: Path) -> None:
    result = runner.invoke(ncb, ["--api", "127.0.0.1:8000", "status", "R-FR-1", "--ncb", "FR"])
    assert result.exit_code == 2
    assert "not an http(s) URL" in result.output


# --- ncb reply --------------------------------------------------------------------------------------


def test_reply_without_an_answer_names_the_field(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "reply.json", {"amendments": {}})
    result = runner.invoke(ncb, ["reply", "R-FR-1", str(path), "--ncb", "FR"])
    assert result.exit_code == 2
    assert "answer: is required" in result.stderr
    assert "nothing was sent" in result.stderr


def test_reply_with_amendments_that_are_not_an_object_names_the_field(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "reply.json", {"answer": "attached", "amendments": ["judicial"]})
    result = runner.invoke(ncb, ["reply", "R-FR-1", str(path), "--ncb", "FR"])
    assert result.exit_code == 2
    assert "amendments: must be an object" in result.stderr


def test_reply_file_lists_each_problem() -> None:
    with pytest.raises(ValueError) as raised:
        parse_reply({"answer": " ", "amendments": {"kind": "x", "hair": 1}, "note": "hi"})
    problems = raised.value.args[0]
    assert any(p.startswith("answer: must be non-empty") for p in problems)
    assert "amendments.kind: identifies the request and cannot be amended" in problems
    assert "amendments.hair: is not a field of the request contract" in problems
    assert any(p.startswith("note: is not a field of a reply") for p in problems)


def test_reply_file_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_reply(["answer"])


def test_a_valid_reply_file_keeps_answer_and_amendments() -> None:
    reply = parse_reply({"answer": "Warrant attached.", "amendments": {"judicial": {"arrest_warrant": {}}}})
    assert reply.answer == "Warrant attached."
    assert reply.amendments == {"judicial": {"arrest_warrant": {}}}


# --- ncb options ------------------------------------------------------------------------------------


def test_status_needs_the_ncb(runner: CliRunner) -> None:
    result = runner.invoke(ncb, ["status", "R-FR-1"])
    assert result.exit_code == 2
    assert "--ncb" in result.output


def test_an_ncb_code_must_be_two_letters(runner: CliRunner) -> None:
    result = runner.invoke(ncb, ["status", "R-FR-1", "--ncb", "FRA"])
    assert result.exit_code == 2
    assert "two-letter" in result.output


def test_withdraw_needs_a_reason_with_words(runner: CliRunner) -> None:
    result = runner.invoke(ncb, ["withdraw", "R-FR-1", "--ncb", "FR", "--reason", "  "])
    assert result.exit_code == 2
    assert "--reason must not be empty" in result.stderr


def test_search_kind_must_be_a_notice_kind(runner: CliRunner) -> None:
    result = runner.invoke(ncb, ["search", "--ncb", "FR", "--kind", "yellow_notice"])
    assert result.exit_code == 2


# --- credentials: none usable is refused (exit 3), and nothing is sent ----------------------------------


def test_a_command_without_a_credential_for_the_ncb_is_refused_naming_the_profile(runner: CliRunner) -> None:
    result = runner.invoke(ncb, ["status", "R-FR-1", "--ncb", "FR"])
    assert result.exit_code == 3, result.output
    assert "refused (NoCredential)" in result.stderr and "profile ncb:FR" in result.stderr
    assert "`ndtf credentials issue --ncb FR`" in result.stderr
    assert "cannot reach" not in result.stderr, "refused before anything was sent"
    assert result.stdout == ""


def test_a_reviewer_without_a_credential_is_refused_never_answered_as_someone_else(
    runner: CliRunner, store: Path
) -> None:
    result = runner.invoke(ndtf, ["queue", "--as", "police.ben"])  # the store holds legal.ana's, not Ben's
    assert result.exit_code == 3, result.output
    assert "profile reviewer:police.ben" in result.stderr
    assert "`ndtf credentials issue --reviewer police.ben`" in result.stderr


def test_reference_data_and_the_audit_need_their_credentials(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "reviewer_id,name,roles\nlegal.ana,Ana,legal\n")
    loaded = runner.invoke(ndtf, ["data", "load", "reviewers", str(path)], env={"NDTF_REVIEWER": "legal.ana"})
    assert loaded.exit_code == 3, loaded.output
    assert "profile admin" in loaded.stderr and "`ndtf credentials issue --admin`" in loaded.stderr
    verified = runner.invoke(ndtf, ["audit", "verify"])
    assert verified.exit_code == 3 and "profile admin" in verified.stderr
    as_reviewer = runner.invoke(ndtf, ["audit", "verify", "--as", "legal.ana"])
    assert as_reviewer.exit_code == 3 and "profile reviewer:legal.ana" in as_reviewer.stderr


# --- what the API answers, from a fake API ------------------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Callable[[Handler], list[httpx.Request]]:
    """Answer every call of the API clients with ``handler``; returns the requests they sent."""

    def install(handler: Handler) -> list[httpx.Request]:
        seen: list[httpx.Request] = []

        def record(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return handler(request)

        monkeypatch.setattr(ApiClient, "transport", httpx.MockTransport(record))
        monkeypatch.setattr("starter.http.RETRY_DELAYS", (0.0, 0.0, 0.0))
        return seen

    return install


def problem(status: int, kind: str, detail: str, errors: list[dict[str, Any]] | None = None) -> httpx.Response:
    body = {"type": f"urn:notice-review:problem:{kind}", "title": kind, "status": status, "detail": detail,
            "kind": kind, "errors": errors or []}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


def test_the_stored_credential_is_presented_as_a_bearer_token(
    runner: CliRunner, store: Path, fake_api: Callable[[Handler], list[httpx.Request]]
) -> None:
    seen = fake_api(lambda request: httpx.Response(200, json={"hits": []}))
    result = runner.invoke(ncb, ["search", "--ncb", "fr", "--name", "  MARCHETTI ", "--kind", "red_notice"])
    assert result.exit_code == 0, result.output
    assert "no notices found" in result.stdout
    [request] = seen
    assert request.headers["authorization"] == f"Bearer {FAKE_TOKEN}"
    assert (request.method, request.url.path) == ("GET", "/v1/notices")
    assert dict(request.url.params) == {"name": "MARCHETTI", "kind": "red_notice"}


def _queue_page(first: int, count: int, total: int, cursor: str | None) -> dict[str, Any]:
    entries = [{"request_id": f"R-FR-{n:04d}", "kind": "red_notice", "requesting_ncb": "FR",
                "stage": "legal_assessment", "risk": "low", "next_deadline": f"2026-12-{1 + n % 28:02d}T00:00:00Z",
                "assignee": "legal.ana" if n == first else None} for n in range(first, first + count)]
    counts = {"registered": 0, "initial_screening": 1, "detailed_review": 0, "awaiting_clarification": 2,
              "legal_assessment": total, "awaiting_decision": 0}
    return {"entries": entries, "next_cursor": cursor, "total": total, "counts": counts, "limit": count}


def test_the_queue_shows_a_page_its_counts_and_how_to_get_the_next_one(
    runner: CliRunner, store: Path, fake_api: Callable[[Handler], list[httpx.Request]]
) -> None:
    seen = fake_api(lambda request: httpx.Response(200, json=_queue_page(0, 2, 3, "CURSOR-2")))
    result = runner.invoke(ndtf, ["queue", "--as", "legal.ana", "--limit", "2", "--requesting-ncb", "fr",
                                  "--stage", "legal_assessment", "--mine"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "legal_assessment 3" in out and "awaiting_clarification 2" in out, "the counts per stage"
    assert "R-FR-0000" in out and "R-FR-0001" in out and "2 of 3" in out
    assert "--cursor CURSOR-2" in out, "how to get the next page"
    [request] = seen
    assert request.url.path == "/v1/cases"
    assert dict(request.url.params) == {
        "stage": "legal_assessment", "requesting_ncb": "FR", "assignee": "me", "limit": "2",
    }


def test_the_queue_with_all_follows_every_cursor(
    runner: CliRunner, store: Path, fake_api: Callable[[Handler], list[httpx.Request]]
) -> None:
    pages = {None: _queue_page(0, 2, 5, "c2"), "c2": _queue_page(2, 2, 5, "c3"), "c3": _queue_page(4, 1, 5, None)}
    seen = fake_api(lambda request: httpx.Response(200, json=pages[request.url.params.get("cursor")]))
    result = runner.invoke(ndtf, ["queue", "--as", "legal.ana", "--limit", "2", "--all", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [e["request_id"] for e in listed["entries"]] == [f"R-FR-{n:04d}" for n in range(5)]
    assert listed["total"] == 5 and listed["next_cursor"] is None
    assert [r.url.params.get("cursor") for r in seen] == [None, "c2", "c3"]


def test_a_refusal_exits_3_with_its_kind(
    runner: CliRunner, store: Path, fake_api: Callable[[Handler], list[httpx.Request]]
) -> None:
    seen = fake_api(lambda request: problem(
        409, "FourEyes", "The decision must be made by a reviewer other than the assessor."))
    result = runner.invoke(ndtf, ["decide", "R-FR-1", "approve", "--reason", "ok", "--as", "legal.ana"])
    assert result.exit_code == 3
    assert result.stderr.strip() == (
        "refused (FourEyes): The decision must be made by a reviewer other than the assessor."
    )
    assert json.loads(seen[0].content) == {"outcome": "approve", "reason": "ok", "override_justification": None}


def test_an_unknown_id_exits_4(
    runner: CliRunner, store: Path, fake_api: Callable[[Handler], list[httpx.Request]]
) -> None:
    fake_api(lambda request: problem(404, "NotFound", "No request with that id is visible to you."))
    result = runner.invoke(ncb, ["status", "R-FR-nope", "--ncb", "FR"])
    assert result.exit_code == 4
    assert "unknown request R-FR-nope" in result.stderr


def test_fields_the_api_finds_invalid_are_named_with_exit_2(
    runner: CliRunner, store: Path, fake_api: Callable[[Handler], list[httpx.Request]]
) -> None:
    fake_api(lambda request: problem(422, "InvalidInput", "1 field is invalid; nothing was done. Fix each field.",
                                     [{"field": "question", "message": "must not be blank"}]))
    result = runner.invoke(ndtf, ["request-info", "R-FR-1", "--question", "why?", "--as", "legal.ana"])
    assert result.exit_code == 2
    assert "invalid input (InvalidInput)" in result.stderr and "  question: must not be blank" in result.stderr


def test_a_credential_the_api_refuses_exits_3_and_says_how_to_get_a_new_one(
    runner: CliRunner, store: Path, fake_api: Callable[[Handler], list[httpx.Request]]
) -> None:
    fake_api(lambda request: problem(401, "Unauthenticated", "The credential cannot be used: API key expired on "
                                                             "2026-01-01 00:00Z. Send `Authorization: Bearer …`."))
    result = runner.invoke(ncb, ["status", "R-FR-1", "--ncb", "FR"])
    assert result.exit_code == 3
    assert "refused (Unauthenticated)" in result.stderr and "profile ncb:FR" in result.stderr
    assert "expired" in result.stderr and "`ndtf credentials issue --ncb FR`" in result.stderr


@pytest.mark.parametrize(("status", "kind", "code"), [
    (503, "TemporalUnavailable", 5), (503, "IdentityProviderUnavailable", 5), (504, "TemporalTimeout", 1),
    (429, "TooManyRequests", 1), (500, "InternalError", 1),
])
def test_the_service_unable_to_answer_exits_5_and_other_failures_1(
    runner: CliRunner, store: Path, fake_api: Callable[[Handler], list[httpx.Request]],
    status: int, kind: str, code: int,
) -> None:
    fake_api(lambda request: problem(status, kind, "what went wrong"))
    result = runner.invoke(ncb, ["status", "R-FR-1", "--ncb", "FR"])
    assert result.exit_code == code, result.output
    assert kind in result.stderr and "what went wrong" in result.stderr


def test_something_else_at_the_address_is_not_taken_for_the_api(
    runner: CliRunner, store: Path, fake_api: Callable[[Handler], list[httpx.Request]]
) -> None:
    fake_api(lambda request: httpx.Response(404, text="<html>Not Found</html>", headers={"content-type": "text/html"}))
    result = runner.invoke(ncb, ["status", "R-FR-1", "--ncb", "FR"])
    assert result.exit_code == 5
    assert "no notice review API answers there" in result.stderr


@pytest.fixture
def silent_api() -> Iterator[str]:
    """An address that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_no_answer_in_time_says_so(runner: CliRunner, store: Path, silent_api: str) -> None:
    result = runner.invoke(ndtf, ["--api", silent_api, "--timeout", "1", "show", "R-FR-1", "--as", "legal.ana"])
    assert result.exit_code == 1, result.output
    assert f"no answer from the API at {silent_api} within 1s" in result.stderr


# --- the libraries: exceptions, retries ------------------------------------------------------------------


def test_the_libraries_raise_what_the_commands_map(fake_api: Callable[[Handler], list[httpx.Request]]) -> None:
    answers = iter([
        problem(409, "WrongStage", "Cannot assess while the case is detailed_review."),
        problem(404, "NotFound", "No case or notice with that id is visible to you."),
        problem(422, "InvalidReferenceData", "1 problem(s) in the reviewers file; nothing was loaded.",
                [{"field": "roles", "line": 3, "message": "line 3: unknown role 'janitor'"}]),
    ])
    fake_api(lambda request: next(answers))
    from models.case import Verdict
    from models.reference import ReferenceKind

    with ReviewerApi(FAKE_TOKEN, "http://api.test") as api:
        with pytest.raises(ActionRefused) as refused:
            api.assess("R-FR-1", Verdict.COMPLIANT, "fine")
        assert refused.value.kind == "WrongStage"
        with pytest.raises(UnknownCase):
            api.show("R-FR-1")
        with pytest.raises(InvalidInput) as invalid:
            api.load_reference_data(ReferenceKind.REVIEWERS, "reviewer_id,name,roles\n")
        [bad] = invalid.value.problems
        assert (bad.field, bad.line, bad.text()) == ("roles", 3, "line 3, roles: unknown role 'janitor'")


def test_a_read_or_a_submission_is_retried_when_the_connection_fails(
    fake_api: Callable[[Handler], list[httpx.Request]]
) -> None:
    failures = {"left": 2}
    submission = {"request_id": "R-FR-1", "workflow_id": "notice-request-R-FR-1", "stage": "registered",
                  "created": False}

    def flaky(request: httpx.Request) -> httpx.Response:
        if failures["left"]:
            failures["left"] -= 1
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"hits": []} if request.method == "GET" else submission)

    seen = fake_api(flaky)
    with NcbApi(FAKE_TOKEN, "http://api.test") as api:
        assert api.search(name="X").hits == []
        assert len(seen) == 3
        failures["left"] = 1
        assert api.submit(json.loads(FRAUD.read_text())).request_id == "R-FR-1"
        assert len(seen) == 5


def test_an_action_is_sent_once_and_a_lost_answer_is_reported(
    fake_api: Callable[[Handler], list[httpx.Request]]
) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection reset by peer", request=request)

    seen = fake_api(broken)
    with ReviewerApi(FAKE_TOKEN, "http://api.test") as api, pytest.raises(ApiUnreachable) as raised:
        api.block("N-FR-1", "Doubts on Article 3")
    assert len(seen) == 1 and raised.value.maybe_done


def test_the_api_clients_answer_with_the_models_the_temporal_clients_return() -> None:
    from starter.client import Submission as TemporalSubmission

    def shape(model: Any) -> dict[str, Any]:
        return {name: (str(f.annotation), f.default) for name, f in model.model_fields.items()}

    assert shape(Submission) == shape(TemporalSubmission)


def test_the_commands_choices_are_the_contracts_values() -> None:
    from admin.cli import OUTCOMES, VERDICTS
    from models.case import DecisionOutcome, Verdict
    from models.request import NoticeKind
    from starter.cli import KindChoice

    assert VERDICTS == tuple(v.value for v in Verdict)
    assert OUTCOMES == tuple(o.value for o in DecisionOutcome)
    assert [k.value for k in KindChoice] == [k.value for k in NoticeKind]


# --- ndtf arguments ----------------------------------------------------------------------------------


def test_actions_need_a_reviewer_identity(runner: CliRunner) -> None:
    result = runner.invoke(ndtf, ["assess", "R-FR-1", "--verdict", "compliant", "--basis", "fine"])
    assert result.exit_code == 2
    assert "--as REVIEWER_ID" in result.stderr and "NDTF_REVIEWER" in result.stderr


def test_reading_needs_a_reviewer_identity_too(runner: CliRunner) -> None:
    for args in (["queue"], ["show", "R-FR-1"], ["notice", "N-FR-1"], ["acks", "N-FR-1"]):
        result = runner.invoke(ndtf, args)
        assert result.exit_code == 2, (args, result.output)
        assert "--as REVIEWER_ID" in result.stderr


def test_the_reviewer_identity_can_come_from_the_environment(runner: CliRunner, store: Path) -> None:
    result = runner.invoke(
        ndtf, ["assess", "R-FR-1", "--verdict", "compliant", "--basis", "fine"], env={"NDTF_REVIEWER": "legal.ana"}
    )
    assert result.exit_code == 5, result.output  # past the identity and its credential, to the (absent) API


def test_verdict_and_outcome_are_checked(runner: CliRunner) -> None:
    assert runner.invoke(ndtf, ["assess", "R-1", "--verdict", "fine", "--basis", "x", "--as", "a"]).exit_code == 2
    assert runner.invoke(ndtf, ["decide", "R-1", "maybe", "--reason", "x", "--as", "a"]).exit_code == 2


def test_a_temporary_block_must_end_in_the_future(runner: CliRunner) -> None:
    result = runner.invoke(ndtf, ["block", "N-1", "--reason", "x", "--until", "2001-01-01T00:00", "--as", "a"])
    assert result.exit_code == 2
    assert "in the past" in result.output
    result = runner.invoke(ndtf, ["block", "N-1", "--reason", "x", "--until", "next week", "--as", "a"])
    assert result.exit_code == 2


def test_a_deadline_is_between_1_and_180_days(runner: CliRunner) -> None:
    result = runner.invoke(ndtf, ["request-info", "R-1", "--question", "q", "--due", "0", "--as", "a"])
    assert result.exit_code == 2



# --- against the real API ---------------------------------------------------------------------------------


def fresh_request(tmp_path: Path) -> Path:
    """The fraud example under a reference of its own: the dev server outlives each test's worker."""
    request = json.loads(FRAUD.read_text())
    request["ncb_reference"] = f"{request['ncb_reference']}-{uuid.uuid4().hex[:8]}"
    return write(tmp_path, f"request-{request['ncb_reference']}.json", request)


async def test_refusals_exit_3_and_unknown_ids_exit_4_through_the_api(live_api: LiveApi, tmp_path: Path) -> None:
    submitted = await live_api.ncb("submit", str(fresh_request(tmp_path)), "--json")
    assert submitted.exit_code == 0, submitted.output
    request_id = json.loads(submitted.stdout)["request_id"]

    unknown = await live_api.ncb("status", "R-FR-0000000000000000", "--ncb", "FR")
    assert unknown.exit_code == 4, unknown.output
    assert "unknown request R-FR-0000000000000000" in unknown.stderr
    other_ncb = await live_api.ncb("status", request_id, "--ncb", "DE", "--json")
    assert other_ncb.exit_code == 4, other_ncb.output
    assert f"unknown request {request_id}" in other_ncb.stderr and other_ncb.stdout == "", "not the case"
    assert (await live_api.ndtf("notice", "N-FR-0000000000000000", "--as", "legal.ana")).exit_code == 4

    role = await live_api.ndtf("assess", request_id, "--verdict", "compliant", "--basis", "fine", "--as", "police.ben")
    assert role.exit_code == 3 and "refused (RoleNotAllowed)" in role.stderr, role.output
    early = await live_api.ndtf("decide", request_id, "approve", "--reason", "too soon", "--as", "sup.dana")
    assert early.exit_code == 3, early.output
    assert any(f"refused ({kind})" in early.stderr for kind in ("WrongStage", "AssessmentMissing")), early.stderr
    ghost = await live_api.ndtf("queue", "--as", "ghost.reviewer")
    assert ghost.exit_code == 3 and "refused (NotInRoster)" in ghost.stderr, ghost.output

    shown = await live_api.ndtf("show", request_id, "--as", "legal.ana", "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["request_id"] == request_id


async def test_a_missing_or_revoked_credential_is_refused_through_the_api(live_api: LiveApi) -> None:
    missing = await live_api.ncb("search", "--ncb", "NO")
    assert missing.exit_code == 3, missing.output
    assert "profile ncb:NO" in missing.stderr and "`ndtf credentials issue --ncb NO`" in missing.stderr

    assert (await live_api.ncb("search", "--ncb", "FR", "--json")).exit_code == 0
    live_api.credentials.revoke("ncb:FR")
    revoked = await live_api.ncb("search", "--ncb", "FR", "--json")
    assert revoked.exit_code == 3, revoked.output
    assert "refused (Unauthenticated)" in revoked.stderr and "revoked" in revoked.stderr
    assert "`ndtf credentials issue --ncb FR`" in revoked.stderr and revoked.stdout == ""

    live_api.credentials.revoke("reviewer:legal.ana")
    reviewer = await live_api.ndtf("queue", "--as", "legal.ana")
    assert reviewer.exit_code == 3 and "profile reviewer:legal.ana" in reviewer.stderr


async def test_reference_data_and_the_audit_trail_through_the_api(live_api: LiveApi, tmp_path: Path) -> None:
    csv = "reviewer_id,name,roles\nlegal.ana,Ana,legal\nbad.one,Bad,janitor\nok.two,Two,police\nbad.two,,legal\n"
    bad = await live_api.ndtf("data", "load", "reviewers", str(write(tmp_path, "r.csv", csv)))
    assert bad.exit_code == 2, bad.output
    assert "nothing was loaded" in bad.stderr
    assert "line 3, roles" in bad.stderr and "line 5, name" in bad.stderr

    roster = PROJECT_ROOT / "data" / "reference" / "reviewers.csv"
    same = await live_api.ndtf("data", "load", "reviewers", str(roster), "--json")
    assert same.exit_code == 0, same.output
    assert json.loads(same.stdout)["changed"] is False, "the registry already holds the default roster"
    again = await live_api.ndtf("data", "load", "reviewers", str(roster))
    assert again.exit_code == 0 and "unchanged" in again.stdout

    intact = await live_api.ndtf("audit", "verify", "--json")
    assert intact.exit_code == 0, intact.output
    assert json.loads(intact.stdout)["ok"] is True
    as_reviewer = await live_api.ndtf("audit", "verify", "--as", "legal.ana")
    assert as_reviewer.exit_code == 0 and "audit trail intact" in as_reviewer.stdout
    with sqlite3.connect(tmp_path / "registry.db") as connection:
        connection.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = 1")
    broken = await live_api.ndtf("audit", "verify")
    assert broken.exit_code == 1
    assert "BROKEN" in broken.stderr


async def test_loading_the_roster_locally_gives_each_new_reviewer_a_credential(
    live_api: LiveApi, tmp_path: Path
) -> None:
    roster = (PROJECT_ROOT / "data" / "reference" / "reviewers.csv").read_text() + "legal.noor,Noor,legal\n"
    before = await live_api.ndtf("queue", "--as", "legal.noor")
    assert before.exit_code == 3 and "profile reviewer:legal.noor" in before.stderr
    loaded = await live_api.ndtf("data", "load", "reviewers", str(write(tmp_path, "roster.csv", roster)))
    assert loaded.exit_code == 0, loaded.output
    issued = " ".join(loaded.stdout.split()).split("new reviewer(s):")[1]
    assert "legal.noor" in issued and "legal.ana" not in issued, "only reviewers who had none"
    kept = json.loads(live_api.credentials.store.read_text())["reviewer:legal.ana"]
    after = await live_api.ndtf("queue", "--as", "legal.noor")
    assert after.exit_code == 0, after.output
    again = await live_api.ndtf("data", "load", "reviewers", str(tmp_path / "roster.csv"))
    assert again.exit_code == 0 and "credentials issued" not in again.stdout, "each reviewer once"
    assert json.loads(live_api.credentials.store.read_text())["reviewer:legal.ana"] == kept


# --- the real entry point ----------------------------------------------------------------------------


def test_the_console_script_leaves_with_the_commands_exit_code(store: Path) -> None:
    """main() ends with os._exit: the code must still be the command's (5 here, no API)."""
    completed = subprocess.run(
        [sys.executable, "-m", "starter.cli", "--api", closed_url(), "status", "R-FR-1", "--ncb", "FR"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60,
    )
    assert completed.returncode == 5, completed.stderr
    assert "make run" in completed.stderr
    usage = subprocess.run(
        [sys.executable, "-m", "admin.cli", "decide"], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60
    )
    assert usage.returncode == 2
    assert "Missing argument" in usage.stderr


# --- readable output (what a person reads without --json) ---------------------------------------------


def _case() -> Any:
    from datetime import UTC, datetime

    from models.case import CaseState, InfoRequest, InfoRequestKind, ReviewStage, TimelineEvent
    from models.findings import Finding, Severity
    from models.request import parse_request

    now = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    return CaseState(
        request_id="R-FR-1", workflow_id="notice-request-R-FR-1", request=parse_request(json.loads(FRAUD.read_text())),
        stage=ReviewStage.DETAILED_REVIEW, registered_at=now,
        findings=[Finding(rule_id="ART3-POLITICAL", article="Art. 3", severity=Severity.DOUBT,
                          field="judicial.charges", message="offence [may be] political")],
        info_requests=[InfoRequest(info_request_id="IR-1", kind=InfoRequestKind.CLARIFICATION, to_ncb="FR",
                                   question="Send the warrant.", asked_by="legal.ana", asked_at=now, due_at=now,
                                   reminder_at=now)],
        timeline=[TimelineEvent(at=now, actor="system", event="screened", detail="1 doubt")],
    )


def test_show_prints_findings_with_rule_and_article(
    runner: CliRunner, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case()
    monkeypatch.setattr(ReviewerApi, "show", lambda self, request_id: case)
    result = runner.invoke(ndtf, ["show", "R-FR-1", "--as", "legal.ana"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for text in ("ART3-POLITICAL", "Art. 3", "offence [may be] political", "IR-1", "MARCHETTI", "screened"):
        assert text in result.stdout
    as_json = runner.invoke(ndtf, ["show", "R-FR-1", "--json", "--as", "legal.ana"])
    assert json.loads(as_json.stdout) == case.model_dump(mode="json")


def test_status_tells_the_ncb_what_is_awaited_and_by_when(
    runner: CliRunner, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from models.case import AwaitedFromNcb, NcbCaseView, ReviewStage

    view = NcbCaseView(
        request_id="R-FR-1", ncb_reference="FR-2026-004512", kind="red_notice",
        stage=ReviewStage.AWAITING_CLARIFICATION,
        awaited=[AwaitedFromNcb(info_request_id="IR-1", question="Send the warrant.",
                                missing_items=["arrest warrant reference"], due_at=datetime(2026, 4, 1, tzinfo=UTC))],
    )

    monkeypatch.setattr(NcbApi, "status", lambda self, request_id: view)
    result = runner.invoke(ncb, ["status", "R-FR-1", "--ncb", "fr"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for text in ("awaiting_clarification", "Send the warrant.", "arrest warrant reference", "2026-04-01", "ncb reply"):
        assert text in result.stdout
