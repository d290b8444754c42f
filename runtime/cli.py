"""What `ncb` and `ndtf` share: where the API is, which credential to present, exit codes, JSON or
tables, refusals said plainly, and the hard exit that keeps a command's own exit code.

The commands are clients of the HTTP API (``--api`` or ``NOTICE_API``); none opens a Temporal connection.
Exit codes: 0 done, 1 failed otherwise, 2 invalid input (nothing done), 3 refused (by the API or the
workflow, or no usable credential: none stored for the profile, or the API did not accept it), 4 no such
request or notice (or none you may see), 5 the API cannot be reached (or cannot reach Temporal).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from runtime.config import settings
from runtime.errors import ActionRefused, UnknownCase

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_REFUSED = 3
EXIT_UNKNOWN = 4
EXIT_UNREACHABLE = 5

DEFAULT_TIMEOUT = 60.0

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
    """Where the command talks to: the API (``--api`` or ``NOTICE_API``) and how long it waits."""

    api_url: str
    timeout: float = DEFAULT_TIMEOUT


def target_from(api: str | None, timeout: float = DEFAULT_TIMEOUT) -> Target:
    return Target((api or settings().api_url).rstrip("/"), timeout)


def target_of(ctx: typer.Context) -> Target:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Target) else target_from(None)


def api_url(value: str | None) -> str | None:
    """``--api``: an http(s) URL, checked before anything is sent."""
    if value is None or not value.strip():
        return None
    url = value.strip()
    if not re.match(r"^https?://[^/\s]+", url):
        raise typer.BadParameter(f"'{value}' is not an http(s) URL such as http://127.0.0.1:8000", param_hint="--api")
    return url.rstrip("/")


# --- what the API answers, as the commands and the client libraries see it ---------------------------------


@dataclasses.dataclass(frozen=True)
class FieldProblem:
    """One field the API (or the workflow behind it) found wrong; ``line`` for a CSV upload."""

    field: str
    message: str
    line: int | None = None

    def text(self) -> str:
        if self.line is None:
            return f"{self.field}: {self.message}"
        return f"line {self.line}, {self.field}: {self.message.removeprefix(f'line {self.line}: ')}"


class InvalidInput(Exception):
    """What was sent does not validate (422, 413, 415): nothing was done; ``problems`` name each field."""

    def __init__(self, kind: str, message: str, problems: Sequence[FieldProblem] = ()) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.problems = list(problems)


class CredentialRejected(ActionRefused):
    """The API did not accept the credential presented (401: unknown, expired, revoked, malformed)."""


class ApiUnreachable(Exception):
    """Nothing answers as the API at ``url``; ``maybe_done``: the request may have reached it before the
    connection broke (an action not retried blindly)."""

    def __init__(self, url: str, reason: str, *, maybe_done: bool = False) -> None:
        super().__init__(f"cannot reach the API at {url}: {reason}")
        self.url = url
        self.reason = reason
        self.maybe_done = maybe_done


class ApiTimeout(Exception):
    """The API took the request but did not answer within the timeout."""

    def __init__(self, url: str, timeout: float | None, *, maybe_done: bool = False) -> None:
        super().__init__(f"no answer from the API at {url}" + (f" within {timeout:g}s" if timeout else ""))
        self.url = url
        self.timeout = timeout
        self.maybe_done = maybe_done


class ApiFailure(Exception):
    """Any other answer: the service is overloaded (429), Temporal or the identity provider is down (503), too
    slow (504), or something broke (500)."""

    def __init__(self, url: str, status: int, kind: str, message: str) -> None:
        super().__init__(f"{status} {kind}: {message}")
        self.url = url
        self.status = status
        self.kind = kind
        self.message = message


# --- credentials ------------------------------------------------------------------------------------------


def issue_hint(profile: str) -> str:
    """The command that issues a credential for ``profile``."""
    kind, _, name = profile.partition(":")
    if kind == "ncb":
        return f"ndtf credentials issue --ncb {name}"
    if kind == "reviewer":
        return f"ndtf credentials issue --reviewer {name}"
    return "ndtf credentials issue --admin"


def credential(profile: str) -> str:
    """The token stored for ``profile`` (``ncb:FR``, ``reviewer:legal.ana``, ``admin``); none usable is a
    refusal (exit 3): a command is never answered as someone else."""
    from runtime.credentials import CredentialError, token_for

    try:
        return token_for(profile)
    except CredentialError as error:
        report(CliError(EXIT_REFUSED, f"refused (NoCredential): no usable credential for profile {profile}; "
                                      "nothing was sent", str(error)))


# --- running one call -------------------------------------------------------------------------------------


def _unreachable_lines(url: str, reason: str) -> list[str]:
    return [
        f"cannot reach the API at {url}: {reason}",
        "Start the local stack with `make run`, or point NOTICE_API (or --api) at a running API.",
    ]


def _maybe_done(subject: str) -> str:
    what = subject or "it"
    return f"The action may have been done before the answer was lost: check {what} before trying again."


def run_api(ctx: typer.Context, work: Callable[[], T], subject: str = "", profile: str = "") -> T:
    """Run one call to the API and turn every failure into an exit code and a hint."""
    target = target_of(ctx)
    try:
        return work()
    except CliError as error:
        report(error)
    except CredentialRejected as refusal:
        report(CliError(
            EXIT_REFUSED,
            f"refused ({refusal.kind}): the API did not accept the credential of profile {profile or '?'}: "
            f"{refusal.message}",
            f"An administrator issues a new one with `{issue_hint(profile)}`.",
        ))
    except ActionRefused as refusal:
        report(CliError(EXIT_REFUSED, f"refused ({refusal.kind}): {refusal.message}"))
    except UnknownCase:
        report(CliError(EXIT_UNKNOWN, f"unknown {subject or 'request or notice'}: nothing you can see has that id; "
                                      "check it (`ncb search` or `ndtf queue` list them)"))
    except InvalidInput as invalid:
        report(CliError(EXIT_INVALID, f"invalid input ({invalid.kind}): {invalid.message}",
                        *(f"  {problem.text()}" for problem in invalid.problems)))
    except ApiUnreachable as error:
        lines = _unreachable_lines(error.url, error.reason)
        report(CliError(EXIT_UNREACHABLE, *lines, *([_maybe_done(subject)] if error.maybe_done else [])))
    except ApiTimeout as error:
        report(CliError(
            EXIT_FAILED,
            f"no answer from the API at {error.url} within {target.timeout:g}s; set --timeout to wait longer.",
            *([_maybe_done(subject)] if error.maybe_done else []),
        ))
    except ApiFailure as error:
        if error.status == 503:
            report(CliError(EXIT_UNREACHABLE, f"the API at {error.url} answered {error.kind}: {error.message}",
                            "Is the whole stack running? `make run` starts Temporal, the worker and the API."))
        if error.status == 504:
            report(CliError(EXIT_FAILED, f"the API at {error.url} answered {error.kind}: {error.message}",
                            "Is a worker running (`make run` starts one)?"))
        report(CliError(EXIT_FAILED, f"the API at {error.url} answered {error.status} ({error.kind}): {error.message}"))
    except ValidationError as error:
        report(CliError(EXIT_INVALID, *problem_lines(error)))


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


def ncb_option(value: str) -> str:
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
    api: Annotated[str | None, typer.Option("--api", envvar="NOTICE_API", callback=api_url, metavar="URL",
                                            help="The service's HTTP API (default: NOTICE_API, else "
                                            "http://127.0.0.1:8000)")] = None,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for an answer")] = DEFAULT_TIMEOUT,
) -> None:
    """Shared by `ncb` and `ndtf`: the commands are clients of the API; these say where it is."""
    ctx.obj = target_from(api, timeout)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")]


def print_accepted(accepted: Any, as_json: bool) -> None:
    """What an accepted action on a case or a notice answered."""
    if as_json:
        print_json(accepted)
        return
    rows: list[tuple[str, Any]] = []
    if hasattr(accepted, "request_id"):
        rows += [("request", accepted.request_id), ("stage", accepted.stage)]
    else:
        rows += [("notice", accepted.notice_id), ("status", accepted.status)]
    rows.append(("done", accepted.detail))
    if getattr(accepted, "info_request_id", None):
        rows.append(("info request", accepted.info_request_id))
    console().print(fields(rows))
