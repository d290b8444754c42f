"""Histories recorded from earlier versions replay against today's workflow code.

A change to workflow logic that would break cases already running fails here; such a change must be
patched (`workflow.patched`) or versioned. Record new histories with `python -m tests.replay.record`.

Every scenario the recorder writes is kept in three generations, each a proof that cases started then
still replay: ``X__name__before_stage_moves.json``, recorded before the stage methods owned the moves
(no ``stage-methods-own-moves`` or ``members-from-reference-data`` marker);
``X__name__before_languages.json``, recorded with those two but before the request limits and the NCBs'
working languages (no ``request-limits`` or ``ncb-working-language`` marker); and ``X__name.json``,
recorded with today's code. ``PublishedNoticeWorkflow__lifetime_before_supersede_patch.json`` predates
them all (no marker at all).
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
from workflows.notice_request import REQUEST_LIMITS, STAGES_OWN_MOVES
from workflows.steps import MEMBERS_FROM_REFERENCE_DATA, NCB_WORKING_LANGUAGE

HISTORY_DIR = Path(__file__).parent / "histories"
HISTORIES = sorted(HISTORY_DIR.glob("*.json"))
BEFORE_STAGE_MOVES = "__before_stage_moves"
BEFORE_LANGUAGES = "__before_languages"
CURRENT = ""
BEFORE_SUPERSEDE = "PublishedNoticeWorkflow__lifetime_before_supersede_patch"
SUPERSEDE_MOOT = "supersede-moot-instructions"
"""PublishedNoticeWorkflow's patch (a literal in workflows/published_notice.py), older than every generation."""

GENERATIONS: dict[str, frozenset[str]] = {
    BEFORE_STAGE_MOVES: frozenset({SUPERSEDE_MOOT}),
    BEFORE_LANGUAGES: frozenset({SUPERSEDE_MOOT, STAGES_OWN_MOVES, MEMBERS_FROM_REFERENCE_DATA}),
    CURRENT: frozenset(
        {SUPERSEDE_MOOT, STAGES_OWN_MOVES, MEMBERS_FROM_REFERENCE_DATA, REQUEST_LIMITS, NCB_WORKING_LANGUAGE}
    ),
}
"""Each generation's file suffix, oldest first, and the patches the code it was recorded with knew."""
ALL_MARKERS = GENERATIONS[CURRENT]

PUBLISHING_REQUESTS = {"approved", "signals", "amended", "diffusion_approved"}
"""The request scenarios that publish a notice, and so read the member list to notify every NCB."""
REPLYING_REQUESTS = {"signals", "amended", "continued"}
"""The request scenarios where an NCB replies (a clarification or a consultation), held to the limits."""
RECORDED = {
    "NoticeRequestWorkflow": PUBLISHING_REQUESTS
    | REPLYING_REQUESTS
    | {"deadline_missed_denied", "withdrawn_diffusion"},
    "PublishedNoticeWorkflow": {"lifetime"},
    "MessageDeliveryWorkflow": {"delivered"},
    "NoticeSearchWorkflow": {"search"},
}
"""Every scenario tests.replay.record writes, by workflow type."""


def expected_markers(kind: str, scenario: str, generation: str) -> set[str]:
    """The markers a scenario's history carries in a generation: what the scenario runs through, of the
    patches that generation's code knew. Every request writes to an NCB (a question, a transmission, a
    publication) and so in its language; one that publishes reads the member list; one with a reply
    holds it to the limits. A notice's lifetime writes to every member NCB; deliveries and searches
    have no patch."""
    if kind == "NoticeRequestWorkflow":
        markers = {STAGES_OWN_MOVES, NCB_WORKING_LANGUAGE}
        if scenario in PUBLISHING_REQUESTS:
            markers.add(MEMBERS_FROM_REFERENCE_DATA)
        if scenario in REPLYING_REQUESTS:
            markers.add(REQUEST_LIMITS)
    elif kind == "PublishedNoticeWorkflow":
        markers = {SUPERSEDE_MOOT, MEMBERS_FROM_REFERENCE_DATA, NCB_WORKING_LANGUAGE}
    else:
        markers = set()
    return markers & GENERATIONS[generation]


def generation_of(stem: str) -> str:
    """The generation a history belongs to, from its file name."""
    for suffix in (BEFORE_STAGE_MOVES, BEFORE_LANGUAGES):
        if stem.endswith(suffix):
            return suffix
    return CURRENT


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
        for name in (f"{kind}__{scenario}{generation}.json" for generation in GENERATIONS)
        if name not in names
    ]
    assert not missing, f"recorded scenarios without all three generations: {missing}"
    assert f"{BEFORE_SUPERSEDE}.json" in names


def test_markers_tell_the_generations_apart() -> None:
    markers = {path.stem: patch_ids(path) for path in HISTORIES}
    assert not markers.pop(BEFORE_SUPERSEDE), "the history from before supersede-moot-instructions has markers"
    by_generation: dict[str, dict[str, set[str]]] = {generation: {} for generation in GENERATIONS}
    for stem, ids in markers.items():
        by_generation[generation_of(stem)][stem] = ids

    # no generation carries a marker introduced after it
    for generation, histories in by_generation.items():
        assert histories, f"no history of the generation {generation or 'recorded today'}"
        later = ALL_MARKERS - GENERATIONS[generation]
        carrying = {stem: ids & later for stem, ids in histories.items() if ids & later}
        assert not carrying, f"histories of {generation or 'today'} carry markers introduced after it: {carrying}"

    # each patch is exercised by today's histories
    for marker in sorted(ALL_MARKERS):
        assert any(marker in ids for ids in by_generation[CURRENT].values()), f"no current history has {marker}"

    # and each scenario, in each generation, carries exactly the patches it runs through
    expected = {
        f"{kind}__{scenario}{generation}": expected_markers(kind, scenario, generation)
        for generation in GENERATIONS
        for kind, scenarios in RECORDED.items()
        for scenario in scenarios
    }
    assert {stem: markers.get(stem) for stem in expected} == expected


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_without_nondeterminism(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())  # noqa: ASYNC240 - a small local file
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None
