"""`ncb`: what an NCB's operator (or script) runs to submit, follow, answer and search requests.

Everything is checked here before Temporal is contacted, so a bad file never starts anything. The
machinery shared with `ndtf` (connecting, exit codes, JSON or tables, the hard exit) lives here too.

Exit codes: 0 done, 1 failed otherwise, 2 invalid input (nothing sent), 3 refused by the workflow,
4 no such request or notice, 5 Temporal cannot be reached.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text
from temporalio.client import Client, WorkflowFailureError
from temporalio.service import RPCError, RPCStatusCode

from models.case import NcbCaseView
from models.request import InvalidRequest, NoticeKind, NoticeRequest, RequestProblem, parse_request
from runtime.config import Settings, settings
from runtime.errors import ActionRefused, UnknownCase

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_REFUSED = 3
EXIT_UNKNOWN = 4
EXIT_UNREACHABLE = 5

DEFAULT_TIMEOUT = 60.0

# --- shared with `ndtf` ----------------------------------------------------------------------------


class CliError(Exception):
    """Something the user must fix; ``lines`` go to stderr, the command leaves with ``code``."""

    def __init__(self, code: int, *lines: str) -> None:
        super().__init__(lines[0] if lines else "")
        self.code = code
        self.lines = list(lines)


def fail(code: int, *lines: str) -> NoReturn:
    raise CliError(code, *lines)


def report(error: CliError) -> NoReturn:
    """Print to stderr and exit with the error's code (typer.Exit, so CliRunner sees it too)."""
    for line in error.lines:
        sys.stderr.write(line + "\n")
    sys.stderr.flush()
    raise typer.Exit(error.code)


@dataclasses.dataclass
class Target:
    """Where the command talks to: the environment's settings, overridden by the global options."""

    config: Settings
    timeout: float = DEFAULT_TIMEOUT


def target_from(
    address: str | None, namespace: str | None, task_queue: str | None, timeout: float
) -> Target:
    config = settings()
    changes: dict[str, Any] = {}
    if address:
        changes["temporal_address"] = address
    if namespace:
        changes["temporal_namespace"] = namespace
    if task_queue:
        changes["task_queue"] = task_queue
    return Target(dataclasses.replace(config, **changes), timeout)


def target_of(ctx: typer.Context) -> Target:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Target) else target_from(None, None, None, DEFAULT_TIMEOUT)


def _unreachable(config: Settings, reason: str) -> CliError:
    return CliError(
        EXIT_UNREACHABLE,
        f"cannot connect to Temporal at {config.temporal_address} (namespace {config.temporal_namespace}): {reason}",
        "Start the local stack with `make run`, or point TEMPORAL_ADDRESS (or --address) at a running server.",
    )


async def _connect(config: Settings) -> Client:
    from runtime.client import connect

    try:
        return await asyncio.wait_for(connect(config), timeout=15)
    except TimeoutError:
        raise _unreachable(config, "no answer within 15s") from None
    except RuntimeError as error:
        if "connect" in str(error).lower():
            raise _unreachable(config, _short(str(error))) from None
        raise


def _short(message: str) -> str:
    """The gist of a transport error (the Rust client's messages are long)."""
    found = re.search(r'message: "([^"]+)"', message) or re.search(r'ConnectError\("([^"]+)"', message)
    return found.group(1) if found else message.splitlines()[0][:200]


def run_temporal(ctx: typer.Context, work: Callable[[Client], Awaitable[T]], subject: str = "") -> T:
    """Connect, run one call under the timeout, and turn every failure into an exit code and a hint."""
    target = target_of(ctx)
    config = target.config

    async def go() -> T:
        client = await _connect(config)
        return await asyncio.wait_for(work(client), timeout=target.timeout)

    try:
        return asyncio.run(go())
    except CliError as error:
        report(error)
    except ActionRefused as refusal:
        report(CliError(EXIT_REFUSED, f"refused ({refusal.kind}): {refusal.message}"))
    except UnknownCase:
        report(CliError(EXIT_UNKNOWN, f"unknown {subject or 'request or notice'}: nothing has that id; check it "
                                      "(`ncb search` or `ndtf queue` list them)"))
    except TimeoutError:
        report(CliError(
            EXIT_FAILED,
            f"no answer within {target.timeout:g}s: is a worker running on task queue {config.task_queue} "
            f"(`make run` starts one)? Set --timeout to wait longer.",
        ))
    except ValidationError as error:
        report(CliError(EXIT_INVALID, *problem_lines(error)))
    except WorkflowFailureError as error:
        cause = error.cause
        report(CliError(EXIT_FAILED, f"failed: {getattr(cause, 'message', None) or cause or error}"))
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            if "namespace" in error.message.lower():
                report(_unreachable(config, error.message))
            report(CliError(EXIT_UNKNOWN, f"unknown {subject or 'request or notice'}: {error.message}"))
        if error.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            report(_unreachable(config, error.message))
        report(CliError(EXIT_FAILED, f"Temporal answered {error.status.name if error.status else 'an error'}: "
                                     f"{error.message}"))


