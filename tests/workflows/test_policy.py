"""The service levels and role rules, as data."""

from __future__ import annotations

from datetime import UTC, datetime

from models.reference import ReviewerRole
from workflows.policy import ReviewerAction, may, validity_end


def test_a_red_notice_runs_five_calendar_years_to_the_day() -> None:
    published = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
    assert validity_end(published) == datetime(2031, 11, 29, 9, 30, tzinfo=UTC)


def test_a_notice_published_on_29_february_runs_to_28_february() -> None:
    assert validity_end(datetime(2028, 2, 29, tzinfo=UTC)) == datetime(2033, 2, 28, tzinfo=UTC)


def test_only_a_supervisor_lifts_a_block_or_cancels() -> None:
    for action in (ReviewerAction.UNBLOCK, ReviewerAction.CANCEL, ReviewerAction.OVERRIDE_BLOCKING):
        assert may([ReviewerRole.SUPERVISOR], action)
        assert not may([ReviewerRole.LEGAL, ReviewerRole.POLICE, ReviewerRole.OPERATIONS], action)
    assert may([ReviewerRole.LEGAL], ReviewerAction.ASSESS) and not may([ReviewerRole.POLICE], ReviewerAction.ASSESS)
