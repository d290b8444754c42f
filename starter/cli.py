"""`ncb`: what an NCB's operator (or script) runs to submit, follow, answer and search requests.

A client of the HTTP API (``starter.api_client.NcbApi``, ``--api`` or ``NOTICE_API``): `--ncb CC` (or
``NCB``) only chooses which stored credential to present (profile ``ncb:CC``); the API decides who calls
from it. Everything is checked here before anything is sent, so a bad file never starts anything. What it
shares with `ndtf` (the API's address, credentials, exit codes, JSON or tables, the hard exit) is in
`runtime/cli.py`; nothing here opens a Temporal connection.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import BaseModel

from runtime.cli import (
    EXIT_INVALID,
    EXIT_REFUSED,
    CliError,
    JsonFlag,
    console,
    country_code,
    credential,
    fields,
    global_options,
    load_json_file,
    ncb_option,
    print_accepted,
    print_json,
    report,
    require_text,
    run_api,
    run_app,
    table,
    target_of,
)
from runtime.credentials import ncb_profile

if TYPE_CHECKING:
    from models.case import NcbCaseView
    from models.request import NoticeRequest, RequestProblem
    from starter.api_client import NcbApi

T = TypeVar("T")


class KindChoice(StrEnum):
    """``models.request.NoticeKind``'s values (tests/cli/test_commands.py holds them equal), so the command
    starts without building the request contract's models, which only the calls that send one need."""

    RED_NOTICE = "red_notice"
    WANTED_PERSON_DIFFUSION = "wanted_person_diffusion"

# --- `ncb` -------------------------------------------------------------------------------------------

