"""The queue as the console reads it: one function, ``load_queue``, between the pages and the source.

Today the source is the Temporal list call ``ReviewerClient.queue`` answers (search attributes, no case
queried), plus one list call for who holds what (``Assignee``), filtered and paged here. When the queue
becomes the database read model (GET /v1/cases with ``cursor``, ``limit``, ``assignee``,
``unassigned`` and counts per stage in its page), only ``load_queue`` changes: the pages take a
``QueuePage``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from admin.client import QueueEntry, ReviewerClient
from api.routes.access import Door
from models.case import ReviewStage
from models.findings import RiskLevel
from models.request import NoticeKind
from runtime import search_attributes as sa

QUEUE_STAGES = (
    ReviewStage.DETAILED_REVIEW,
    ReviewStage.AWAITING_CLARIFICATION,
    ReviewStage.LEGAL_ASSESSMENT,
    ReviewStage.AWAITING_DECISION,
)
"""The stages the console's queue lists, in the order of the process."""
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
    limit: int = PAGE_SIZE


class QueueRow(QueueEntry):
    assignee: str | None = None


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    """Cases matching the filters, on every page."""
    counts: dict[str, int] = field(default_factory=dict)
    """Open cases per stage, whatever the filters (the tabs)."""
    next_cursor: str | None = None
    previous_cursor: str | None = None
    offset: int = 0


async def holders(door: Door) -> dict[str, str]:
    """Who holds which case: one list call over the cases with an ``Assignee``."""
    query = (
        "WorkflowType = 'NoticeRequestWorkflow' AND ExecutionStatus = 'Running' "
        f"AND TaskQueue = '{door.task_queue}' AND Assignee IS NOT NULL"
    )
    found: dict[str, str] = {}
    async for execution in door.client.list_workflows(query, page_size=1000):
        holder = execution.typed_search_attributes.get(sa.ASSIGNEE)
        if holder:
            found[execution.id.removeprefix("notice-request-")] = holder
    return found


def _offset(cursor: str | None) -> int:
    try:
        return max(0, int(cursor or 0))
    except ValueError:
        return 0


async def load_queue(door: Door, filters: QueueFilters) -> QueuePage:
    """The page of the queue the filters select, sorted by deadline (the oldest first)."""
    entries = await door.temporal(ReviewerClient(door.client, "", door.task_queue).queue(include_awaiting_ncb=True),
                                  "case")
    held = await door.temporal(holders(door), "case")
    rows = [QueueRow(**entry.model_dump(), assignee=held.get(entry.request_id)) for entry in entries]
    counts = {stage.value: sum(1 for row in rows if row.stage == stage.value) for stage in QUEUE_STAGES}
    chosen = [
        row for row in rows
        if (filters.stage is None or row.stage == filters.stage.value)
        and (filters.kind is None or row.kind == filters.kind.value)
        and (filters.requesting_ncb is None or row.requesting_ncb == filters.requesting_ncb)
        and (filters.risk is None or row.risk == filters.risk.value)
        and (filters.overdue is None or row.overdue == filters.overdue)
        and (filters.assignee is None or row.assignee == filters.assignee)
        and (not filters.unassigned or row.assignee is None)
    ]
    far = datetime.max
    chosen.sort(key=lambda r: (r.next_deadline.replace(tzinfo=None) if r.next_deadline else far, r.request_id))
    start = _offset(filters.cursor)
    end = start + filters.limit
    return QueuePage(
        rows=chosen[start:end],
        total=len(chosen),
        counts=counts,
        next_cursor=str(end) if end < len(chosen) else None,
        previous_cursor=str(max(0, start - filters.limit)) if start > 0 else None,
        offset=start,
    )
