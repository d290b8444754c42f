"""The client library an NCB integration calls: submit, follow, answer, search, acknowledge.

An NCB talks only to Temporal; the workflows decide what it may see and do.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from models import search_attributes as sa
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
from models.ids import notice_workflow_id, request_id_for, workflow_id_for
from models.notice import AcknowledgementSent, NoticeActionAccepted, RenewalRequested
from models.request import NoticeKind, NoticeRequest
from runtime.config import settings
from runtime.errors import ActionRefused, UnknownCase, refusal_from
from workflows.notice_request import NoticeRequestWorkflow
from workflows.notice_search import NoticeSearchWorkflow
from workflows.published_notice import PublishedNoticeWorkflow

T = TypeVar("T")


class Submission(BaseModel):
    request_id: str
    workflow_id: str
    stage: ReviewStage
    created: bool


async def call(action: Callable[[], Awaitable[T]], attempts: int = 3) -> T:
    """Make a Temporal call; refusals come back as ActionRefused / UnknownCase with a clear message.

    A NOT_FOUND is asked again twice, briefly: a server can answer it for a workflow whose task is
    being moved between hosts, and a person should not be told a live case does not exist.
    """
    for attempt in range(attempts):
        try:
            return await action()
        except Exception as error:
            translated = refusal_from(error)
            if translated is None:
                raise
            if isinstance(translated, UnknownCase) and attempt + 1 < attempts:
                await asyncio.sleep(0.3)
                continue
            raise translated from None
    raise AssertionError("unreachable")


async def call_open(action: Callable[[], Awaitable[T]], ended: Callable[[], Awaitable[ActionRefused]]) -> T:
    """An action on a case or notice; one whose workflow has closed is told apart from one that never
    existed: Temporal answers both with NOT_FOUND, but "no such notice" is wrong for an expired one."""
    try:
        return await call(action)
    except UnknownCase:
        refusal = await call(ended)
    raise refusal


async def notice_ended(handle: WorkflowHandle[PublishedNoticeWorkflow, Any]) -> ActionRefused:
    state = await handle.query(PublishedNoticeWorkflow.notice)
    return ActionRefused(
        "NoticeEnded", f"Notice {state.notice_id} is {state.status.value}; it takes no further action."
    )


async def case_closed(handle: WorkflowHandle[NoticeRequestWorkflow, Any], viewer: CaseViewer) -> ActionRefused:
    view = await handle.query(NoticeRequestWorkflow.case, viewer)
    stage = view.case.stage if view.case else view.ncb_view.stage if view.ncb_view else None
    where = f" at stage {stage.value}" if stage else ""
    return ActionRefused("CaseClosed", f"This case is closed{where}; it takes no further action.")


class NcbClient:
    def __init__(self, client: Client, ncb: str, task_queue: str | None = None) -> None:
        self.client = client
        self.ncb = ncb.upper()
        self.task_queue = task_queue or settings().task_queue

    def _request(self, request_id: str) -> WorkflowHandle[NoticeRequestWorkflow, Any]:
        return self.client.get_workflow_handle_for(NoticeRequestWorkflow.run, workflow_id_for(request_id))

    def _notice(self, notice_id: str) -> WorkflowHandle[PublishedNoticeWorkflow, Any]:
        return self.client.get_workflow_handle_for(PublishedNoticeWorkflow.run, notice_workflow_id(notice_id))

    async def submit(self, request: NoticeRequest) -> Submission:
        """Start the request's workflow, or find the one already started for (NCB, reference)."""
        if request.requesting_ncb != self.ncb:
            raise ActionRefused(
                "NotYourRequest", f"requesting_ncb is {request.requesting_ncb}, but this client acts for NCB {self.ncb}"
            )
        request_id = request_id_for(request.requesting_ncb, request.ncb_reference)
        workflow_id = workflow_id_for(request_id)
        created = True
        try:
            await self.client.start_workflow(
                NoticeRequestWorkflow.run,
                NoticeRequestInput(request_id=request_id, request=request, submitted_at=datetime.now().astimezone()),
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
                static_summary=f"{request.kind.value} from NCB {request.requesting_ncb}",
            )
        except WorkflowAlreadyStartedError:
            created = False
        stage = ReviewStage.REGISTERED
        try:
            view = await self._request(request_id).query(
                NoticeRequestWorkflow.case, CaseViewer(ncb=self.ncb), rpc_timeout=timedelta(seconds=10)
            )
            if view.ncb_view:
                stage = view.ncb_view.stage
        except Exception:  # noqa: BLE001 - no worker yet: the request is registered all the same
            pass
        return Submission(request_id=request_id, workflow_id=workflow_id, stage=stage, created=created)

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
        return await self.client.execute_workflow(
            NoticeSearchWorkflow.run,
            query,
            id=f"notice-search-{self.ncb}-{uuid.uuid4().hex[:12]}",
            task_queue=self.task_queue,
            static_summary=f"search by NCB {self.ncb}",
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
