"""What an NCB integration does: submit a request, follow it, answer, withdraw, search, acknowledge, renew.

The NCB is the credential's; an NCB sees only its own requests. Another NCB's request is answered
exactly as an unknown id (404), so its existence does not leak, and the attempt is audited.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from api.principal import Principal
from api.problems import FieldError, ProblemError, from_request_problems, not_found, problem_responses
from api.routes.access import Door, door, ncb_caller, same_identity
from models.activities import SearchResults
from models.case import ActionAccepted, NcbCaseView, Statement
from models.notice import NoticeActionAccepted
from models.reference import OffenceCode
from models.request import CountryCode, InvalidRequest, NoticeKind, NoticeRequest, parse_request
from registry.references import ReferenceStore
from screening import classification as iccs
from starter.client import NcbClient, Submission

router = APIRouter(prefix="/v1", tags=["NCB"], responses=problem_responses(401, 403, 429, 503, 504))

Ncb = Annotated[Principal, Depends(ncb_caller)]
DoorDep = Annotated[Door, Depends(door)]

logger = logging.getLogger(__name__)

HIDDEN_KINDS = frozenset({"NotYourRequest", "NothingAwaited", "CaseClosed", "QueryFailed"})
"""Refusals that, to an NCB not owning the request, would say it exists: answered as 404 instead."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReplyBody(_Body):
    answer: Statement
    amendments: dict[str, Any] = Field(
        default_factory=dict,
        description="Request fields to replace, in the request's own shape; the amended request is screened again.",
    )
    info_request_id: str | None = Field(
        default=None, description="Which request for information (IR-n); the oldest open one when left out."
    )
    ncb: str | None = Field(default=None, description="Optional; when given it must be your own NCB.")


class WithdrawalBody(_Body):
    reason: Statement
    ncb: str | None = Field(default=None, description="Optional; when given it must be your own NCB.")


class AcknowledgementBody(_Body):
    instruction_key: str | None = Field(
        default=None, description="Which instruction; the latest you have not confirmed when left out."
    )
    ncb: str | None = Field(default=None, description="Optional; when given it must be your own NCB.")


class RenewalBody(_Body):
    reason: Statement
    ncb: str | None = Field(default=None, description="Optional; when given it must be your own NCB.")


async def _check_membership(door: Door, request: NoticeRequest) -> None:
    """A request comes from a member and a diffusion goes to members only, as the ``members`` reference
    list has them; nothing is refused while no list is loaded (logged)."""
    members = await ReferenceStore(door.db).member_codes()
    if members is None:
        logger.warning(
            "no members list is loaded (ndtf data load members FILE): %s/%s accepted unchecked for membership",
            request.requesting_ncb, request.ncb_reference,
        )
        return
    errors = []
    if request.requesting_ncb not in members:
        errors.append(FieldError(field="requesting_ncb", message=f"{request.requesting_ncb} is not a member country"))
    errors += [
        FieldError(field=f"diffusion_recipients.{index}", message=f"{ncb} is not a member country")
        for index, ncb in enumerate(request.diffusion_recipients)
        if ncb not in members
    ]
    if errors:
        raise ProblemError(
            "NotAMember",
            "Requests come from, and diffusions go to, the organisation's member countries only; nothing was started.",
            status=422,
            errors=errors,
        )


EXAMPLE_CODE = "0701"


def _expected(classification: dict[str, OffenceCode]) -> str:
    example = classification.get(EXAMPLE_CODE) or next(iter(classification.values()))
    return f"an ICCS code of the loaded offence classification, such as {example.code} ({example.label})"


def _category_errors(classification: dict[str, OffenceCode], categories: list[tuple[str, Any]]) -> list[FieldError]:
    """Each (field, category) whose category is neither a code of the loaded classification nor one of the
    request contract's named categories (``fraud``, ``robbery``, … ``other``: DESIGN's examples use them,
    and integrations written to that contract keep working), which stand for their code."""
    errors = []
    for field, category in categories:
        if category in classification:
            continue
        if isinstance(category, str) and iccs.is_code(category):
            got = f"{category} is not a code of the offence classification"
        elif isinstance(category, str) and iccs.LEGACY_CATEGORIES.get(category) in classification:
            continue
        else:
            got = f"'{category}' is neither a code of the offence classification nor a category it maps"
        errors.append(FieldError(field=field, message=f"{got}: expected {_expected(classification)}"))
    return errors


