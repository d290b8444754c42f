"""`ndtf`: the reviewers' command: the queue, the whole case, and each reviewer action.

A client of the HTTP API (``admin.api_client.ReviewerApi``, ``--api`` or ``NOTICE_API``). `--as` (or
NDTF_REVIEWER) only chooses which stored credential to present (profile ``reviewer:ID``); who acts, and
what they may do, is decided by the API and the workflow against the roster, so nothing here grants a
role. `ndtf data load` presents the administrator's credential, `ndtf audit verify` the administrator's or,
with `--as`, the reviewer's. `ndtf credentials` works on the local files. Exit codes as for `ncb` (see
runtime/cli.py).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from admin.credentials_cli import credentials_app
from models.queue import DEFAULT_PAGE, MAX_PAGE, QUEUE_STAGES
from models.reference import ReferenceKind
from runtime.cli import (
    EXIT_FAILED,
    EXIT_INVALID,
    CliError,
    InvalidInput,
    JsonFlag,
    cell,
    console,
    country_code,
    credential,
    fields,
    global_options,
    print_accepted,
    print_json,
    report,
    require_text,
    run_api,
    run_app,
    table,
    target_of,
)
from runtime.config import settings
from runtime.credentials import ADMIN_PROFILE, issue_defaults, reviewer_profile

if TYPE_CHECKING:
    from admin.api_client import ReviewerApi
    from models.case import CaseState, RejectedMessage, TimelineEvent
    from models.notice import AckReport, PublishedNoticeState
    from models.queue import QueuePage

T = TypeVar("T")

VERDICTS = ("compliant", "non_compliant")
"""``models.case.Verdict``'s values (tests/cli/test_commands.py holds them equal): the command names them
without building the case's models, which only the calls that send or show a case need."""
OUTCOMES = ("approve", "deny")
"""``models.case.DecisionOutcome``'s values."""


def _choices(name: str, values: tuple[str, ...]) -> type[StrEnum]:
    """A choice of values for typer, which takes them as an enum."""
    return StrEnum(name, {value: value for value in values})  # type: ignore[return-value]


VerdictChoice = _choices("VerdictChoice", VERDICTS)
OutcomeChoice = _choices("OutcomeChoice", OUTCOMES)
StageChoice = _choices("StageChoice", QUEUE_STAGES)
KindChoice = _choices("KindChoice", ("red_notice", "wanted_person_diffusion"))
RiskChoice = _choices("RiskChoice", ("low", "medium", "high"))

