"""Who may do what, and the service levels the NDTF works to. Data, so the rules read in one place."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from models.reference import ReviewerRole


class ReviewerAction(StrEnum):
    REQUEST_INFO = "request_info"
    CONCLUDE_REVIEW = "conclude_review"
    NOTE_SOURCE = "note_source"
    ASSESS = "assess"
    DECIDE = "decide"
    OVERRIDE_BLOCKING = "override_blocking"
    BLOCK = "block"
    UNBLOCK = "unblock"
    CANCEL = "cancel"


ALLOWED_ROLES: dict[ReviewerAction, frozenset[ReviewerRole]] = {
    # Lawyers, police officers and operational experts all review and ask NCBs for more.
    ReviewerAction.REQUEST_INFO: frozenset(ReviewerRole),
    ReviewerAction.CONCLUDE_REVIEW: frozenset(ReviewerRole),
    ReviewerAction.NOTE_SOURCE: frozenset(ReviewerRole),
    # The legal and human-rights assessment is a lawyer's.
    ReviewerAction.ASSESS: frozenset({ReviewerRole.LEGAL}),
    # The decision is a lawyer's or a supervisor's, never the assessor's own (four eyes).
    ReviewerAction.DECIDE: frozenset({ReviewerRole.LEGAL, ReviewerRole.SUPERVISOR}),
    ReviewerAction.OVERRIDE_BLOCKING: frozenset({ReviewerRole.SUPERVISOR}),
    ReviewerAction.BLOCK: frozenset({ReviewerRole.LEGAL, ReviewerRole.SUPERVISOR}),
    ReviewerAction.UNBLOCK: frozenset({ReviewerRole.SUPERVISOR}),
    ReviewerAction.CANCEL: frozenset({ReviewerRole.SUPERVISOR}),
}


def may(roles: list[ReviewerRole], action: ReviewerAction) -> bool:
    return bool(set(roles) & ALLOWED_ROLES[action])


CLARIFICATION_DEADLINE = timedelta(days=30)
REMINDER_BEFORE_DEADLINE = timedelta(days=7)
REVIEW_SERVICE_LEVEL = timedelta(days=14)
"""How long a case may wait for reviewers in one stage before it is escalated to supervisors."""
RED_NOTICE_VALIDITY_YEARS = 5


def validity_end(start: datetime) -> datetime:
    """Five calendar years on, to the day (a notice published on 29 February runs to 28 February):
    a fixed number of days would drift from the date the NCB is told by the leap days in between."""
    year = start.year + RED_NOTICE_VALIDITY_YEARS
    try:
        return start.replace(year=year)
    except ValueError:
        return start.replace(year=year, day=28)


RENEWAL_REMINDER_BEFORE = timedelta(days=90)
ACK_DEADLINE = timedelta(days=14)
ACK_REMINDER_AFTER = timedelta(days=7)
NOTICE_EVENTS_BEFORE_CONTINUE_AS_NEW = 2000
"""A notice lives for years; past this many handled events it continues as new, carrying its state."""
