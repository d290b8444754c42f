"""What the API does for an NCB against Temporal: submit, follow, answer, search, acknowledge.

The Temporal side of the NCB path: the API calls it for the caller its credential proves (NCB
integrations themselves use `starter/api_client.py`); the workflows decide what it may see and do.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from clients.calls import call, call_open, case_closed, notice_ended, notice_handle, request_handle
from models.activities import SearchNoticesInput, SearchResults
from models.case import (
    ActionAccepted,
    CaseViewer,
    ClarificationReply,
    NcbCaseView,
    NoticeRequestInput,
    ReviewStage,
    WithdrawalRequested,
)
from models.ids import request_id_for, workflow_id_for
from models.notice import AcknowledgementSent, NoticeActionAccepted, RenewalRequested
from models.request import NoticeKind, NoticeRequest
from runtime import operator_view
from runtime import search_attributes as sa
from runtime.config import settings
from runtime.errors import ActionRefused
from workflows.notice_request import NoticeRequestWorkflow
from workflows.notice_search import NoticeSearchWorkflow
from workflows.published_notice import PublishedNoticeWorkflow


class Submission(BaseModel):
    request_id: str
    workflow_id: str
    stage: ReviewStage
    created: bool


class NcbClient:
    def __init__(self, client: Client, ncb: str, task_queue: str | None = None) -> None:
        self.client = client
        self.ncb = ncb.upper()
        self.task_queue = task_queue or settings().task_queue

    def _request(self, request_id: str) -> WorkflowHandle[NoticeRequestWorkflow, Any]:
        return request_handle(self.client, request_id)

    def _notice(self, notice_id: str) -> WorkflowHandle[PublishedNoticeWorkflow, Any]:
        return notice_handle(self.client, notice_id)

    async def submit(self, request: NoticeRequest) -> Submission:
        """Start the request's workflow, or find the one already started for (NCB, reference). A new
        request is answered as soon as its workflow is started (stage ``registered``): nothing waits for
        the worker to pick it up."""
        if request.requesting_ncb != self.ncb:
            raise ActionRefused(
                "NotYourRequest", f"requesting_ncb is {request.requesting_ncb}, but this client acts for NCB {self.ncb}"
            )
        request_id = request_id_for(request.requesting_ncb, request.ncb_reference)
        workflow_id = workflow_id_for(request_id)
        created = True
        submitted_at = datetime.now().astimezone()
        shown = operator_view.request_started(request_id, request.kind, request.requesting_ncb, submitted_at)
        try:
            await self.client.start_workflow(
                NoticeRequestWorkflow.run,
                NoticeRequestInput(request_id=request_id, request=request, submitted_at=submitted_at),
                id=workflow_id,
                task_queue=self.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(sa.NOTICE_KIND, request.kind.value),
                        SearchAttributePair(sa.REQUESTING_NCB, request.requesting_ncb),
                        SearchAttributePair(sa.REVIEW_STAGE, ReviewStage.REGISTERED.value),
                    ]
                ),
                static_summary=shown.summary,
                static_details=shown.details,
            )
        except WorkflowAlreadyStartedError:
            created = False
        stage = ReviewStage.REGISTERED
        if not created:
            stage = await self._stage_of(request_id)
        return Submission(request_id=request_id, workflow_id=workflow_id, stage=stage, created=created)

    async def _stage_of(self, request_id: str) -> ReviewStage:
        """The stage of a request submitted before, from its search attribute: one describe call, which
        the server answers without a worker (a query would wait for one, and cost a workflow task)."""
        try:
            described = await self._request(request_id).describe(rpc_timeout=timedelta(seconds=10))
            value = described.typed_search_attributes.get(sa.REVIEW_STAGE)
            return ReviewStage(value) if value else ReviewStage.REGISTERED
        except (RPCError, ValueError):
            return ReviewStage.REGISTERED

    async def status(self, request_id: str) -> NcbCaseView:
        view = await call(lambda: self._request(request_id).query(NoticeRequestWorkflow.case, CaseViewer(ncb=self.ncb)))
        assert view.ncb_view is not None
        return view.ncb_view

    async def reply(
        self,
        request_id: str,
        answer: str,
        amendments: dict[str, Any] | None = None,
        info_request_id: str | None = None,
    ) -> ActionAccepted:
        message = ClarificationReply(
            ncb=self.ncb, answer=answer, amendments=amendments or {}, info_request_id=info_request_id
        )
        handle = self._request(request_id)
        return await call_open(
            lambda: handle.execute_update(NoticeRequestWorkflow.reply, message),
            lambda: case_closed(handle, CaseViewer(ncb=self.ncb)),
        )

    async def withdraw(self, request_id: str, reason: str) -> ActionAccepted:
        message = WithdrawalRequested(ncb=self.ncb, reason=reason)
        handle = self._request(request_id)
        return await call_open(
            lambda: handle.execute_update(NoticeRequestWorkflow.withdraw, message),
            lambda: case_closed(handle, CaseViewer(ncb=self.ncb)),
        )

    async def search(
        self,
        name: str | None = None,
        nationality: str | None = None,
        kind: NoticeKind | None = None,
        requesting_ncb: str | None = None,
    ) -> SearchResults:
        query = SearchNoticesInput(
            viewer_ncb=self.ncb, name=name, nationality=nationality, kind=kind, requesting_ncb=requesting_ncb
        )
        given = {"name": name, "nationality": nationality, "kind": kind, "requesting_ncb": requesting_ncb}
        shown = operator_view.search_started(self.ncb, [key for key, value in given.items() if value])
        return await self.client.execute_workflow(
            NoticeSearchWorkflow.run,
            query,
            id=f"notice-search-{self.ncb}-{uuid.uuid4().hex[:12]}",
            task_queue=self.task_queue,
            static_summary=shown.summary,
            static_details=shown.details,
        )

    async def acknowledge(self, notice_id: str, instruction_key: str | None = None) -> NoticeActionAccepted:
        message = AcknowledgementSent(ncb=self.ncb, instruction_key=instruction_key)
        handle = self._notice(notice_id)
        return await call_open(
            lambda: handle.execute_update(PublishedNoticeWorkflow.acknowledge, message), lambda: notice_ended(handle)
        )

    async def renew(self, notice_id: str, reason: str) -> NoticeActionAccepted:
        message = RenewalRequested(ncb=self.ncb, reason=reason)
        handle = self._notice(notice_id)
        return await call_open(
            lambda: handle.execute_update(PublishedNoticeWorkflow.renew, message), lambda: notice_ended(handle)
        )
