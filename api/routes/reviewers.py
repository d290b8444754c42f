"""What NDTF reviewers do: work the queue, read a case, act on it, and act on published notices.

The reviewer is the credential's; their roles come from the roster in the registry, read here for every
call (so a reviewer taken off the roster is refused at once) and read again by the workflow.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from admin.client import ReviewerClient
from api.problems import FieldError, ProblemError, problem_responses
from api.routes.access import Acting, Door, door, reviewer, same_identity
from models.case import ActionAccepted, Articles, CaseState, DecisionOutcome, ReviewStage, Statement, Verdict
from models.findings import RiskLevel
from models.notice import AckReport, NoticeActionAccepted, PublishedNoticeState
from models.queue import AWAITING_NCB, DEFAULT_PAGE, MAX_PAGE, QUEUE_STAGES, REVIEWER_QUEUE, QueueFilter, QueuePage
from models.request import CountryCode, NoticeKind
from registry.queue import InvalidCursor, query_queue
from registry.references import ReferenceStore
from workflows.policy import ReviewerAction

router = APIRouter(prefix="/v1", tags=["NDTF reviewers"], responses=problem_responses(401, 403, 429, 503, 504))

DoorDep = Annotated[Door, Depends(door)]
Anyone = Annotated[Acting, Depends(reviewer())]


def _acting(action: ReviewerAction) -> object:
    return Depends(reviewer(action))


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reviewer_id: str | None = Field(default=None, description="Optional; when given it must be your own roster id.")


class ClaimBody(_Body):
    """A claim or a release: who is the credential's; how long a claim holds is the service's setting."""


class InfoRequestBody(_Body):
    question: Statement
    to_ncb: CountryCode | None = Field(default=None, description="Consult another NCB instead of the requesting one")
    due_days: int = Field(default=30, ge=1, le=180)


class SourceBody(_Body):
    source: str = Field(max_length=2000, pattern=r"^https?://\S+$", description="Where it can be read again")
    summary: Statement = Field(description="What it says that bears on the case")


class ReviewConclusionBody(_Body):
    summary: Statement


class AssessmentBody(_Body):
    verdict: Verdict
    basis: Statement
    articles: Articles = Field(default_factory=list)


class DecisionBody(_Body):
    outcome: DecisionOutcome
    reason: Statement
    override_justification: Statement | None = Field(
        default=None, description="A supervisor's justification for approving despite unresolved blocking findings"
    )


class BlockBody(_Body):
    reason: Statement
    until: datetime | None = Field(default=None, description="When the block lifts by itself; indefinite when left out")


class NoticeReasonBody(_Body):
    reason: Statement


def _client(door: Door, acting: Acting | None = None) -> ReviewerClient:
    return ReviewerClient(door.client, acting.reviewer_id if acting else "", door.task_queue)


def _mine(body: _Body, acting: Acting) -> None:
    same_identity(body.reviewer_id, acting.reviewer_id, "reviewer_id")


# --- reading -------------------------------------------------------------------------------------


@router.get("/cases", response_model=QueuePage, responses=problem_responses(422),
            summary="The queue: open cases, oldest deadline first, a page at a time with the counts per stage")
async def queue(
    acting: Anyone,
    door: DoorDep,
    stage: Annotated[list[ReviewStage] | None, Query(description="Only these stages (repeatable); default: the "
                                                     "reviewers' stages")] = None,
    kind: NoticeKind | None = None,
    requesting_ncb: Annotated[CountryCode | None, Query(description="ISO 3166-1 alpha-2")] = None,
    risk: RiskLevel | None = None,
    overdue: bool | None = None,
    escalated: bool | None = None,
    assignee: Annotated[str | None, Query(max_length=100, description="Cases claimed by this reviewer id; `me` "
                                          "for your own")] = None,
    unassigned: Annotated[bool | None, Query(description="true: cases nobody holds a claim on; false: "
                                             "claimed ones")] = None,
    all: Annotated[bool, Query(description="Include cases awaiting an NCB's clarification")] = False,  # noqa: A002
    cursor: Annotated[str | None, Query(max_length=400, description="The `next_cursor` of the page before")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Cases per page")] = DEFAULT_PAGE,
) -> QueuePage:
    """Answered from the registry's read model (``registry.queue``): one indexed query, whatever the number
    of open cases, as current as each case's last recorded event."""
    stages = list(dict.fromkeys(s.value for s in stage or []))
    if not stages and all:
        stages = [*REVIEWER_QUEUE, AWAITING_NCB]
    final = sorted(set(stages) - set(QUEUE_STAGES))
    if final:
        raise ProblemError("ClosedStage", f"The queue lists open cases; {', '.join(final)} is a final stage.",
                           status=422, errors=[FieldError(field="stage", message="must be the stage of an open case")])
    wanted = QueueFilter.model_validate({
        "stages": stages, "kind": kind.value if kind else None, "requesting_ncb": requesting_ncb,
        "risk": risk.value if risk else None, "overdue": overdue,
        "escalated": escalated,
        "assignee": acting.reviewer_id if assignee and assignee.strip().lower() == "me" else (assignee or None),
        "unassigned": unassigned, "cursor": cursor or None, "limit": limit,
    })
    try:
        return await query_queue(door.db, wanted)
    except InvalidCursor as error:
        raise ProblemError("InvalidCursor", str(error), status=422,
                           errors=[FieldError(field="cursor", message=str(error))]) from None


