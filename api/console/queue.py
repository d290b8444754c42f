"""The queue as the console reads it: one function, ``load_queue``, between the pages and the source.

The source is the registry's read model (``registry.queue.query_queue``, what GET /v1/cases answers): one
indexed query per page, oldest deadline first, with the counts per stage, however many cases are open.
Its cursors go forward only; the console carries the position (``at``) to show "51–100" and offers the
first page to go back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from api.routes.access import Door
from models.case import ReviewStage
from models.findings import RiskLevel
from models.queue import QueueEntry, QueueFilter
from models.request import NoticeKind
from registry.queue import InvalidCursor, query_queue

QUEUE_STAGES = (
    ReviewStage.DETAILED_REVIEW,
    ReviewStage.AWAITING_CLARIFICATION,
    ReviewStage.LEGAL_ASSESSMENT,
    ReviewStage.AWAITING_DECISION,
)
"""The stages the console's queue lists, in the order of the process."""
QUEUE_STAGE_VALUES = tuple(stage.value for stage in QUEUE_STAGES)
PAGE_SIZE = 25


@dataclass(frozen=True)
class QueueFilters:
    stage: ReviewStage | None = None
    kind: NoticeKind | None = None
    requesting_ncb: str | None = None
    risk: RiskLevel | None = None
    overdue: bool | None = None
    assignee: str | None = None
    """Only cases this reviewer holds ("assigned to me")."""
    unassigned: bool = False
    cursor: str | None = None
    at: int = 0
    """Where the cursor's page starts, for the "51–100 shown" line (the console's own count)."""
    limit: int = PAGE_SIZE


@dataclass
class QueuePage:
    rows: list[QueueEntry]
    total: int
    """Cases matching the filters, on every page."""
    counts: dict[str, int] = field(default_factory=dict)
    """Open cases per stage, whatever the filters (the tabs)."""
    next_cursor: str | None = None
    previous_cursor: str | None = None
    offset: int = 0


async def load_queue(door: Door, filters: QueueFilters) -> QueuePage:
    """The page of the queue the filters select, the nearest deadline first. A stale or mangled cursor
    (a bookmarked page after the cases moved on) starts again from the first page."""
    wanted = QueueFilter(
        stages=[filters.stage.value] if filters.stage else list(QUEUE_STAGE_VALUES),  # type: ignore[arg-type]
        kind=filters.kind.value if filters.kind else None,  # type: ignore[arg-type]
        requesting_ncb=filters.requesting_ncb,
        risk=filters.risk.value if filters.risk else None,  # type: ignore[arg-type]
        overdue=filters.overdue,
        assignee=filters.assignee,
        unassigned=True if filters.unassigned else None,
        cursor=filters.cursor,
        limit=filters.limit,
    )
    at = filters.at if filters.cursor else 0
    try:
        found = await query_queue(door.db, wanted)
    except InvalidCursor:
        found = await query_queue(door.db, wanted.model_copy(update={"cursor": None}))
        at = 0
    return QueuePage(
        rows=found.entries,
        total=found.total,
        counts={stage.value: found.counts.get(stage.value, 0) for stage in QUEUE_STAGES},
        next_cursor=found.next_cursor,
        previous_cursor="" if filters.cursor else None,
        offset=at,
    )
