"""Histories recorded from earlier versions replay against today's workflow code.

A change to workflow logic that would break cases already running fails here; such a change must be
patched (`workflow.patched`) or versioned. Record new histories with `python -m tests.replay.record`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from runtime.client import data_converter
from worker import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_recorded_histories_are_present() -> None:
    kinds = {path.name.split("__")[0] for path in HISTORIES}
    assert {
        "NoticeRequestWorkflow",
        "PublishedNoticeWorkflow",
        "MessageDeliveryWorkflow",
        "NoticeSearchWorkflow",
    } <= kinds
    scenarios = {path.stem.split("__", 1)[1] for path in HISTORIES if path.stem.startswith("NoticeRequestWorkflow__")}
    assert {"signals", "amended", "withdrawn_diffusion", "diffusion_approved", "continued"} <= scenarios


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_without_nondeterminism(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())  # noqa: ASYNC240 - a small local file
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