@router.get("/cases/{request_id}", response_model=CaseState, responses=problem_responses(404),
            summary="The whole case: request, findings, messages, deadlines, decisions, timeline")
async def show(request_id: str, acting: Anyone, door: DoorDep) -> CaseState:
    case: CaseState = await door.temporal(_client(door).show(request_id), "case")
    return case


@router.get("/ndtf/notices/{notice_id}", response_model=PublishedNoticeState, responses=problem_responses(404),
            summary="A published notice: status, validity, blocks, instructions, timeline")
async def notice(notice_id: str, acting: Anyone, door: DoorDep) -> PublishedNoticeState:
    state: PublishedNoticeState = await door.temporal(_client(door).notice(notice_id), "notice")
    return state


@router.get("/ndtf/notices/{notice_id}/acks", response_model=AckReport, responses=problem_responses(404),
            summary="Who has and has not confirmed each block or cancellation instruction")
async def acks(notice_id: str, acting: Anyone, door: DoorDep) -> AckReport:
    report: AckReport = await door.temporal(_client(door).acks(notice_id), "notice")
    return report


# --- acting on a case ------------------------------------------------------------------------------

ACTION_ERRORS = problem_responses(404, 409, 422)


@router.post("/cases/{request_id}/claim", response_model=ActionAccepted, responses=ACTION_ERRORS,
             summary="Hold the case (others see who works it); it lapses after CLAIM_HOURS unless claimed again")
async def claim(request_id: str, acting: Anyone, door: DoorDep, body: ClaimBody | None = None) -> ActionAccepted:
    _mine(body or ClaimBody(), acting)
    accepted: ActionAccepted = await door.temporal(
        _client(door, acting).claim(request_id, door.settings.claim_hours), "case"
    )
    return accepted


@router.post("/cases/{request_id}/release", response_model=ActionAccepted, responses=ACTION_ERRORS,
             summary="Let go of a case you hold")
async def release(request_id: str, acting: Anyone, door: DoorDep, body: ClaimBody | None = None) -> ActionAccepted:
    _mine(body or ClaimBody(), acting)
    accepted: ActionAccepted = await door.temporal(_client(door, acting).release(request_id), "case")
    return accepted


@router.post("/cases/{request_id}/info-requests", response_model=ActionAccepted, responses=ACTION_ERRORS,
             summary="Ask the requesting NCB (default) or consult another NCB")
async def request_info(
    request_id: str, body: InfoRequestBody, door: DoorDep,
    acting: Annotated[Acting, _acting(ReviewerAction.REQUEST_INFO)],
) -> ActionAccepted:
    _mine(body, acting)
    await _consulted_member(door, body.to_ncb)
    accepted: ActionAccepted = await door.temporal(
        _client(door, acting).request_info(request_id, body.question, body.to_ncb, body.due_days), "case"
    )
    return accepted


async def _consulted_member(door: Door, to_ncb: str | None) -> None:
    """Only a member's NCB is consulted, as the ``members`` list has them (nothing checked while none is
    loaded): anyone else is refused naming the field, as a request from a non-member is."""
    if not to_ncb:
        return
    members = await ReferenceStore(door.db).member_codes()
    if members is not None and to_ncb.upper() not in members:
        raise ProblemError(
            "NotAMember",
            "Only the NCBs of the organisation's member countries are asked for information; nothing was sent.",
            status=422,
            errors=[FieldError(field="to_ncb", message=f"{to_ncb.upper()} is not a member country")],
        )


