"""The queue's models name stages, kinds and risks by value (so `ndtf queue` starts without the case's
models): the values are the contract's."""

from __future__ import annotations

from typing import get_args

from models.case import FINAL_STAGES, REVIEWER_STAGES, ReviewStage
from models.findings import RiskLevel
from models.queue import QUEUE_STAGES, REVIEWER_QUEUE, Kind, Risk
from models.request import NoticeKind


def test_the_queue_holds_every_open_stage_and_lists_the_reviewers_by_default() -> None:
    assert set(QUEUE_STAGES) == {stage.value for stage in ReviewStage} - {stage.value for stage in FINAL_STAGES}
    assert list(QUEUE_STAGES) == [stage.value for stage in ReviewStage if stage not in FINAL_STAGES], "in order"
    assert set(REVIEWER_QUEUE) == {stage.value for stage in REVIEWER_STAGES}


def test_kinds_and_risks_are_the_contracts() -> None:
    assert set(get_args(Kind)) == {kind.value for kind in NoticeKind}
    assert set(get_args(Risk)) == {risk.value for risk in RiskLevel}