def _refuse_categories(errors: list[FieldError]) -> None:
    if errors:
        raise ProblemError(
            "UnknownOffenceCode",
            "Each charge's category is a code of the offence classification (UNODC's ICCS, e.g. 0701 for fraud); "
            "nothing was started.",
            status=422,
            errors=errors,
        )


async def _check_categories(door: Door, request: NoticeRequest) -> None:
    """Each charge's category is a code of the ``offence_classification`` reference list. While none is
    loaded (the transition), a category is not checked: free text is accepted, and screening maps it."""
    classification = await ReferenceStore(door.db).offence_classification()
    if classification is None:
        logger.warning(
            "no offence classification is loaded (ndtf data load offence_classification FILE): %s/%s accepted "
            "with its charge categories unchecked", request.requesting_ncb, request.ncb_reference,
        )
        return
    charges = request.judicial.charges
    categories = [(f"judicial.charges.{i}.category", charge.category) for i, charge in enumerate(charges)]
    _refuse_categories(_category_errors(classification, categories))


async def _check_amended_categories(door: Door, amendments: dict[str, Any]) -> None:
    """The categories of the charges an amendment sets, held to the classification as a submission is."""
    judicial = amendments.get("judicial")
    charges = judicial.get("charges") if isinstance(judicial, dict) else None
    if not isinstance(charges, list):
        return
    classification = await ReferenceStore(door.db).offence_classification()
    if classification is None:
        return
    categories = [
        (f"amendments.judicial.charges.{i}.category", charge.get("category", "other"))
        for i, charge in enumerate(charges)
        if isinstance(charge, dict)
    ]
    _refuse_categories(_category_errors(classification, categories))


def _client(door: Door, caller: Principal) -> NcbClient:
    assert caller.ncb is not None
    return NcbClient(door.client, caller.ncb, door.task_queue)


def _owns(caller: Principal, request_id: str) -> bool:
    """Request ids carry the requesting NCB (``R-FR-…``): the workflow checks again."""
    return request_id.startswith(f"R-{caller.ncb}-")


def _hidden(request_id: str) -> ProblemError:
    """Another NCB's request, answered exactly as an unknown one, and audited as the refusal it is."""
    problem = not_found("request")
    problem.hidden_refusal = True
    problem.audit_subject = ("request", request_id)
    return problem


async def _on_request(door: Door, caller: Principal, request_id: str, call: Any) -> Any:
    try:
        return await door.temporal(call, "request")
    except ProblemError as problem:
        if problem.kind in HIDDEN_KINDS and not _owns(caller, request_id):
            raise _hidden(request_id) from None
        raise


@router.post(
    "/requests",
    status_code=status.HTTP_201_CREATED,
    response_model=Submission,
    responses={200: {"model": Submission, "description": "The request already existed: it is returned"},
               **problem_responses(422)},
    summary="Submit a request (201 when started, 200 when it already existed)",
)
async def submit(request: NoticeRequest, caller: Ncb, door: DoorDep, response: Response) -> Submission:
    if request.requesting_ncb != caller.ncb:
        raise ProblemError(
            "WrongPrincipal",
            f"requesting_ncb is {request.requesting_ncb}, but your credential is for NCB {caller.ncb}.",
            errors=[FieldError(field="requesting_ncb", message=f"must be your own NCB, {caller.ncb}")],
        )
    try:
        checked = parse_request(request.model_dump(mode="json"))
    except InvalidRequest as invalid:
        raise from_request_problems(invalid.problems) from None
    await _check_membership(door, checked)
    await _check_categories(door, checked)
    submission: Submission = await door.temporal(_client(door, caller).submit(checked), "request")
    if not submission.created:
        response.status_code = status.HTTP_200_OK
    return submission


