"""The information system directly: reference data (administrators) and the audit trail's check."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import String
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from admin.client import ReviewerClient
from api.principal import Principal
from api.problems import FieldError, ProblemError, problem_responses
from api.routes.access import Door, administrator, door, reviewer_or_administrator
from models.activities import AuditVerification, LoadReport
from models.queue import QueueBackfilled
from models.reference import ReferenceKind
from models.request import control_character
from models.rescreen import RESCREEN_KINDS, RescreenInput, RescreenSummary, rescreen_workflow_id
from registry.audit import verify_audit
from registry.queue import backfill
from registry.references import ReferenceDataError, ReferenceStore, parse_reference_csv
from registry.rescreen import count_changes, rescreen_scope
from registry.tables import REFERENCE_TABLES
from workflows.rescreen import RescreenWorkflow

router = APIRouter(prefix="/v1", tags=["Administration"], responses=problem_responses(401, 403, 429))

DoorDep = Annotated[Door, Depends(door)]
CSV_TYPES = frozenset({"text/csv", "application/csv"})
TEXT_CELL_CHARS = 2_000
"""The longest cell of a column the registry keeps as unbounded text (a note)."""


def _cell_limit(kind: ReferenceKind, column: str) -> int:
    """The characters a column's cell may hold: its table column's length (``from`` is ``from_date``)."""
    table = REFERENCE_TABLES[kind.value].__table__
    for name in (column, f"{column}_date"):
        if name in table.c:
            kind_of = table.c[name].type
            return kind_of.length if isinstance(kind_of, String) and kind_of.length else TEXT_CELL_CHARS
    return TEXT_CELL_CHARS


def _cell_problems(kind: ReferenceKind, content: str, checked: set[tuple[int, str]]) -> list[FieldError]:
    """Cells no list may hold, which the format's own checks let through: a control character or a line
    break (a record is one line: a CR/LF or an ESC sequence in a name would reach logs, mail and
    terminals, and NUL is refused by PostgreSQL) and a cell longer than its column (which PostgreSQL
    would refuse with a server error). ``checked``: the (line, field) the format already refused."""
    reader = csv.reader(io.StringIO(content.removeprefix("\ufeff"), newline=""))
    found: list[FieldError] = []
    header: list[str] = []
    line = 0
    try:
        for cells in reader:
            first, line = line + 1, reader.line_num
            if not header:
                header = [cell.strip() for cell in cells]
                continue
            for index, cell in enumerate(cells):
                field = header[index] if index < len(header) else f"column {index + 1}"
                if (first, field) in checked:
                    continue
                bad = control_character(cell, lines=False)
                limit = _cell_limit(kind, field)
                if bad is not None:
                    message = f"line {first}: one line of plain text: no control character ({bad} found)"
                elif len(cell) > limit:
                    message = f"line {first}: at most {limit:,} characters (got {len(cell):,})"
                else:
                    continue
                found.append(FieldError(field=field, line=first, message=message))
    except csv.Error:
        pass  # the format's own check reports it
    return found


@router.put(
    "/reference-data/{kind}",
    response_model=LoadReport,
    responses=problem_responses(413, 415, 422),
    summary="Replace one reference list with a CSV file: all of it, or none when any row is bad",
    description="A load of the refugees or political_targeting list that adds or changes entries starts the "
    "re-screening of open cases and published notices against them; the answer's `rescreen` says how many "
    "(counts only). The same content loaded again starts none twice.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "description": "CSV with a header row"}}},
        }
    },
)
async def load_reference_data(
    kind: ReferenceKind,
    request: Request,
    caller: Annotated[Principal, Depends(administrator)],
    door: DoorDep,
) -> LoadReport:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in CSV_TYPES:
        raise ProblemError(
            "UnsupportedMediaType",
            f"Send the list as CSV (Content-Type: text/csv), not {media_type or 'no content type'}.",
            errors=[FieldError(field="header", message="Content-Type must be text/csv")],
        )
    raw = await request.body()
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProblemError(
            "InvalidReferenceData",
            f"The {kind.value} file is not UTF-8 text; nothing was loaded.",
            errors=[FieldError(field="file", line=1, message=f"is not UTF-8 text ({error.reason})")],
        ) from None
    errors: list[FieldError] = []
    try:
        parse_reference_csv(kind, content)
    except ReferenceDataError as error:
        errors = [FieldError(field=p.field, line=p.line, message=f"line {p.line}: {p.message}") for p in error.problems]
    errors += _cell_problems(kind, content, {(e.line or 0, e.field) for e in errors})
    if errors:
        errors.sort(key=lambda e: (e.line or 0, e.field))
        raise ProblemError(
            "InvalidReferenceData",
            f"{len(errors)} problem(s) in the {kind.value} file; nothing was loaded. Fix each row.",
            errors=errors,
        )
    try:
        loaded = await ReferenceStore(door.db).load_text(kind, content, actor=caller.subject)
    except ReferenceDataError as error:
        problems = sorted(error.problems, key=lambda p: (p.line, p.field))
        raise ProblemError(
            "InvalidReferenceData",
            f"{len(problems)} problem(s) in the {kind.value} file; nothing was loaded. Fix each row.",
            errors=[FieldError(field=p.field, line=p.line, message=f"line {p.line}: {p.message}") for p in problems],
        ) from None
    if kind in RESCREEN_KINDS:
        loaded.rescreen = await _rescreen(door, kind, loaded.version, loaded.content_hash)
    return loaded


async def _rescreen(door: Door, kind: ReferenceKind, version: int, content_hash: str) -> RescreenSummary | None:
    """Start the re-screening of this version's added or changed entries, once: the workflow id comes from
    the list, the version and the content, so a retried load (after a crash between the load and the
    start, or a client's retry) starts it if it never was, and finds it otherwise."""
    changed = await count_changes(door.db, kind, version)
    if not changed:
        return None
    workflow_id = rescreen_workflow_id(kind, version, content_hash)
    cases, notices = await rescreen_scope(door.db)
    try:
        await door.temporal(
            door.client.start_workflow(
                RescreenWorkflow.run,
                RescreenInput(kind=kind, version=version),
                id=workflow_id,
                task_queue=door.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            ),
            "re-screening",
        )
        started = True
    except WorkflowAlreadyStartedError:
        started = False
    return RescreenSummary(
        workflow_id=workflow_id, started=started, changed_entries=changed, open_cases=cases, published_notices=notices
    )


@router.get(
    "/audit/verification",
    response_model=AuditVerification,
    summary="Walk the hash chain of the audit trail: ok, or the first changed or removed entry",
)
async def audit_verification(
    caller: Annotated[Principal, Depends(reviewer_or_administrator)], door: DoorDep
) -> AuditVerification:
    return await verify_audit(door.db)


@router.post(
    "/queue/backfill",
    response_model=QueueBackfilled,
    responses=problem_responses(503, 504),
    summary="Give the reviewers' queue a row for each open case that has none (cases running before it)",
)
async def backfill_queue(caller: Annotated[Principal, Depends(administrator)], door: DoorDep) -> QueueBackfilled:
    """Once after the upgrade that brought the queue's read model (``ndtf data backfill-queue``): the open
    cases as Temporal's visibility lists them, written where no row is. Safe to run again at any time: a
    case's own events override what it writes, and a closed case is not brought back."""
    reviewer = ReviewerClient(door.client, caller.subject, door.task_queue)
    open_cases = await door.temporal(reviewer.open_cases(), "case")
    return await backfill(door.db, open_cases)
