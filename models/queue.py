"""The reviewers' queue: what the registry's read model holds of each open case, how it is asked, and
what it answers.

The workflow sends a ``QueueSnapshot`` with every event it records (``CaseEvent.queue``); the registry
keeps one row per open case from it (``registry.queue``), and the API answers ``GET /v1/cases`` from
those rows with a ``QueuePage``: one indexed query, however many cases are open. No personal data here.

Stages, kinds and risks are their string values, as in the search attributes: this module imports none
of the case's models, so `ndtf queue` starts without building them (tests/models/test_queue_models.py
holds the values to ``ReviewStage``, ``REVIEWER_STAGES``, ``NoticeKind`` and ``RiskLevel``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field

DEFAULT_PAGE = 50
MAX_PAGE = 500

OpenStage = Literal[
    "registered",
    "initial_screening",
    "detailed_review",
    "awaiting_clarification",
    "legal_assessment",
    "awaiting_decision",
]
"""The ``ReviewStage`` values of an open case: the read model holds a row in each, counted per stage."""
QUEUE_STAGES: tuple[str, ...] = get_args(OpenStage)
REVIEWER_QUEUE: tuple[str, ...] = ("detailed_review", "legal_assessment", "awaiting_decision")
"""What the queue lists when no stage is asked for: the cases waiting for reviewers (``REVIEWER_STAGES``)."""
AWAITING_NCB = "awaiting_clarification"
Kind = Literal["red_notice", "wanted_person_diffusion"]
Risk = Literal["low", "medium", "high"]


class QueueSnapshot(BaseModel):
    """What the queue shows of a case, as the case is after the event that carries it.

    ``version`` is the case's counter when it was taken (``CaseState.seq``, the number in the event
    key): it only grows, so a write carrying a lower one than the row holds is stale and changes
    nothing. The stage, the last action and when it happened are the event's own fields."""

    version: int
    kind: str
    requesting_ncb: str
    risk: str
    next_deadline: datetime | None = None
    overdue: bool = False
    escalated: bool = False
    blocking: int = 0
    doubts: int = 0
    assignee: str | None = None
    claimed_until: datetime | None = None


class QueueEntry(BaseModel):
    """One open case in the queue."""

    request_id: str
    kind: str
    requesting_ncb: str
    stage: str
    risk: str
    next_deadline: datetime | None = None
    overdue: bool = False
    escalated: bool = False
    blocking: int = 0
    doubts: int = 0
    assignee: str | None = None
    claimed_until: datetime | None = None
    last_action: str = ""
    updated_at: datetime | None = None


class QueueFilter(BaseModel):
    """Which open cases to list. Every filter given must hold; ``stages`` empty means the reviewers'
    stages (``REVIEWER_QUEUE``). ``assignee`` is a reviewer id (the API resolves ``me``); a claim whose
    ``claimed_until`` has passed counts as no claim, for ``assignee`` and ``unassigned`` alike."""

    stages: list[OpenStage] = Field(default_factory=list)
    kind: Kind | None = None
    requesting_ncb: str | None = None
    risk: Risk | None = None
    overdue: bool | None = None
    escalated: bool | None = None
    assignee: str | None = None
    unassigned: bool | None = None
    cursor: str | None = None
    """Where the previous page ended (its ``next_cursor``); the first page when empty."""
    limit: int = Field(default=DEFAULT_PAGE, ge=1, le=MAX_PAGE)

    def listed_stages(self) -> list[str]:
        return list(self.stages) if self.stages else list(REVIEWER_QUEUE)


class QueuePage(BaseModel):
    """A page of the queue, oldest deadline first (cases without a deadline last, then by request id).

    ``total`` is how many cases the filter selects across every page; ``counts`` how many open cases
    each stage holds under the same filters but the stage (every open stage, zeros included), so a
    console can show its tabs from the same answer. ``next_cursor`` is null on the last page."""

    entries: list[QueueEntry]
    next_cursor: str | None = None
    total: int
    counts: dict[str, int]
    limit: int


class QueueBackfilled(BaseModel):
    """What a backfill of the read model did: rows written for open cases that had none, and the
    cases it found that had one already (or closed meanwhile)."""

    open_cases: int
    written: int
    kept: int
