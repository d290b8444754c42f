"""When a case or a notice next has something to do: pure functions of the state, so the timers a
workflow sets are tested and read in one place."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.case import REVIEWER_STAGES, CaseState, InfoRequest, InfoRequestKind
from models.notice import NoticeStatus, PublishedNoticeState
from workflows.policy import ACK_REMINDER_AFTER, REMINDER_BEFORE_DEADLINE, RENEWAL_REMINDER_BEFORE

LIVE = frozenset({NoticeStatus.PUBLISHED, NoticeStatus.BLOCKED})


def next_case_timer(state: CaseState) -> datetime | None:
    """The next reminder or deadline of an open request for information, or the review service level."""
    times: list[datetime] = []
    for info in state.open_info_requests():
        times.append(info.due_at)
        if not info.reminded:
            times.append(info.reminder_at)
    if state.review_due_at and not state.escalated and state.stage in REVIEWER_STAGES:
        times.append(state.review_due_at)
    return min(times) if times else None


def info_request(
    state: CaseState,
    now: datetime,
    *,
    asked_by: str,
    kind: InfoRequestKind,
    to_ncb: str,
    question: str,
    due: timedelta,
    missing_items: list[str] | None = None,
) -> InfoRequest:
    """A new request for information, numbered in the case, reminded a week before its deadline (or
    half-way, for a short one)."""
    return InfoRequest(
        info_request_id=f"IR-{len(state.info_requests) + 1}",
        kind=kind,
        to_ncb=to_ncb,
        question=question,
        asked_by=asked_by,
        asked_at=now,
        due_at=now + due,
        reminder_at=now + max(due - REMINDER_BEFORE_DEADLINE, due / 2),
        missing_items=missing_items or [],
    )


def next_notice_timer(notice: PublishedNoticeState) -> datetime | None:
    """Expiry and its renewal reminder, the end of a temporary block, and the acknowledgements chased."""
    times: list[datetime] = []
    if notice.status in LIVE and notice.expires_at:
        times.append(notice.expires_at)
        if not notice.renewal_reminded:
            times.append(notice.expires_at - RENEWAL_REMINDER_BEFORE)
    if notice.status is NoticeStatus.BLOCKED and notice.blocked_until:
        times.append(notice.blocked_until)
    for instruction in notice.instructions:
        if instruction.awaited:
            times.append(instruction.due_at)
            if not instruction.reminded:
                times.append(instruction.issued_at + ACK_REMINDER_AFTER)
    return min(times) if times else None


def _at(when: datetime) -> str:
    return when.isoformat(timespec="minutes")


def next_case_timer_summary(state: CaseState) -> str:
    """What the timer ``next_case_timer`` sets is for, as the Temporal UI shows it (ids and NCB codes only)."""
    found: list[tuple[datetime, str]] = []
    for info in state.open_info_requests():
        asked = f"{info.info_request_id} from {info.to_ncb}"
        found.append((info.due_at, f"{info.kind.value} {asked} due {_at(info.due_at)}"))
        if not info.reminded:
            found.append((info.reminder_at, f"reminder on {asked} at {_at(info.reminder_at)}"))
    if state.review_due_at and not state.escalated and state.stage in REVIEWER_STAGES:
        due = state.review_due_at
        found.append((due, f"review service level of {state.stage.value} at {_at(due)}"))
    return min(found)[1] if found else "no deadline"


def next_notice_timer_summary(notice: PublishedNoticeState) -> str:
    """What the timer ``next_notice_timer`` sets is for, as the Temporal UI shows it."""
    found: list[tuple[datetime, str]] = []
    if notice.status in LIVE and notice.expires_at:
        found.append((notice.expires_at, f"expiry at {_at(notice.expires_at)}"))
        if not notice.renewal_reminded:
            reminder = notice.expires_at - RENEWAL_REMINDER_BEFORE
            found.append((reminder, f"renewal reminder at {_at(reminder)}"))
    if notice.status is NoticeStatus.BLOCKED and notice.blocked_until:
        found.append((notice.blocked_until, f"end of the block at {_at(notice.blocked_until)}"))
    for instruction in notice.instructions:
        if instruction.awaited:
            due = instruction.due_at
            found.append((due, f"{instruction.kind.value} acknowledgements due {_at(due)}"))
            if not instruction.reminded:
                reminder = instruction.issued_at + ACK_REMINDER_AFTER
                found.append((reminder, f"{instruction.kind.value} acknowledgement reminder at {_at(reminder)}"))
    return min(found)[1] if found else "no deadline"
