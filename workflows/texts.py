"""The texts of messages to NCBs. Pure functions, so wording is tested without a workflow."""

from __future__ import annotations

from datetime import datetime

import pycountry

from models.case import CaseState, InfoRequest
from models.request import NoticeKind, NoticeRequest

PENDING_REVIEW_WARNING = (
    "WARNING: LEGAL REVIEW ONGOING - AUTHORISATION PENDING. This diffusion has not yet been authorised by the "
    "INTERPOL General Secretariat. The Notices and Diffusions Task Force is reviewing its compliance with "
    "INTERPOL's Constitution and Rules on the Processing of Data. Do not take coercive measures on its sole "
    "basis until you are told that it has been authorised."
)


def member_ncbs() -> list[str]:
    """Every NCB that publication notifies: the ISO 3166-1 countries (the member list is reference data
    the organisation could supply instead)."""
    return sorted(c.alpha_2 for c in pycountry.countries)


def _label(request: NoticeRequest) -> str:
    kind = "Red Notice request" if request.kind is NoticeKind.RED_NOTICE else "Wanted Person Diffusion"
    return f"{kind} {request.ncb_reference} ({request.requesting_ncb})"


def _subject_block(request: NoticeRequest) -> str:
    s = request.subject
    lines = [
        f"Subject: {s.family_name}, {s.forenames or ''}".rstrip(", "),
        f"Date of birth: {s.date_of_birth or 'unknown'}",
        f"Nationalities: {', '.join(s.nationalities) or 'unknown'}",
        "Charges: " + "; ".join(c.offence for c in request.judicial.charges),
    ]
    return "\n".join(lines)


def clarification_request(state: CaseState, info: InfoRequest) -> tuple[str, str]:
    request = state.request
    subject = f"{_label(request)}: information requested by {info.due_at.date().isoformat()}"
    lines = [
        f"The NDTF asks for information on {_label(request)} (request {state.request_id}).",
        "",
        info.question,
    ]
    if info.missing_items:
        lines += ["", "Missing mandatory data:"] + [f"  - {item}" for item in info.missing_items]
    lines += [
        "",
        f"Reply with `ncb reply {state.request_id} FILE` by {info.due_at.isoformat()} "
        f"(reference {info.info_request_id}).",
    ]
    return subject, "\n".join(lines)


def consultation_request(state: CaseState, info: InfoRequest) -> tuple[str, str]:
    subject = f"Consultation from the NDTF, reply by {info.due_at.date().isoformat()}"
    body = (
        f"The NDTF consults your NCB on a case under review (reference {info.info_request_id}).\n\n"
        f"{info.question}\n\nReply by {info.due_at.isoformat()}."
    )
    return subject, body


def reminder(state: CaseState, info: InfoRequest) -> tuple[str, str]:
    subject = f"Reminder: information due by {info.due_at.date().isoformat()}"
    body = (
        f"The NDTF's request for information {info.info_request_id} on case {state.request_id} is still open "
        f"and is due on {info.due_at.isoformat()}.\n\n{info.question}"
    )
    return subject, body


def deadline_missed(state: CaseState, info: InfoRequest) -> tuple[str, str]:
    subject = f"Deadline passed: information request {info.info_request_id}"
    body = (
        f"No reply to the NDTF's request for information {info.info_request_id} on case {state.request_id} "
        f"was received by {info.due_at.isoformat()}. The case has returned to the reviewers, who will "
        "proceed on the information they have; this may lead to the request being denied."
    )
    return subject, body


def diffusion_transmission(state: CaseState) -> tuple[str, str]:
    request = state.request
    subject = f"[REVIEW PENDING] {_label(request)}"
    body = "\n".join(
        [
            PENDING_REVIEW_WARNING,
            "",
            f"{_label(request)} was sent to your NCB by NCB {request.requesting_ncb}.",
            _subject_block(request),
            "",
            f"Facts: {request.judicial.facts_summary}",
            "",
            PENDING_REVIEW_WARNING,
        ]
    )
    return subject, body


def diffusion_follow_up(state: CaseState, authorised: bool, reason: str) -> tuple[str, str]:
    request = state.request
    if authorised:
        return (
            f"[AUTHORISED] {_label(request)}",
            f"The diffusion {request.ncb_reference} from NCB {request.requesting_ncb} that you received on "
            "transmission has been authorised by the General Secretariat after legal review.",
        )
    return (
        f"[NOT AUTHORISED - UPDATE YOUR NATIONAL DATABASE] {_label(request)}",
        f"The diffusion {request.ncb_reference} from NCB {request.requesting_ncb} that you received on "
        "transmission was not authorised after legal review. Do not act on it and remove or update any record "
        f"of it in your national databases.\nReason: {reason}",
    )


def denial(state: CaseState, reason: str) -> tuple[str, str]:
    request = state.request
    return (
        f"{_label(request)}: denied",
        f"After review, the NDTF denied {_label(request)} (request {state.request_id}).\n\nReasons: {reason}",
    )


def publication(state: CaseState, notice_id: str, published_at: datetime) -> tuple[str, str]:
    request = state.request
    kind = "Red Notice" if request.kind is NoticeKind.RED_NOTICE else "Wanted Person Diffusion"
    return (
        f"New {kind} published: {notice_id}",
        "\n".join(
            [
                f"The General Secretariat published {kind} {notice_id} at the request of NCB "
                f"{request.requesting_ncb} on {published_at.date().isoformat()}.",
                _subject_block(request),
                "It is now visible and searchable in INTERPOL's information system.",
            ]
        ),
    )


def withdrawal(state: CaseState, reason: str) -> tuple[str, str]:
    request = state.request
    return (
        f"[WITHDRAWN - UPDATE YOUR NATIONAL DATABASE] {_label(request)}",
        f"NCB {request.requesting_ncb} withdrew {_label(request)}. Do not act on it.\nReason: {reason}",
    )
