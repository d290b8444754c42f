"""What `ncb` and `ndtf` share: connecting, exit codes, JSON or tables, refusals said plainly, and
the hard exit that keeps a command's own exit code (temporalio/sdk-python#300).

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
    address: Annotated[str | None, typer.Option(help="Temporal address (default: TEMPORAL_ADDRESS)")] = None,
    namespace: Annotated[str | None, typer.Option(help="Temporal namespace (default: TEMPORAL_NAMESPACE)")] = None,
    task_queue: Annotated[str | None, typer.Option(help="Task queue of the workers (default: TASK_QUEUE)")] = None,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for an answer")] = DEFAULT_TIMEOUT,
) -> None:
    """Shared by `ncb` and `ndtf`: connection settings come from the environment, these override them."""
    ctx.obj = target_from(address, namespace, task_queue, timeout)


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
