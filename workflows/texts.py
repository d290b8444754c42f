"""The texts of messages to NCBs (and the NDTF), for requests and published notices alike. Pure
functions, so wording is tested without a workflow."""

from __future__ import annotations

from datetime import datetime

from models.case import CaseState, InfoRequest
from models.findings import Severity
from models.notice import Instruction, InstructionKind, PublishedNoticeState
from models.request import NoticeKind, NoticeRequest

PENDING_REVIEW_WARNING = (
    "WARNING: LEGAL REVIEW ONGOING - AUTHORISATION PENDING. This diffusion has not yet been authorised by the "
    "INTERPOL General Secretariat. The Notices and Diffusions Task Force is reviewing its compliance with "
    "INTERPOL's Constitution and Rules on the Processing of Data. Do not take coercive measures on its sole "
    "basis until you are told that it has been authorised."
)


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


# --- a published notice's lifetime ------------------------------------------------------------


def expiry(notice: PublishedNoticeState) -> tuple[str, str]:
    return (
        f"Notice {notice.notice_id} expired",
        f"Notice {notice.notice_id} reached the end of its validity and is no longer in force. "
        "Update your national databases accordingly.",
    )


def renewal_reminder(notice: PublishedNoticeState) -> tuple[str, str]:
    expires = notice.expires_at.date().isoformat() if notice.expires_at else "(no fixed term)"
    return (
        f"Notice {notice.notice_id} expires soon",
        f"Notice {notice.notice_id} expires on {expires}. Ask for its renewal "
        "with `ncb renew` before then if the person is still sought.",
    )


def block_lifted(notice: PublishedNoticeState, reason: str) -> tuple[str, str]:
    return (
        f"Notice {notice.notice_id} is visible again",
        f"The block on notice {notice.notice_id} was lifted: {reason}",
    )


def instruction(notice: PublishedNoticeState, issued: Instruction, reason: str) -> tuple[str, str]:
    verb = "blocked" if issued.kind is InstructionKind.BLOCK else "cancelled"
    return (
        f"[ACTION REQUIRED] Notice {notice.notice_id} {verb}: update your national database",
        f"The NDTF {verb} notice {notice.notice_id}. Reason: {reason}\nUpdate your national databases "
        f"accordingly and confirm with `ncb ack {notice.notice_id}` by {issued.due_at.date()}.",
    )


def ack_reminder(notice: PublishedNoticeState, issued: Instruction) -> tuple[str, str]:
    return (
        f"Reminder: confirm the update of your national database for notice {notice.notice_id}",
        f"Confirm with `ncb ack {notice.notice_id}` that your national databases reflect the "
        f"{issued.kind.value} of notice {notice.notice_id}.",
    )


def ack_escalation(notice: PublishedNoticeState, issued: Instruction, silent: list[str]) -> tuple[str, str]:
    return (
        f"[ESCALATION] {len(silent)} NCBs have not confirmed the {issued.kind.value} of notice {notice.notice_id}",
        f"The {issued.kind.value} instruction {issued.instruction_key} on notice "
        f"{notice.notice_id} was due on {issued.due_at.date().isoformat()}. These NCBs have not "
        f"confirmed that their national databases reflect it: {', '.join(silent)}.\n"
        f"Follow up with them; `ndtf acks {notice.notice_id}` shows the current list.",
    )


# --- what operators read in the Temporal UI (no personal data) ---------------------------------


def case_details(state: CaseState) -> str:
    lines = [
        f"**Stage:** {state.stage.value}",
        f"**Risk:** {state.risk.value} ({state.count(Severity.BLOCKING)} blocking, "
        f"{state.count(Severity.DOUBT)} doubts)",
    ]
    for info in state.open_info_requests():
        lines.append(
            f"**Awaiting** {info.kind.value} {info.info_request_id} from {info.to_ncb}, due {info.due_at.isoformat()}"
        )
    if state.overdue:
        lines.append("**Overdue:** an NCB missed a deadline")
    if state.escalated:
        lines.append("**Escalated:** past the review service level")
    if state.decision:
        lines.append(f"**Decision:** {state.decision.outcome.value} by {state.decision.decided_by}")
    return "\n\n".join(lines)


def notice_details(notice: PublishedNoticeState) -> str:
    pending = sum(len(i.pending) for i in notice.instructions if i.awaited)
    expires = notice.expires_at.date().isoformat() if notice.expires_at else "no fixed term"
    return (
        f"**Notice status:** {notice.status.value}\n\n**Expires:** {expires}\n\n**Acknowledgements awaited:** {pending}"
    )
