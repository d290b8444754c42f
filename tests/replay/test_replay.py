"""Histories recorded from earlier versions replay against today's workflow code.

A change to workflow logic that would break cases already running fails here; such a change must be
patched (`workflow.patched`) or versioned. Record new histories with `python -m tests.replay.record`.

Every scenario the recorder writes is kept in two generations: ``X__name.json``, recorded with today's
code, and ``X__name__before_stage_moves.json``, recorded before the stage methods owned the moves
(no ``stage-methods-own-moves`` or ``members-from-reference-data`` marker), as proof that cases started
then still replay.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from runtime.client import data_converter
from worker import WORKFLOWS
from workflows.notice_request import STAGES_OWN_MOVES
from workflows.steps import MEMBERS_FROM_REFERENCE_DATA

HISTORY_DIR = Path(__file__).parent / "histories"
HISTORIES = sorted(HISTORY_DIR.glob("*.json"))
BEFORE_STAGE_MOVES = "__before_stage_moves"

PUBLISHING_REQUESTS = {"approved", "signals", "amended", "diffusion_approved"}
"""The request scenarios that publish a notice, and so read the member list to notify every NCB."""
RECORDED = {
    "NoticeRequestWorkflow": PUBLISHING_REQUESTS
    | {"deadline_missed_denied", "withdrawn_diffusion", "continued"},
    "PublishedNoticeWorkflow": {"lifetime"},
    "MessageDeliveryWorkflow": {"delivered"},
    "NoticeSearchWorkflow": {"search"},
}
"""Every scenario tests.replay.record writes, by workflow type."""
NEW_MARKERS = {STAGES_OWN_MOVES, MEMBERS_FROM_REFERENCE_DATA}


def patch_ids(path: Path) -> set[str]:
    """The ids of the `workflow.patched` markers in a history (base64-encoded JSON in the marker)."""
    history = json.loads(path.read_text())
    ids: set[str] = set()
    for event in history["events"]:
        marker = event.get("markerRecordedEventAttributes")
        if not marker or marker.get("markerName") != "core_patch":
            continue
        for payload in marker["details"]["patch-data"]["payloads"]:
            ids.add(json.loads(base64.b64decode(payload["data"]))["id"])
    return ids


def test_recorded_histories_are_present() -> None:
    names = {path.name for path in HISTORIES}
    missing = [
        name
        for kind, scenarios in RECORDED.items()
        for scenario in sorted(scenarios)
        for name in (f"{kind}__{scenario}.json", f"{kind}__{scenario}{BEFORE_STAGE_MOVES}.json")
        if name not in names
    ]
    assert not missing, f"recorded scenarios without both generations: {missing}"
    assert "PublishedNoticeWorkflow__lifetime_before_supersede_patch.json" in names


def test_markers_tell_the_generations_apart() -> None:
    markers = {path.stem: patch_ids(path) for path in HISTORIES}
    before = {stem: ids for stem, ids in markers.items() if stem.endswith(BEFORE_STAGE_MOVES)}
    assert before, "no history recorded before the stage methods owned the moves"
    carrying = {stem: ids & NEW_MARKERS for stem, ids in before.items() if ids & NEW_MARKERS}
    assert not carrying, f"histories recorded before the refactor carry its markers: {carrying}"

    requests = {stem: ids for stem, ids in markers.items() if stem.startswith("NoticeRequestWorkflow__")}
    current = {stem.split("__", 1)[1]: ids for stem, ids in requests.items() if stem not in before}
    for marker in sorted(NEW_MARKERS):
        assert any(marker in ids for ids in current.values()), f"no NoticeRequestWorkflow history has {marker}"
    expected = {
        scenario: NEW_MARKERS if scenario in PUBLISHING_REQUESTS else {STAGES_OWN_MOVES}
        for scenario in RECORDED["NoticeRequestWorkflow"]
    }
    assert {scenario: current[scenario] & NEW_MARKERS for scenario in expected if scenario in current} == expected


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_without_nondeterminism(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())  # noqa: ASYNC240 - a small local file
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