def problem_lines(error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "value"
        lines.append(f"  {field}: {item['msg']}")
    return ["invalid input:", *lines]


def require_text(value: str, option: str) -> str:
    """Free text a message needs (a reason, a question): refused here when blank, before connecting."""
    text = value.strip()
    if not text:
        report(CliError(EXIT_INVALID, f"{option} must not be empty: say it in a few words"))
    return text


def country_code(value: str, option: str = "--ncb") -> str:
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise typer.BadParameter(f"'{value}' is not a two-letter ISO 3166-1 code (e.g. FR)", param_hint=option)
    return code


def _ncb_option(value: str) -> str:
    return country_code(value)


def print_json(data: Any) -> None:
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    elif isinstance(data, list):
        data = [d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in data]
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def console() -> Console:
    """Created per use, so it writes to whatever stdout is now (CliRunner swaps it)."""
    return Console(highlight=False, soft_wrap=False)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A table whose cells are plain text: user-supplied brackets are never read as markup."""
    result = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        result.add_column(column, overflow="fold")  # nothing is cut off, however narrow the terminal
    for row in rows:
        result.add_row(*(Text(cell(value)) for value in row))
    return result


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value) or "-"
    return str(getattr(value, "value", value))


def fields(pairs: Iterable[tuple[str, Any]]) -> Table:
    """A two-column name/value block for one record."""
    result = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    result.add_column(style="bold", no_wrap=True)
    result.add_column(overflow="fold")
    for name, value in pairs:
        result.add_row(Text(name), Text(cell(value)))
    return result


def load_json_file(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        report(CliError(EXIT_INVALID, f"{path}: no such file"))
    except (OSError, UnicodeDecodeError) as error:
        report(CliError(EXIT_INVALID, f"{path}: cannot read it ({error})"))
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        report(CliError(EXIT_INVALID, f"{path}: not valid JSON for {what}: {error.msg} at line {error.lineno}, "
                                      f"column {error.colno}"))


def run_app(app: typer.Typer, prog_name: str, argv: list[str] | None = None) -> NoReturn:
    """Run the typer app, then leave with os._exit once output is flushed.

    A process that used a Temporal client can abort at interpreter exit (temporalio/sdk-python#300,
    exit 134) after the command succeeded; a hard exit keeps the command's own code.
    """
    from typer import _click

    code = EXIT_OK
    try:
        result = app(args=argv, prog_name=prog_name, standalone_mode=False)
        code = result if isinstance(result, int) else EXIT_OK
    except _click.exceptions.ClickException as error:
        try:
            from typer import rich_utils

            rich_utils.rich_format_error(error)
        except Exception:  # noqa: BLE001 - fall back to click's plain form
            error.show()
        code = error.exit_code
    except typer.Abort:
        sys.stderr.write("aborted\n")
        code = EXIT_FAILED
    except typer.Exit as error:
        code = error.exit_code
    except SystemExit as error:
        code = error.code if isinstance(error.code, int) else (EXIT_OK if error.code is None else EXIT_FAILED)
    except KeyboardInterrupt:
        code = 130
    except BaseException as error:  # noqa: BLE001 - one line for the user; the trace on request
        sys.stderr.write(f"unexpected error ({type(error).__name__}): {error}\n")
        if os.environ.get("NOTICE_DEBUG"):
            traceback.print_exc()
        else:
            sys.stderr.write("set NOTICE_DEBUG=1 to see the traceback\n")
        code = EXIT_FAILED
    finally:
        try:
            sys.stdout.flush()
        finally:
            sys.stderr.flush()
    os._exit(code)


def global_options(
    ctx: typer.Context,
    address: Annotated[str | None, typer.Option(help="Temporal address (default: TEMPORAL_ADDRESS)")] = None,
    namespace: Annotated[str | None, typer.Option(help="Temporal namespace (default: TEMPORAL_NAMESPACE)")] = None,
    task_queue: Annotated[str | None, typer.Option(help="Task queue of the workers (default: TASK_QUEUE)")] = None,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for an answer")] = DEFAULT_TIMEOUT,
) -> None:
    """Shared by `ncb` and `ndtf`: connection settings come from the environment, these override them."""
    ctx.obj = target_from(address, namespace, task_queue, timeout)


# --- `ncb` -------------------------------------------------------------------------------------------

app = typer.Typer(
    name="ncb",
    help="Submit and follow INTERPOL Red Notice / Wanted Person Diffusion requests as a National Central Bureau.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.callback()(global_options)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")]
NcbOption = Annotated[str, typer.Option("--ncb", envvar="NCB", callback=_ncb_option,
                                        help="Your NCB's ISO 3166-1 alpha-2 code (or env NCB)")]


def read_request(path: Path) -> NoticeRequest:
    """The request file, validated against the contract: every problem by field, exit 2."""
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


def _ncb_client(client: Client, ncb: str, ctx: typer.Context) -> Any:
    from starter.client import NcbClient

    return NcbClient(client, ncb, target_of(ctx).config.task_queue)


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

    async def work(client: Client) -> Any:
        return await _ncb_client(client, acting, ctx).submit(request)

    submission = run_temporal(ctx, work)
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

    async def work(client: Client) -> NcbCaseView:
        view: NcbCaseView = await _ncb_client(client, ncb, ctx).status(request_id)
        return view

    view = run_temporal(ctx, work, f"request {request_id}")
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

    async def work(client: Client) -> Any:
        return await _ncb_client(client, ncb, ctx).reply(
            request_id, answer.answer, answer.amendments, info_request or answer.info_request_id
        )

    accepted = run_temporal(ctx, work, f"request {request_id}")
    _print_accepted(accepted, as_json)


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

    async def work(client: Client) -> Any:
        return await _ncb_client(client, ncb, ctx).withdraw(request_id, reason)

    _print_accepted(run_temporal(ctx, work, f"request {request_id}"), as_json)


@app.command()
def search(
    ctx: typer.Context,
    ncb: NcbOption,
    name: Annotated[str | None, typer.Option(help="Family name and/or forenames (fuzzy)")] = None,
    nationality: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2")] = None,
    kind: Annotated[NoticeKind | None, typer.Option(case_sensitive=False)] = None,
    requesting_ncb: Annotated[str | None, typer.Option("--requesting-ncb", help="ISO 3166-1 alpha-2")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Published notices, plus your own NCB's pending requests."""
    nationality = country_code(nationality, "--nationality") if nationality else None
    requesting_ncb = country_code(requesting_ncb, "--requesting-ncb") if requesting_ncb else None

    async def work(client: Client) -> Any:
        return await _ncb_client(client, ncb, ctx).search(
            name=name, nationality=nationality, kind=kind, requesting_ncb=requesting_ncb
        )

    results = run_temporal(ctx, work)
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

    async def work(client: Client) -> Any:
        return await _ncb_client(client, ncb, ctx).acknowledge(notice_id, instruction)

    _print_notice_accepted(run_temporal(ctx, work, f"notice {notice_id}"), as_json)


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

    async def work(client: Client) -> Any:
        return await _ncb_client(client, ncb, ctx).renew(notice_id, reason)

    _print_notice_accepted(run_temporal(ctx, work, f"notice {notice_id}"), as_json)


def _print_accepted(accepted: Any, as_json: bool) -> None:
    if as_json:
        print_json(accepted)
        return
    console().print(fields([
        ("request", accepted.request_id), ("stage", accepted.stage), ("done", accepted.detail),
        *([("info request", accepted.info_request_id)] if accepted.info_request_id else []),
    ]))


def _print_notice_accepted(accepted: Any, as_json: bool) -> None:
    if as_json:
        print_json(accepted)
        return
    console().print(fields([("notice", accepted.notice_id), ("status", accepted.status), ("done", accepted.detail)]))


def main() -> None:
    run_app(app, "ncb")


if __name__ == "__main__":
    main()
