"""Both Temporal environments the suite relies on start, run a workflow and index our search attributes."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():
    from runtime.search_attributes import REQUESTING_NCB, REVIEW_STAGE


class Wait(BaseModel):
    ncb: str
    days: int


@workflow.defn(sandboxed=True)
class WaitThenAnswer:
    @workflow.run
    async def run(self, wait: Wait) -> int:
        workflow.upsert_search_attributes([REVIEW_STAGE.value_set("registered"), REQUESTING_NCB.value_set(wait.ncb)])
        started = workflow.now()
        await workflow.sleep(timedelta(days=wait.days) or timedelta(milliseconds=1))
        return (workflow.now() - started).days


async def _run(env: WorkflowEnvironment, task_queue: str, wait: Wait) -> tuple[int, str | None]:
    async with Worker(env.client, task_queue=task_queue, workflows=[WaitThenAnswer]):
        handle = await env.client.start_workflow(
            WaitThenAnswer.run, wait, id=f"wait-{task_queue}", task_queue=task_queue
        )
        days = await handle.result()
    described = await handle.describe()
    assert described.status == WorkflowExecutionStatus.COMPLETED
    return days, described.typed_search_attributes.get(REQUESTING_NCB)


async def test_time_skipping_server_lets_a_month_pass(time_skipping_env: WorkflowEnvironment, task_queue: str):
    days, ncb = await _run(time_skipping_env, task_queue, Wait(ncb="FR", days=30))
    assert days == 30
    assert ncb == "FR"


async def test_dev_server_indexes_the_search_attributes(dev_env: WorkflowEnvironment, task_queue: str):
    days, ncb = await _run(dev_env, task_queue, Wait(ncb="ES", days=0))
    assert days == 0
    assert ncb == "ES"
