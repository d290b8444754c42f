"""The information system directly: reference data (administrators) and the audit trail's check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from admin.client import ReviewerClient
from api.principal import Principal
from api.problems import FieldError, ProblemError, problem_responses
from api.routes.access import Door, administrator, door, reviewer_or_administrator
from models.activities import AuditVerification, LoadReport
from models.queue import QueueBackfilled
from models.reference import ReferenceKind
from models.rescreen import RESCREEN_KINDS, RescreenInput, RescreenSummary, rescreen_workflow_id
from registry.audit import verify_audit
from registry.queue import backfill
from registry.references import ReferenceDataError, ReferenceStore
from registry.rescreen import count_changes, rescreen_scope
from workflows.rescreen import RescreenWorkflow

router = APIRouter(prefix="/v1", tags=["Administration"], responses=problem_responses(401, 403, 429))

DoorDep = Annotated[Door, Depends(door)]
CSV_TYPES = frozenset({"text/csv", "application/csv"})


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