@router.get(
    "/requests/{request_id}",
    response_model=NcbCaseView,
    responses=problem_responses(404),
    summary="Your request: stage, outcome, what is awaited from you and by when, reasons",
)
async def request_status(request_id: str, caller: Ncb, door: DoorDep) -> NcbCaseView:
    if not _owns(caller, request_id):
        raise _hidden(request_id)
    view: NcbCaseView = await _on_request(door, caller, request_id, _client(door, caller).status(request_id))
    return view


@router.post(
    "/requests/{request_id}/replies",
    response_model=ActionAccepted,
    responses=problem_responses(404, 409, 422),
    summary="Answer an open request for information (the requesting NCB, or an NCB consulted)",
)
async def reply(request_id: str, body: ReplyBody, caller: Ncb, door: DoorDep) -> ActionAccepted:
    same_identity(body.ncb, caller.ncb, "ncb")
    if body.amendments and not _owns(caller, request_id):
        raise ProblemError(
            "NotYourRequest",
            "Only the requesting NCB can amend a request; answer without amendments.",
            errors=[FieldError(field="amendments", message="only the requesting NCB can amend the request")],
        )
    if body.amendments:
        await _check_amended_categories(door, body.amendments)
    call = _client(door, caller).reply(request_id, body.answer, body.amendments, body.info_request_id)
    accepted: ActionAccepted = await _on_request(door, caller, request_id, call)
    return accepted


@router.post(
    "/requests/{request_id}/withdrawal",
    response_model=ActionAccepted,
    responses=problem_responses(404, 409, 422),
    summary="Withdraw your request before it is decided",
)
async def withdraw(request_id: str, body: WithdrawalBody, caller: Ncb, door: DoorDep) -> ActionAccepted:
    same_identity(body.ncb, caller.ncb, "ncb")
    if not _owns(caller, request_id):
        raise _hidden(request_id)
    accepted: ActionAccepted = await _on_request(
        door, caller, request_id, _client(door, caller).withdraw(request_id, body.reason)
    )
    return accepted


@router.get(
    "/notices",
    response_model=SearchResults,
    responses=problem_responses(422),
    summary="Published notices, plus your own pending requests",
)
async def search(
    caller: Ncb,
    door: DoorDep,
    name: Annotated[str | None, Query(max_length=200, description="Family name and/or forenames (fuzzy)")] = None,
    nationality: Annotated[CountryCode | None, Query(description="ISO 3166-1 alpha-2")] = None,
    kind: NoticeKind | None = None,
    requesting_ncb: Annotated[CountryCode | None, Query(description="ISO 3166-1 alpha-2")] = None,
) -> SearchResults:
    call = _client(door, caller).search(
        name=name.strip() if name and name.strip() else None,
        nationality=nationality,
        kind=kind,
        requesting_ncb=requesting_ncb,
    )
    results: SearchResults = await door.temporal(call, "notice")
    return results


@router.post(
    "/notices/{notice_id}/acknowledgements",
    response_model=NoticeActionAccepted,
    responses=problem_responses(404, 409, 422),
    summary="Confirm your national database was updated after a block or cancellation",
)
async def acknowledge(
    notice_id: str, body: AcknowledgementBody, caller: Ncb, door: DoorDep
) -> NoticeActionAccepted:
    same_identity(body.ncb, caller.ncb, "ncb")
    accepted: NoticeActionAccepted = await door.temporal(
        _client(door, caller).acknowledge(notice_id, body.instruction_key), "notice"
    )
    return accepted


@router.post(
    "/notices/{notice_id}/renewal",
    response_model=NoticeActionAccepted,
    responses=problem_responses(404, 409, 422),
    summary="Extend your Red Notice's validity, in its last 90 days",
)
async def renew(notice_id: str, body: RenewalBody, caller: Ncb, door: DoorDep) -> NoticeActionAccepted:
    same_identity(body.ncb, caller.ncb, "ncb")
    if not notice_id.startswith(f"N-{caller.ncb}-"):
        raise ProblemError("NotYourNotice", "Only the requesting NCB can ask for a notice's renewal.")
    accepted: NoticeActionAccepted = await door.temporal(_client(door, caller).renew(notice_id, body.reason), "notice")
    return accepted
