"""How both clients (the NCBs' and the reviewers') call a workflow: typed handles, and Temporal's
errors turned into refusals a person can act on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from temporalio.client import Client, WorkflowHandle

from models.case import CaseViewer
from models.ids import notice_workflow_id, workflow_id_for
from runtime.errors import ActionRefused, UnknownCase, refusal_from
from workflows.notice_request import NoticeRequestWorkflow
from workflows.published_notice import PublishedNoticeWorkflow

T = TypeVar("T")


def request_handle(client: Client, request_id: str) -> WorkflowHandle[NoticeRequestWorkflow, Any]:
    return client.get_workflow_handle_for(NoticeRequestWorkflow.run, workflow_id_for(request_id))


def notice_handle(client: Client, notice_id: str) -> WorkflowHandle[PublishedNoticeWorkflow, Any]:
    return client.get_workflow_handle_for(PublishedNoticeWorkflow.run, notice_workflow_id(notice_id))


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