app = typer.Typer(
    name="ndtf",
    help="The NDTF reviewers' console: work the queue of Red Notice / Diffusion requests and decide them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.callback()(global_options)
data_app = typer.Typer(help="Reference data the organisation supplies (CSV).", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail of the information system.", no_args_is_help=True)
app.add_typer(data_app, name="data")
app.add_typer(audit_app, name="audit")
app.add_typer(credentials_app, name="credentials")

ReviewerOption = Annotated[
    str | None,
    typer.Option("--as", envvar="NDTF_REVIEWER", help="Your reviewer id in the roster (or env NDTF_REVIEWER)"),
]
Reason = Annotated[str, typer.Option(help="Why: recorded in the case and the audit trail")]


def acting(reviewer: str | None) -> str:
    """The acting reviewer; required for every command that calls the API as a reviewer, checked before
    anything is sent."""
    if not reviewer or not reviewer.strip():
        report(CliError(EXIT_INVALID, "who is acting? pass --as REVIEWER_ID or set NDTF_REVIEWER "
                                      "(your id in the reviewer roster, e.g. legal.ana)"))
    return reviewer.strip()


def with_profile(ctx: typer.Context, profile: str, work: Callable[[ReviewerApi], T], subject: str = "") -> T:
    """Run ``work`` against the API with the credential stored for ``profile``."""
    from admin.api_client import ReviewerApi

    token = credential(profile)
    target = target_of(ctx)

    def go() -> T:
        with ReviewerApi(token, target.api_url, timeout=target.timeout) as api:
            return work(api)

    return run_api(ctx, go, subject, profile)


def as_reviewer(ctx: typer.Context, reviewer: str, work: Callable[[ReviewerApi], T], subject: str = "") -> T:
    return with_profile(ctx, reviewer_profile(reviewer), work, subject)


# --- reading ------------------------------------------------------------------------------------------


@app.command()
def queue(
    ctx: typer.Context,
    stage: Annotated[list[StageChoice] | None, typer.Option(  # type: ignore[valid-type]
        help="Only this stage (repeatable); default: the reviewers' stages",
    )] = None,
    awaiting_ncb: Annotated[bool, typer.Option("--awaiting-ncb", help="Include cases awaiting an NCB's "
                                               "clarification")] = False,
    kind: Annotated[KindChoice | None, typer.Option()] = None,  # type: ignore[valid-type]
    requesting_ncb: Annotated[str | None, typer.Option("--requesting-ncb", help="ISO code of the requesting NCB")]
    = None,
    risk: Annotated[RiskChoice | None, typer.Option()] = None,  # type: ignore[valid-type]
    overdue: Annotated[bool | None, typer.Option("--overdue/--not-overdue", show_default=False)] = None,
    escalated: Annotated[bool | None, typer.Option("--escalated/--not-escalated", show_default=False)] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only the cases you have claimed")] = False,
    assignee: Annotated[str | None, typer.Option(help="Only the cases this reviewer has claimed")] = None,
    unassigned: Annotated[bool, typer.Option("--unassigned", help="Only the cases nobody has claimed")] = False,
    cursor: Annotated[str | None, typer.Option(help="Where the page before ended (it prints the option)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_PAGE, help="Cases per page")] = DEFAULT_PAGE,
    every_page: Annotated[bool, typer.Option("--all", help="Every page, one after the other")] = False,
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Open cases waiting for reviewers, oldest deadline first, a page at a time, with the count per stage."""
    who = acting(reviewer)
    filters: dict[str, Any] = {
        "stages": [str(s) for s in stage] if stage else None, "include_awaiting_ncb": awaiting_ncb,
        "kind": str(kind) if kind else None,
        "requesting_ncb": country_code(requesting_ncb, "--requesting-ncb") if requesting_ncb else None,
        "risk": str(risk) if risk else None, "overdue": overdue, "escalated": escalated,
        "assignee": "me" if mine else assignee, "unassigned": True if unassigned else None, "limit": limit,
    }
    if every_page:
        pages = as_reviewer(ctx, who, lambda api: list(api.queue_pages(cursor=cursor, **filters)))
    else:
        pages = [as_reviewer(ctx, who, lambda api: api.queue(cursor=cursor, **filters))]
    if as_json:
        if every_page:
            print_json({**pages[-1].model_dump(mode="json", exclude={"entries"}),
                        "entries": [e.model_dump(mode="json") for page in pages for e in page.entries]})
        else:
            print_json(pages[0])
        return
    _print_queue(pages, every_page)


def _print_queue(pages: list[QueuePage], every_page: bool) -> None:
    out = console()
    first, last = pages[0], pages[-1]
    entries = [entry for page in pages for entry in page.entries]
    counts = "  ".join(f"{stage} {n}" for stage, n in first.counts.items() if n)
    out.print(f"open cases by stage: {counts or 'none'}", markup=False)
    if not entries:
        out.print("no case in the queue matches" if first.total else "the queue is empty", markup=False)
        return
    out.print(table(None, ["request", "kind", "NCB", "stage", "risk", "blocking", "doubts", "next deadline",
                           "claimed by", "flags"], (
        (e.request_id, e.kind, e.requesting_ncb, e.stage, e.risk, e.blocking, e.doubts, e.next_deadline,
         e.assignee, " ".join(flag for flag, on in (("OVERDUE", e.overdue), ("ESCALATED", e.escalated)) if on))
        for e in entries
    )))
    shown = f"{len(entries)} of {first.total}, oldest deadline first"
    if last.next_cursor and not every_page:
        out.print(f"{shown}. Next page: the same command with --cursor {last.next_cursor} (or --all for every page)",
                  markup=False, soft_wrap=True)
    else:
        out.print(shown, markup=False)


@app.command()
def show(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument()],
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The whole case: request, findings with rule and article, messages, deadlines, decisions, timeline."""
    who = acting(reviewer)
    case: CaseState = as_reviewer(ctx, who, lambda api: api.show(request_id), f"request {request_id}")
    if as_json:
        print_json(case)
        return
    render_case(case)


def render_case(case: CaseState) -> None:
    from rich.json import JSON

    out = console()
    request = case.request
    flags = " ".join(f for f, on in (("OVERDUE", case.overdue), ("ESCALATED", case.escalated)) if on)
    out.print(fields([
        ("request", case.request_id), ("workflow", case.workflow_id), ("kind", request.kind),
        ("NCB", request.requesting_ncb), ("reference", request.ncb_reference), ("stage", case.stage),
        ("risk", case.risk), ("registered", case.registered_at), ("screening rounds", case.screening_rounds),
        ("notice", case.notice_id), ("review due", case.review_due_at), ("next deadline", case.next_deadline()),
        ("flags", flags or None),
    ]))
    out.rule("Request")
    out.print(JSON.from_data(request.model_dump(mode="json"), ensure_ascii=False))
    out.print(table("Findings", ["rule", "article", "severity", "field", "message", "source"], (
        (f.rule_id, f.article, f.severity, f.field, f.message, f.source) for f in case.findings
    )) if case.findings else "Findings: none")
    for i in case.info_requests:
        out.rule(f"Request for information {i.info_request_id}", align="left")
        out.print(fields([
            ("kind", i.kind), ("to", i.to_ncb), ("status", i.status), ("asked by", i.asked_by),
            ("asked", i.asked_at), ("due", i.due_at), ("reminded", i.reminded), ("question", i.question),
            ("missing", i.missing_items or None), ("answer", i.answer), ("answered", i.answered_at),
            ("amended", i.amended_fields or None),
        ]))
    if case.review_summary:
        out.print(fields([("review summary", case.review_summary)]))
    if case.assessment:
        a = case.assessment
        out.print(fields([("assessment", a.verdict), ("by", a.assessor), ("at", a.at), ("basis", a.basis),
                          ("articles", a.articles)]))
    if case.decision:
        d = case.decision
        out.print(fields([("decision", d.outcome), ("by", d.decided_by), ("at", d.at), ("reason", d.reason),
                          ("override", d.override_justification)]))
    if case.withdrawal_reason:
        out.print(fields([("withdrawn", case.withdrawal_reason)]))
    if case.reasons_to_ncb:
        out.print(table("Reasons given to the NCB", ["reason"], ((r,) for r in case.reasons_to_ncb)))
    if case.sources:
        out.print(table("External sources consulted", ["at", "by", "source", "summary"], (
            (n.at, n.noted_by, n.source, n.summary) for n in case.sources
        )))
    if case.messages:
        out.print(table("Messages to NCBs", ["at", "kind", "to", "subject"], (
            (m.at, m.kind, m.to if len(m.to) <= 5 else f"{len(m.to)} NCBs", m.subject) for m in case.messages
        )))
    _print_history(case.timeline, case.rejected)


def _print_history(timeline: list[TimelineEvent], rejected: list[RejectedMessage]) -> None:
    """What happened, and what was refused: the same for a case and for a notice."""
    out = console()
    out.print(table("Timeline", ["at", "actor", "event", "detail"], (
        (t.at, t.actor, t.event, t.detail) for t in timeline
    )))
    if rejected:
        out.print(table("Refused messages", ["at", "actor", "message", "reason"], (
            (r.at, r.actor, r.message, r.reason) for r in rejected
        )))


@app.command()
def notice(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument()],
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """A published notice: status, validity, blocks, instructions to NCBs, timeline."""
    who = acting(reviewer)
    state: PublishedNoticeState = as_reviewer(ctx, who, lambda api: api.notice(notice_id), f"notice {notice_id}")
    if as_json:
        print_json(state)
        return
    out = console()
    out.print(fields([
        ("notice", state.notice_id), ("request", state.request_id), ("kind", state.kind),
        ("NCB", state.requesting_ncb), ("status", state.status), ("reason", state.status_reason),
        ("published", state.published_at), ("expires", state.expires_at), ("renewals", state.renewals),
        ("blocked until", state.blocked_until),
    ]))
    if state.instructions:
        out.print(table("Instructions to NCBs", ["key", "kind", "issued", "due", "acknowledged", "pending"], (
            (i.instruction_key, i.kind, i.issued_at, i.due_at, len(i.acknowledged), len(i.pending))
            for i in state.instructions
        )))
    if state.reference_alerts:
        out.print(table("Reference-data alerts (re-screening; block the notice if they hold)",
                        ["at", "severity", "rule", "article", "list entry", "message"], (
            (a.at, a.finding.severity, a.finding.rule_id, a.finding.article,
             f"{a.finding.evidence.get('list', '')} {a.finding.evidence.get('entry_id', '')}", a.finding.message)
            for a in state.reference_alerts
        )))
    _print_history(state.timeline, state.rejected)


@app.command()
def acks(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument()],
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Who has and has not confirmed each block or cancellation instruction."""
    who = acting(reviewer)
    result: AckReport = as_reviewer(ctx, who, lambda api: api.acks(notice_id), f"notice {notice_id}")
    if as_json:
        print_json(result)
        return
    out = console()
    if not result.instructions:
        out.print(f"notice {result.notice_id}: no instruction has been sent to NCBs", markup=False)
        return
    for i in result.instructions:
        flags = " ".join(f for f, on in (("reminded", i.reminded), ("ESCALATED", i.escalated)) if on)
        if i.superseded_by:
            flags = f"{flags} no longer awaited: {i.superseded_by}".strip()
        out.print(fields([
            ("instruction", i.instruction_key), ("kind", i.kind), ("issued", i.issued_at), ("due", i.due_at),
            ("flags", flags or None),
            (f"acknowledged ({len(i.acknowledged)})",
             ", ".join(f"{ncb} {cell(at)}" for ncb, at in sorted(i.acknowledged.items())) or None),
            (f"not yet ({len(i.pending)})", sorted(i.pending)),
        ]))


# --- acting ---------------------------------------------------------------------------------------------


@app.command("request-info")
def request_info(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument()],
    question: Annotated[str, typer.Option(help="What the NCB should answer or supply")],
    to: Annotated[str | None, typer.Option(help="Consult another NCB instead of the requesting one")] = None,
    due: Annotated[int, typer.Option(min=1, max=180, help="Days the NCB has to answer")] = 30,
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Ask the requesting NCB to clarify (the default), or consult another NCB."""
    who = acting(reviewer)
    question = require_text(question, "--question")
    to_ncb = country_code(to, "--to") if to else None

    accepted = as_reviewer(
        ctx, who, lambda api: api.request_info(request_id, question, to_ncb, due), f"request {request_id}"
    )
    print_accepted(accepted, as_json)


@app.command()
def note(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument()],
    source: Annotated[str, typer.Option(help="Where the source can be read again (http or https address)")],
    summary: Annotated[str, typer.Option(help="What it says that bears on the case")],
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Record an external, credible source consulted during the review, as evidence on the case."""
    who = acting(reviewer)
    summary = require_text(summary, "--summary")
    source = source.strip()
    if not re.fullmatch(r"https?://\S+", source):
        report(CliError(EXIT_INVALID, f"--source: an http or https address, not {source!r}"))

    accepted = as_reviewer(ctx, who, lambda api: api.note_source(request_id, source, summary), f"request {request_id}")
    print_accepted(accepted, as_json)


@app.command()
def claim(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument()],
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Hold the case, so other reviewers see who works it; the claim lapses after CLAIM_HOURS (4) unless
    claimed again."""
    who = acting(reviewer)
    accepted = as_reviewer(ctx, who, lambda api: api.claim(request_id), f"request {request_id}")
    print_accepted(accepted, as_json)


@app.command()
def release(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument()],
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Let go of a case you hold."""
    who = acting(reviewer)
    accepted = as_reviewer(ctx, who, lambda api: api.release(request_id), f"request {request_id}")
    print_accepted(accepted, as_json)


@app.command("conclude-review")
def conclude_review(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument()],
    summary: Annotated[str, typer.Option(help="What the detailed review established")],
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Close the detailed review and hand the case to legal assessment."""
    who = acting(reviewer)
    summary = require_text(summary, "--summary")

    accepted = as_reviewer(ctx, who, lambda api: api.conclude_review(request_id, summary), f"request {request_id}")
    print_accepted(accepted, as_json)


@app.command()
def assess(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument()],
    verdict: Annotated[VerdictChoice, typer.Option(  # type: ignore[valid-type]
        case_sensitive=False, help="compliant or non_compliant")],
    basis: Annotated[str, typer.Option(help="The reasoning the verdict rests on")],
    article: Annotated[list[str] | None, typer.Option(help="An article the assessment cites (repeatable)")]
    = None,
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Record the legal and human-rights assessment (a lawyer's)."""
    from models.case import Verdict

    who = acting(reviewer)
    basis = require_text(basis, "--basis")
    articles = [a.strip() for a in article or [] if a.strip()]

    accepted = as_reviewer(
        ctx, who, lambda api: api.assess(request_id, Verdict(str(verdict)), basis, articles), f"request {request_id}"
    )
    print_accepted(accepted, as_json)


@app.command()
def decide(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument()],
    outcome: Annotated[OutcomeChoice, typer.Argument(  # type: ignore[valid-type]
        case_sensitive=False, help="approve or deny")],
    reason: Reason,
    override: Annotated[str | None, typer.Option(help="A supervisor's justification for approving despite "
                                                 "unresolved blocking findings")] = None,
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Approve (publish) or deny the request; never by the reviewer who assessed it."""
    from models.case import DecisionOutcome

    who = acting(reviewer)
    reason = require_text(reason, "--reason")
    justification = require_text(override, "--override") if override is not None else None

    accepted = as_reviewer(
        ctx, who, lambda api: api.decide(request_id, DecisionOutcome(str(outcome)), reason, justification),
        f"request {request_id}",
    )
    print_accepted(accepted, as_json)


def parse_until(value: str) -> datetime:
    """An ISO date-time; without a zone it is local time. It must lie ahead."""
    try:
        until = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not an ISO date-time such as 2026-07-01T12:00+02:00",
                                 param_hint="--until") from None
    if until.tzinfo is None:
        until = until.astimezone()
    if until <= datetime.now().astimezone():
        raise typer.BadParameter(f"{until.isoformat()} is in the past; a temporary block must end later",
                                 param_hint="--until")
    return until


@app.command()
def block(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument()],
    reason: Reason,
    until: Annotated[str | None, typer.Option(help="When the block lifts by itself (ISO date-time); "
                                              "indefinite when omitted")] = None,
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Block a published notice (NCBs are told to update their national databases)."""
    who = acting(reviewer)
    reason = require_text(reason, "--reason")
    ends = parse_until(until) if until else None

    accepted = as_reviewer(ctx, who, lambda api: api.block(notice_id, reason, ends), f"notice {notice_id}")
    print_accepted(accepted, as_json)


@app.command()
def unblock(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument()],
    reason: Reason,
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Lift a block on a notice."""
    who = acting(reviewer)
    reason = require_text(reason, "--reason")

    accepted = as_reviewer(ctx, who, lambda api: api.unblock(notice_id, reason), f"notice {notice_id}")
    print_accepted(accepted, as_json)


@app.command()
def cancel(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument()],
    reason: Reason,
    reviewer: ReviewerOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Cancel a notice for good (NCBs are told to remove it)."""
    who = acting(reviewer)
    reason = require_text(reason, "--reason")

    accepted = as_reviewer(ctx, who, lambda api: api.cancel(notice_id, reason), f"notice {notice_id}")
    print_accepted(accepted, as_json)


# --- the information system (reference data, audit) through the API -------------------------------------


@data_app.command("load")
def data_load(
    ctx: typer.Context,
    kind: Annotated[ReferenceKind, typer.Argument(case_sensitive=False, help="Which list")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV with a header row")],
    as_json: JsonFlag = False,
) -> None:
    """Replace one reference list with a CSV file: all of it or, when any row is bad, none of it.

    Presents the administrator's credential (profile `admin`)."""
    try:
        content = file.read_bytes()
    except OSError as error:
        report(CliError(EXIT_INVALID, f"{file}: cannot read it ({error})"))

    def load(api: ReviewerApi) -> Any:
        try:
            return api.load_reference_data(kind, content)
        except InvalidInput as invalid:
            problems = sorted(invalid.problems, key=lambda p: (p.line or 0, p.field))
            if not problems:
                raise
            raise CliError(
                EXIT_INVALID,
                f"{file}: {len(problems)} problem(s) in the {kind.value} file; nothing was loaded. Fix each row:",
                *(f"  {p.text()}" for p in problems),
            ) from None

    loaded = with_profile(ctx, ADMIN_PROFILE, load, f"reference list {kind.value}")
    issued = _credentials_for_roster(content) if kind is ReferenceKind.REVIEWERS else []
    if as_json:
        print_json(loaded)
        return
    what = f"loaded as version {loaded.version}" if loaded.changed else \
        f"unchanged: the same content is already loaded (version {loaded.version})"
    console().print(f"{loaded.kind.value}: {loaded.rows} rows, {what}", markup=False)
    if loaded.rescreen is not None:
        rescreen = loaded.rescreen
        under_way = "re-screening" if rescreen.started else "re-screening (started by an earlier load of this content)"
        console().print(
            f"{under_way}: {rescreen.changed_entries} entries added or changed, against {rescreen.open_cases} open "
            f"cases and {rescreen.published_notices} published notices (workflow {rescreen.workflow_id})",
            markup=False,
        )
    if issued:
        console().print(f"credentials issued for {len(issued)} new reviewer(s): {', '.join(issued)}", markup=False)


@data_app.command("backfill-queue")
def data_backfill_queue(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Give the reviewers' queue a row for each open case without one: once after the upgrade that brought
    the queue's read model (cases running from before it are listed from Temporal's visibility). Safe to
    run again. Presents the administrator's credential (profile `admin`)."""
    done = with_profile(ctx, ADMIN_PROFILE, lambda api: api.backfill_queue(), "the reviewers' queue")
    if as_json:
        print_json(done)
        return
    console().print(f"{done.open_cases} open cases: {done.written} added to the queue, {done.kept} already there "
                    "(or closed meanwhile)", markup=False)


def _credentials_for_roster(content: bytes) -> list[str]:
    """On the machine that keeps the local credential registry (a local run), every reviewer of a roster
    just loaded who has no credential gets one, stored where the commands find it. Elsewhere (identity
    from the organisation's provider) nothing is issued."""
    if not settings().api_credential_registry.exists():
        return []
    rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    reviewers = sorted({(row.get("reviewer_id") or "").strip() for row in rows} - {""})
    done = issue_defaults([], reviewers, issued_by="ndtf data load reviewers")
    return [profile.removeprefix("reviewer:") for profile in done.issued if profile.startswith("reviewer:")]


@audit_app.command("verify")
def audit_verify(
    ctx: typer.Context,
    reviewer: Annotated[str | None, typer.Option("--as", envvar="NDTF_REVIEWER", help="Check it as this reviewer "
                                                 "(default: the administrator's credential)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Walk the hash chain of the audit trail; exit 1 when an entry was changed or removed."""
    profile = reviewer_profile(reviewer) if reviewer and reviewer.strip() else ADMIN_PROFILE
    result = with_profile(ctx, profile, lambda api: api.verify_audit(), "the audit trail")
    if as_json:
        print_json(result)
    elif result.ok:
        console().print(f"audit trail intact: {result.entries} entries", markup=False)
    if not result.ok:
        report(CliError(EXIT_FAILED, f"audit trail BROKEN after {result.entries} good entries"
                                     f"{f' (entry {result.first_bad_id})' if result.first_bad_id else ''}: "
                                     f"{result.problem}"))


def main() -> None:
    run_app(app, "ndtf")


if __name__ == "__main__":
    main()
