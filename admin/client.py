"""The reviewers' Temporal-side client behind the API: the case, each reviewer action, and the open cases
as visibility lists them (the queue's backfill; the queue itself is read from the registry).

Actions go through updates, so a refused one is answered at once; roles are checked by the workflow
against the roster, never taken from here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio.client import Client, WorkflowHandle

from clients.calls import call, call_open, case_closed, notice_ended, notice_handle, request_handle
from models.case import (
    CLAIM_HOURS_MAX,
    ActionAccepted,
    AssessmentSubmitted,
    CaseState,
    CaseViewer,
    ClaimRequested,
    DecisionOutcome,
    DecisionSubmitted,
    InfoRequested,
    ReleaseRequested,
    ReviewConcluded,
    SourceConsulted,
    Verdict,
)
from models.notice import AckReport, NoticeAction, NoticeActionAccepted, PublishedNoticeState
from models.queue import QUEUE_STAGES, QueueEntry
from runtime import search_attributes as sa
from runtime.config import settings
from workflows.notice_request import NoticeRequestWorkflow
from workflows.published_notice import PublishedNoticeWorkflow


class ReviewerClient:
    def __init__(self, client: Client, reviewer_id: str, task_queue: str | None = None) -> None:
        self.client = client
        self.reviewer_id = reviewer_id
        self.task_queue = task_queue or settings().task_queue

    def _case(self, request_id: str) -> WorkflowHandle[NoticeRequestWorkflow, Any]:
        return request_handle(self.client, request_id)

    def _notice(self, notice_id: str) -> WorkflowHandle[PublishedNoticeWorkflow, Any]:
        return notice_handle(self.client, notice_id)

    async def open_cases(self, page_size: int = 1000) -> list[QueueEntry]:
        """Every open case as Temporal's visibility holds it (its search attributes), for the queue's
        backfill (``registry.queue.backfill``): one paged list call, no case queried. The queue itself is
        read from the registry (``registry.queue.query_queue``), which sorts and pages in the database."""
        open_stages = ", ".join(f"'{stage}'" for stage in QUEUE_STAGES)
        query = (
            "WorkflowType = 'NoticeRequestWorkflow' AND ExecutionStatus = 'Running' "
            f"AND TaskQueue = '{self.task_queue}' AND ReviewStage IN ({open_stages})"
        )
        entries: list[QueueEntry] = []
        async for execution in self.client.list_workflows(query, page_size=page_size):
            attrs = execution.typed_search_attributes
            entries.append(
                QueueEntry(
                    request_id=execution.id.removeprefix("notice-request-"),
                    kind=attrs.get(sa.NOTICE_KIND) or "",
                    requesting_ncb=attrs.get(sa.REQUESTING_NCB) or "",
                    stage=attrs.get(sa.REVIEW_STAGE) or "",
                    risk=attrs.get(sa.RISK_LEVEL) or "",
                    next_deadline=attrs.get(sa.NEXT_DEADLINE),
                    overdue=bool(attrs.get(sa.OVERDUE)),
                    escalated=bool(attrs.get(sa.ESCALATED)),
                    blocking=attrs.get(sa.BLOCKING_FINDINGS) or 0,
                    doubts=attrs.get(sa.DOUBTS) or 0,
                )
            )
        return entries

    async def show(self, request_id: str) -> CaseState:
        view = await call(lambda: self._case(request_id).query(NoticeRequestWorkflow.case, CaseViewer()))
        assert view.case is not None
        return view.case

    async def request_info(
        self, request_id: str, question: str, to_ncb: str | None = None, due_days: int = 30
    ) -> ActionAccepted:
        message = InfoRequested(reviewer_id=self.reviewer_id, question=question, to_ncb=to_ncb, due_days=due_days)
        handle = self._case(request_id)
        return await call_open(
            lambda: handle.execute_update(NoticeRequestWorkflow.request_info, message),
            lambda: case_closed(handle, CaseViewer()),
        )

    async def note_source(self, request_id: str, source: str, summary: str) -> ActionAccepted:
        message = SourceConsulted(reviewer_id=self.reviewer_id, source=source, summary=summary)
        handle = self._case(request_id)
        return await call_open(
            lambda: handle.execute_update(NoticeRequestWorkflow.note_source, message),
            lambda: case_closed(handle, CaseViewer()),
        )

    async def conclude_review(self, request_id: str, summary: str) -> ActionAccepted:
        message = ReviewConcluded(reviewer_id=self.reviewer_id, summary=summary)
        handle = self._case(request_id)
        return await call_open(
            lambda: handle.execute_update(NoticeRequestWorkflow.conclude_review, message),
            lambda: case_closed(handle, CaseViewer()),
        )

    async def assess(
        self, request_id: str, verdict: Verdict, basis: str, articles: list[str] | None = None
    ) -> ActionAccepted:
        message = AssessmentSubmitted(
            reviewer_id=self.reviewer_id, verdict=verdict, basis=basis, articles=articles or []
        )
        handle = self._case(request_id)
        return await call_open(
            lambda: handle.execute_update(NoticeRequestWorkflow.assess_case, message),
            lambda: case_closed(handle, CaseViewer()),
        )

    async def decide(
        self, request_id: str, outcome: DecisionOutcome, reason: str, override_justification: str | None = None
    ) -> ActionAccepted:
        message = DecisionSubmitted(
            reviewer_id=self.reviewer_id,
            outcome=outcome,
            reason=reason,
            override_justification=override_justification,
        )
        handle = self._case(request_id)
        return await call_open(
            lambda: handle.execute_update(NoticeRequestWorkflow.decide_case, message),
            lambda: case_closed(handle, CaseViewer()),
        )

    async def claim(self, request_id: str, hours: float) -> ActionAccepted:
        """Hold the case for ``hours`` (claim again to keep it); refused while another reviewer holds it."""
        message = ClaimRequested(reviewer_id=self.reviewer_id, hours=min(hours, CLAIM_HOURS_MAX))
        handle = self._case(request_id)
        return await call_open(
            lambda: handle.execute_update(NoticeRequestWorkflow.claim, message),
            lambda: case_closed(handle, CaseViewer()),
        )

    async def release(self, request_id: str) -> ActionAccepted:
        message = ReleaseRequested(reviewer_id=self.reviewer_id)
        handle = self._case(request_id)
        return await call_open(
            lambda: handle.execute_update(NoticeRequestWorkflow.release, message),
            lambda: case_closed(handle, CaseViewer()),
        )

    async def block(self, notice_id: str, reason: str, until: datetime | None = None) -> NoticeActionAccepted:
        message = NoticeAction(reviewer_id=self.reviewer_id, reason=reason, until=until)
        handle = self._notice(notice_id)
        return await call_open(
            lambda: handle.execute_update(PublishedNoticeWorkflow.block, message), lambda: notice_ended(handle)
        )

    async def unblock(self, notice_id: str, reason: str) -> NoticeActionAccepted:
        message = NoticeAction(reviewer_id=self.reviewer_id, reason=reason)
        handle = self._notice(notice_id)
        return await call_open(
            lambda: handle.execute_update(PublishedNoticeWorkflow.unblock, message), lambda: notice_ended(handle)
        )

    async def cancel(self, notice_id: str, reason: str) -> NoticeActionAccepted:
        message = NoticeAction(reviewer_id=self.reviewer_id, reason=reason)
        handle = self._notice(notice_id)
        return await call_open(
            lambda: handle.execute_update(PublishedNoticeWorkflow.cancel, message), lambda: notice_ended(handle)
        )

    async def notice(self, notice_id: str) -> PublishedNoticeState:
        return await call(lambda: self._notice(notice_id).query(PublishedNoticeWorkflow.notice))

    async def acks(self, notice_id: str) -> AckReport:
        return await call(lambda: self._notice(notice_id).query(PublishedNoticeWorkflow.acks))
