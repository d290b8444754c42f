"""The commands' own checks, without a Temporal server: input is refused before anything is sent,
and each kind of failure leaves with its exit code and a message that says what to fix."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from admin.cli import app as ndtf
from registry.database import migrate
from runtime import cli as shared_cli
from runtime.config import PROJECT_ROOT
from runtime.errors import ActionRefused, UnknownCase
from starter.cli import app as ncb
from starter.cli import parse_reply

EXAMPLES = PROJECT_ROOT / "examples"
if not (EXAMPLES / "red-notice-fraud.json").exists():
    EXAMPLES = PROJECT_ROOT.parent / "shared" / "examples"
FRAUD = EXAMPLES / "red-notice-fraud.json"


def closed_port_address() -> str:
    """An address nothing listens on: a command that tried to connect would exit 5, not 2."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"127.0.0.1:{port}"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("NDTF_REVIEWER", "NCB", "PAYLOAD_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEMPORAL_ADDRESS", closed_port_address())
    return CliRunner()


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
    assert "cannot connect" not in result.stderr
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


def test_submit_without_a_server_names_the_address_and_how_to_start_it(runner: CliRunner) -> None:
    address = closed_port_address()
    result = runner.invoke(ncb, ["--address", address, "submit", str(FRAUD)])
    assert result.exit_code == 5, result.output
    assert address in result.stderr
    assert "make run" in result.stderr


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


# --- how answers from the workflow are shown ---------------------------------------------------------


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    async def fake_connect(config: Any) -> object:
        return object()

    monkeypatch.setattr(shared_cli, "_connect", fake_connect)