@router.post("/cases/{request_id}/sources", response_model=ActionAccepted, responses=ACTION_ERRORS,
             summary="Record an external, credible source consulted, as evidence on the case")
async def note_source(
    request_id: str, body: SourceBody, door: DoorDep,
    acting: Annotated[Acting, _acting(ReviewerAction.NOTE_SOURCE)],
) -> ActionAccepted:
    _mine(body, acting)
    accepted: ActionAccepted = await door.temporal(
        _client(door, acting).note_source(request_id, body.source, body.summary), "case"
    )
    return accepted


@router.post("/cases/{request_id}/review-conclusion", response_model=ActionAccepted, responses=ACTION_ERRORS,
             summary="Close the detailed review; the case goes to legal assessment")
async def conclude_review(
    request_id: str, body: ReviewConclusionBody, door: DoorDep,
    acting: Annotated[Acting, _acting(ReviewerAction.CONCLUDE_REVIEW)],
) -> ActionAccepted:
    _mine(body, acting)
    accepted: ActionAccepted = await door.temporal(
        _client(door, acting).conclude_review(request_id, body.summary), "case"
    )
    return accepted


@router.post("/cases/{request_id}/assessment", response_model=ActionAccepted, responses=ACTION_ERRORS,
             summary="Record the legal and human-rights assessment (a lawyer's)")
async def assess(
    request_id: str, body: AssessmentBody, door: DoorDep,
    acting: Annotated[Acting, _acting(ReviewerAction.ASSESS)],
) -> ActionAccepted:
    _mine(body, acting)
    accepted: ActionAccepted = await door.temporal(
        _client(door, acting).assess(request_id, body.verdict, body.basis, list(body.articles)), "case"
    )
    return accepted


@router.post("/cases/{request_id}/decision", response_model=ActionAccepted, responses=ACTION_ERRORS,
             summary="Approve or deny; never by the assessor (four eyes)")
async def decide(
    request_id: str, body: DecisionBody, door: DoorDep,
    acting: Annotated[Acting, _acting(ReviewerAction.DECIDE)],
) -> ActionAccepted:
    _mine(body, acting)
    if body.override_justification is not None:
        acting.require(ReviewerAction.OVERRIDE_BLOCKING)
    accepted: ActionAccepted = await door.temporal(
        _client(door, acting).decide(request_id, body.outcome, body.reason, body.override_justification), "case"
    )
    return accepted


# --- acting on a published notice ----------------------------------------------------------------


@router.post("/ndtf/notices/{notice_id}/block", response_model=NoticeActionAccepted, responses=ACTION_ERRORS,
             summary="Block a published notice, for good or until a date")
async def block(
    notice_id: str, body: BlockBody, door: DoorDep,
    acting: Annotated[Acting, _acting(ReviewerAction.BLOCK)],
) -> NoticeActionAccepted:
    _mine(body, acting)
    until = body.until
    if until is not None:
        until = until if until.tzinfo else until.replace(tzinfo=UTC)
        if until <= datetime.now(UTC):
            raise ProblemError("InvalidUntil", "The end of a temporary block must be in the future.",
                               errors=[FieldError(field="until", message="must be in the future")])
    accepted: NoticeActionAccepted = await door.temporal(
        _client(door, acting).block(notice_id, body.reason, until), "notice"
    )
    return accepted


@router.post("/ndtf/notices/{notice_id}/unblock", response_model=NoticeActionAccepted, responses=ACTION_ERRORS,
             summary="Lift a block (a supervisor's)")
async def unblock(
    notice_id: str, body: NoticeReasonBody, door: DoorDep,
    acting: Annotated[Acting, _acting(ReviewerAction.UNBLOCK)],
) -> NoticeActionAccepted:
    _mine(body, acting)
    accepted: NoticeActionAccepted = await door.temporal(
        _client(door, acting).unblock(notice_id, body.reason), "notice"
    )
    return accepted


@router.post("/ndtf/notices/{notice_id}/cancel", response_model=NoticeActionAccepted, responses=ACTION_ERRORS,
             summary="Cancel a notice for good (a supervisor's)")
async def cancel(
    notice_id: str, body: NoticeReasonBody, door: DoorDep,
    acting: Annotated[Acting, _acting(ReviewerAction.CANCEL)],
) -> NoticeActionAccepted:
    _mine(body, acting)
    accepted: NoticeActionAccepted = await door.temporal(_client(door, acting).cancel(notice_id, body.reason), "notice")
    return accepted