app = typer.Typer(
    name="ncb",
    help="Submit and follow INTERPOL Red Notice / Wanted Person Diffusion requests as a National Central Bureau.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.callback()(global_options)

NcbOption = Annotated[str, typer.Option("--ncb", envvar="NCB", callback=ncb_option,
                                        help="Your NCB's ISO 3166-1 alpha-2 code (or env NCB)")]


def read_request(path: Path) -> NoticeRequest:
    """The request file, validated against the contract: every problem by field, exit 2."""
    from models.request import InvalidRequest, parse_request

    data = load_json_file(path, "a request")
    try:
        return parse_request(data)
    except InvalidRequest as invalid:
        report(CliError(EXIT_INVALID, *invalid_request_lines(path, invalid.problems)))


def invalid_request_lines(path: Path, problems: list[RequestProblem]) -> list[str]:
    head = f"{path}: the request is invalid ({len(problems)} problem{'s' if len(problems) != 1 else ''}); " \
           "nothing was submitted. Fix each field:"
    return [head, *(f"  {p.field}: {p.message}" for p in problems)]


REPLY_FIELDS = {"answer", "amendments", "info_request_id"}


class Reply(BaseModel):
    answer: str
    amendments: dict[str, Any] = {}
    info_request_id: str | None = None


def parse_reply(data: Any) -> Reply:
    """The reply file: `{"answer": "text", "amendments": {…}}`; raises ValueError listing each problem."""
    from models.request import NoticeRequest as Contract

    problems: list[str] = []
    if not isinstance(data, dict):
        raise ValueError(['the file must hold a JSON object: {"answer": "text", "amendments": {...}}'])
    answer = data.get("answer")
    if "answer" not in data:
        problems.append("answer: is required (your answer to the NDTF's question, as text)")
    elif not isinstance(answer, str) or not answer.strip():
        problems.append("answer: must be non-empty text")
    amendments = data.get("amendments", {})
    if amendments is None:
        amendments = {}
    if not isinstance(amendments, dict):
        problems.append("amendments: must be an object of request fields to replace, in the request's own shape "
                        '(e.g. {"judicial": {"arrest_warrant": {...}}})')
    else:
        for key in amendments:
            if key not in Contract.model_fields:
                problems.append(f"amendments.{key}: is not a field of the request contract")
            elif key in {"requesting_ncb", "ncb_reference", "kind"}:
                problems.append(f"amendments.{key}: identifies the request and cannot be amended")
    info_request_id = data.get("info_request_id")
    if info_request_id is not None and not isinstance(info_request_id, str):
        problems.append("info_request_id: must be text such as IR-1")
    for key in sorted(set(data) - REPLY_FIELDS):
        problems.append(f"{key}: is not a field of a reply (use answer, amendments, info_request_id)")
    if problems:
        raise ValueError(problems)
    return Reply(answer=str(answer).strip(), amendments=amendments, info_request_id=info_request_id)


def as_ncb(ctx: typer.Context, ncb: str, work: Callable[[NcbApi], T], subject: str = "") -> T:
    """Run ``work`` against the API with the credential stored for NCB ``ncb`` (profile ``ncb:CC``)."""
    profile = ncb_profile(ncb)
    from starter.api_client import NcbApi

    token = credential(profile)
    target = target_of(ctx)

    def go() -> T:
        with NcbApi(token, target.api_url, timeout=target.timeout) as api:
            return work(api)

    return run_api(ctx, go, subject, profile)


@app.command()
def submit(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The request, as JSON (see examples/)")],
    ncb: Annotated[str | None, typer.Option("--ncb", envvar="NCB", help="Your NCB (default: requesting_ncb)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Submit a request; submitting the same (NCB, reference) again returns the existing request."""
    request = read_request(file)
    acting = country_code(ncb) if ncb else request.requesting_ncb
    if acting != request.requesting_ncb:
        report(CliError(EXIT_REFUSED, f"refused (NotYourRequest): the file's requesting_ncb is "
                                      f"{request.requesting_ncb}, but you act for NCB {acting}"))

    submission = as_ncb(ctx, acting, lambda api: api.submit(request))
    if as_json:
        print_json(submission)
        return
    what = "submitted" if submission.created else "already submitted: this is the existing request"
    console().print(fields([
        ("request", submission.request_id), ("workflow", submission.workflow_id),
        ("stage", submission.stage), ("", what),
    ]))


@app.command()
def status(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="The request id `ncb submit` printed")],
    ncb: NcbOption,
    as_json: JsonFlag = False,
) -> None:
    """Where your request stands: stage, outcome, what the NDTF awaits from you and by when, reasons."""

    view: NcbCaseView = as_ncb(ctx, ncb, lambda api: api.status(request_id), f"request {request_id}")
    if as_json:
        print_json(view)
        return
    out = console()
    out.print(fields([
        ("request", view.request_id), ("reference", view.ncb_reference), ("kind", view.kind),
        ("stage", view.stage), ("outcome", view.outcome), ("notice", view.notice_id),
    ]))
    if view.awaited:
        out.print(table("Awaited from your NCB", ["ref", "question", "missing items", "due"], (
            (a.info_request_id, a.question, a.missing_items, a.due_at) for a in view.awaited
        )))
        out.print(f"Answer with: ncb reply {view.request_id} FILE --ncb {ncb}", markup=False)
    if view.findings_to_address:
        out.print(table("To address", ["field", "article", "message"], (
            (f.field, f.article, f.message) for f in view.findings_to_address
        )))
    if view.reasons:
        out.print(table("Reasons", ["reason"], ((r,) for r in view.reasons)))
    if view.messages:
        out.print(table("Messages to your NCB", ["at", "kind", "subject"], (
            (m.at, m.kind, m.subject) for m in view.messages
        )))


@app.command()
def reply(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument()],
    file: Annotated[Path, typer.Argument(help='JSON: {"answer": "text", "amendments": {...}}')],
    ncb: NcbOption,
    info_request: Annotated[str | None, typer.Option("--info-request", help="Which request for information "
                                                     "(IR-n); the oldest open one when omitted")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Answer an open request for information; amendments replace request fields and are screened again."""
    data = load_json_file(file, "a reply")
    try:
        answer = parse_reply(data)
    except ValueError as error:
        problems = error.args[0]
        report(CliError(EXIT_INVALID, f"{file}: the reply is invalid; nothing was sent. Fix:",
                        *(f"  {p}" for p in problems)))

    accepted = as_ncb(ctx, ncb, lambda api: api.reply(
        request_id, answer.answer, answer.amendments, info_request or answer.info_request_id
    ), f"request {request_id}")
    print_accepted(accepted, as_json)


@app.command()
def withdraw(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument()],
    ncb: NcbOption,
    reason: Annotated[str, typer.Option(help="Why your NCB withdraws the request")],
    as_json: JsonFlag = False,
) -> None:
    """Withdraw your request before it is decided (recipients of a diffusion are told)."""
    reason = require_text(reason, "--reason")

    print_accepted(as_ncb(ctx, ncb, lambda api: api.withdraw(request_id, reason), f"request {request_id}"), as_json)


@app.command()
def search(
    ctx: typer.Context,
    ncb: NcbOption,
    name: Annotated[str | None, typer.Option(help="Family name and/or forenames (fuzzy)")] = None,
    nationality: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2")] = None,
    kind: Annotated[KindChoice | None, typer.Option(case_sensitive=False)] = None,
    requesting_ncb: Annotated[str | None, typer.Option("--requesting-ncb", help="ISO 3166-1 alpha-2")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Published notices, plus your own NCB's pending requests."""
    nationality = country_code(nationality, "--nationality") if nationality else None
    requesting_ncb = country_code(requesting_ncb, "--requesting-ncb") if requesting_ncb else None

    from models.request import NoticeKind

    query = name.strip() if name and name.strip() else None
    notice_kind = NoticeKind(kind.value) if kind else None
    results = as_ncb(ctx, ncb, lambda api: api.search(
        name=query, nationality=nationality, kind=notice_kind, requesting_ncb=requesting_ncb
    ))
    if as_json:
        print_json(results)
        return
    out = console()
    if not results.hits:
        out.print("no notices found")
        return
    out.print(table(None, ["notice", "request", "kind", "from", "status", "name", "born", "nationalities",
                           "published"], (
        (h.notice_id, h.request_id, h.kind, h.requesting_ncb, h.status,
         f"{h.family_name}, {h.forenames}".rstrip(", "), h.date_of_birth, h.nationalities, h.published_at)
        for h in results.hits
    )))


@app.command()
def ack(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument()],
    ncb: NcbOption,
    instruction: Annotated[str | None, typer.Option(help="Which instruction; the latest one you have not "
                                                    "confirmed when omitted")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Confirm your NCB updated its national database after a block or cancellation instruction."""

    print_accepted(as_ncb(ctx, ncb, lambda api: api.acknowledge(notice_id, instruction), f"notice {notice_id}"),
                   as_json)


@app.command()
def renew(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument()],
    ncb: NcbOption,
    reason: Annotated[str, typer.Option(help="Why the notice is still needed")],
    as_json: JsonFlag = False,
) -> None:
    """Ask for your notice to stay valid for another period."""
    reason = require_text(reason, "--reason")

    print_accepted(as_ncb(ctx, ncb, lambda api: api.renew(notice_id, reason), f"notice {notice_id}"), as_json)


def main() -> None:
    run_app(app, "ncb")


if __name__ == "__main__":
    main()