def test_a_refused_action_exits_3_with_its_kind(
    runner: CliRunner, no_server: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise ActionRefused("FourEyes", "The decision must be made by a reviewer other than the assessor.")

    monkeypatch.setattr("admin.client.ReviewerClient.decide", refuse)
    result = runner.invoke(ndtf, ["decide", "R-FR-1", "approve", "--reason", "ok", "--as", "legal.ana"])
    assert result.exit_code == 3
    assert result.stderr.strip() == (
        "refused (FourEyes): The decision must be made by a reviewer other than the assessor."
    )


def test_an_unknown_request_exits_4(runner: CliRunner, no_server: None, monkeypatch: pytest.MonkeyPatch) -> None:
    async def unknown(*args: Any, **kwargs: Any) -> None:
        raise UnknownCase("No such request or notice.")

    monkeypatch.setattr("starter.client.NcbClient.status", unknown)
    result = runner.invoke(ncb, ["status", "R-FR-nope", "--ncb", "FR"])
    assert result.exit_code == 4
    assert "unknown request R-FR-nope" in result.stderr


def test_no_answer_in_time_points_at_the_worker(
    runner: CliRunner, no_server: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def hang(*args: Any, **kwargs: Any) -> None:
        await asyncio.sleep(30)

    monkeypatch.setattr("admin.client.ReviewerClient.show", hang)
    result = runner.invoke(ndtf, ["--timeout", "1", "--task-queue", "q-test", "show", "R-FR-1"])
    assert result.exit_code == 1
    assert "worker running on task queue q-test" in result.stderr


# --- ndtf arguments ----------------------------------------------------------------------------------


def test_actions_need_a_reviewer_identity(runner: CliRunner) -> None:
    result = runner.invoke(ndtf, ["assess", "R-FR-1", "--verdict", "compliant", "--basis", "fine"])
    assert result.exit_code == 2
    assert "--as REVIEWER_ID" in result.stderr and "NDTF_REVIEWER" in result.stderr


def test_the_reviewer_identity_can_come_from_the_environment(runner: CliRunner) -> None:
    result = runner.invoke(
        ndtf, ["assess", "R-FR-1", "--verdict", "compliant", "--basis", "fine"], env={"NDTF_REVIEWER": "legal.ana"}
    )
    assert result.exit_code == 5  # got past the identity check, to the (absent) server


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


# --- ndtf data load / audit verify (the database, no Temporal) ----------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    asyncio.run(migrate(url))
    return url


def test_loading_a_bad_reference_file_reports_every_bad_row_by_line(
    runner: CliRunner, tmp_path: Path, sqlite_url: str
) -> None:
    csv = "reviewer_id,name,roles\nlegal.ana,Ana,legal\nbad.one,Bad,janitor\nok.two,Two,police\nbad.two,,legal\n"
    result = runner.invoke(
        ndtf, ["data", "load", "reviewers", str(write(tmp_path, "r.csv", csv)), "--database-url", sqlite_url]
    )
    assert result.exit_code == 2, result.output
    assert "nothing was loaded" in result.stderr
    assert "line 3, roles" in result.stderr
    assert "line 5, name" in result.stderr


def test_loading_reference_data_twice_changes_nothing_the_second_time(
    runner: CliRunner, tmp_path: Path, sqlite_url: str
) -> None:
    path = write(tmp_path, "r.csv", "reviewer_id,name,roles\nlegal.ana,Ana,legal\nsup.dana,Dana,supervisor;legal\n")
    args = ["data", "load", "reviewers", str(path), "--database-url", sqlite_url, "--json"]
    first = runner.invoke(ndtf, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {"kind": "reviewers", "rows": 2, "changed": True, "version": 1}
    second = runner.invoke(ndtf, args)
    assert json.loads(second.stdout)["changed"] is False


def test_audit_verify_passes_on_an_intact_trail_and_fails_on_a_changed_one(
    runner: CliRunner, tmp_path: Path, sqlite_url: str
) -> None:
    path = write(tmp_path, "r.csv", "reviewer_id,name,roles\nlegal.ana,Ana,legal\n")
    assert runner.invoke(ndtf, ["data", "load", "reviewers", str(path), "--database-url", sqlite_url]).exit_code == 0
    intact = runner.invoke(ndtf, ["audit", "verify", "--database-url", sqlite_url, "--json"])
    assert intact.exit_code == 0, intact.output
    assert json.loads(intact.stdout)["ok"] is True
    with sqlite3.connect(sqlite_url.removeprefix("sqlite+aiosqlite:///")) as connection:
        connection.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = 1")
    broken = runner.invoke(ndtf, ["audit", "verify", "--database-url", sqlite_url])
    assert broken.exit_code == 1
    assert "BROKEN" in broken.stderr


def test_an_unmigrated_database_says_how_to_migrate_it(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    result = runner.invoke(ndtf, ["audit", "verify", "--database-url", url])
    assert result.exit_code == 1
    assert "migrated" in result.stderr


# --- the real entry point ----------------------------------------------------------------------------


def test_the_console_script_leaves_with_the_commands_exit_code() -> None:
    """main() ends with os._exit: the code must still be the command's (5 here, no server)."""
    completed = subprocess.run(
        [sys.executable, "-m", "starter.cli", "--address", closed_port_address(), "status", "R-FR-1", "--ncb", "FR"],
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
    runner: CliRunner, no_server: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = _case()

    async def show(*args: Any) -> Any:
        return case

    monkeypatch.setattr("admin.client.ReviewerClient.show", show)
    result = runner.invoke(ndtf, ["show", "R-FR-1"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for text in ("ART3-POLITICAL", "Art. 3", "offence [may be] political", "IR-1", "MARCHETTI", "screened"):
        assert text in result.stdout
    as_json = runner.invoke(ndtf, ["show", "R-FR-1", "--json"])
    assert json.loads(as_json.stdout) == case.model_dump(mode="json")


def test_status_tells_the_ncb_what_is_awaited_and_by_when(
    runner: CliRunner, no_server: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from models.case import AwaitedFromNcb, NcbCaseView, ReviewStage

    view = NcbCaseView(
        request_id="R-FR-1", ncb_reference="FR-2026-004512", kind="red_notice",
        stage=ReviewStage.AWAITING_CLARIFICATION,
        awaited=[AwaitedFromNcb(info_request_id="IR-1", question="Send the warrant.",
                                missing_items=["arrest warrant reference"], due_at=datetime(2026, 4, 1, tzinfo=UTC))],
    )

    async def status(*args: Any) -> Any:
        return view

    monkeypatch.setattr("starter.client.NcbClient.status", status)
    result = runner.invoke(ncb, ["status", "R-FR-1", "--ncb", "fr"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for text in ("awaiting_clarification", "Send the warrant.", "arrest warrant reference", "2026-04-01", "ncb reply"):
        assert text in result.stdout
