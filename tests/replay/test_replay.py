"""Histories recorded from earlier versions replay against today's workflow code.

A change to workflow logic that would break cases already running fails here; such a change must be
patched (`workflow.patched`) or versioned. Record new histories with `python -m tests.replay.record`.

Every scenario the recorder writes is kept in four generations, each a proof that cases started then
still replay: ``X__name__before_stage_moves.json``, recorded before the stage methods owned the moves
(no ``stage-methods-own-moves`` or ``members-from-reference-data`` marker);
``X__name__before_languages.json``, recorded with those two but before the request limits and the NCBs'
working languages (no ``request-limits`` or ``ncb-working-language`` marker);
``X__name__before_claims.json``, recorded with those and ``addressee-checked`` but before reviewers'
claims and before a moment's messages left in one ``send_messages`` activity (no ``case-claims`` or
``messages-sent-together`` marker: its messages are ``queue_message`` then ``start_delivery``); and
``X__name.json``, recorded with today's code. ``PublishedNoticeWorkflow__lifetime_before_supersede_patch.json``
predates them all (no marker at all). The scenarios recorded to cover every path of the process
(``PATH_SCENARIOS``) exist from the generation before claims on; ``PATHS`` names, for each path, the
histories of today's generation that go through it, and the test reads the stages each one went through
from its search-attribute upserts.

No recorded scenario sends the re-screening signal, so none passes ``reference-data-rescreen``: it is in
no generation's set, and the exact comparison of markers fails should a history carry it.

A deliberately incompatible change (an activity left out, one added) fails the replay: the last tests
show it, so a replay that passes is not one that cannot fail.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

from models.case import CaseOutcome, NoticeRequestInput, ReviewStage
from runtime.client import data_converter
from worker import WORKFLOWS
from workflows.notice_request import (
    ADDRESSEE_CHECKED,
    CLAIMS,
    REQUEST_LIMITS,
    STAGES_OWN_MOVES,
    NoticeRequestWorkflow,
)
from workflows.steps import MEMBERS_FROM_REFERENCE_DATA, MESSAGES_SENT_TOGETHER, NCB_WORKING_LANGUAGE, READS_LOCAL

HISTORY_DIR = Path(__file__).parent / "histories"
HISTORIES = sorted(HISTORY_DIR.glob("*.json"))
BEFORE_STAGE_MOVES = "__before_stage_moves"
BEFORE_LANGUAGES = "__before_languages"
BEFORE_CLAIMS = "__before_claims"
CURRENT = ""
BEFORE_SUPERSEDE = "PublishedNoticeWorkflow__lifetime_before_supersede_patch"
SUPERSEDE_MOOT = "supersede-moot-instructions"
"""PublishedNoticeWorkflow's patch (a literal in workflows/published_notice.py), older than every generation."""

BEFORE_CLAIMS_PATCHES = frozenset(
    {SUPERSEDE_MOOT, STAGES_OWN_MOVES, MEMBERS_FROM_REFERENCE_DATA, REQUEST_LIMITS, NCB_WORKING_LANGUAGE}
    | {ADDRESSEE_CHECKED}
)
GENERATIONS: dict[str, frozenset[str]] = {
    BEFORE_STAGE_MOVES: frozenset({SUPERSEDE_MOOT}),
    BEFORE_LANGUAGES: frozenset({SUPERSEDE_MOOT, STAGES_OWN_MOVES, MEMBERS_FROM_REFERENCE_DATA}),
    BEFORE_CLAIMS: BEFORE_CLAIMS_PATCHES,
    CURRENT: BEFORE_CLAIMS_PATCHES | {CLAIMS, MESSAGES_SENT_TOGETHER, READS_LOCAL},
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
"""The scenarios kept in every generation, by workflow type."""
PATH_SCENARIOS = {
    "NoticeRequestWorkflow": {"held_published", "denied", "clarification_answered", "withdrawn_awaiting_clarification"},
    "PublishedNoticeWorkflow": {"blocked_unblocked_cancelled", "expired"},
}
"""The scenarios recorded to cover every path, kept from the generation before claims on."""
PATH_GENERATIONS = (BEFORE_CLAIMS, CURRENT)
"""The generations ``PATH_SCENARIOS`` were recorded in."""
SUPERSEDING = {"lifetime", "blocked_unblocked_cancelled"}
"""The notice scenarios that lift a block or cancel, and so pass ``supersede-moot-instructions``."""


@dataclass(frozen=True)
class RecordedPath:
    """A path of the process, a history that goes through it (today's generation), and the stages it
    went through, as its ``ReviewStage`` upserts say (repeats collapsed)."""

    history: str
    stages: tuple[str, ...]
    timer_fired: bool = False
    """A deadline passed in it (a timer fired)."""


PATHS: dict[str, list[RecordedPath]] = {
    "clean to publication": [
        RecordedPath(
            "NoticeRequestWorkflow__approved",
            ("initial_screening", "legal_assessment", "awaiting_decision", "published"),
        )
    ],
    "held, detailed review, published": [
        RecordedPath(
            "NoticeRequestWorkflow__held_published",
            ("initial_screening", "detailed_review", "legal_assessment", "awaiting_decision", "published"),
        )
    ],
    "clarification answered": [
        RecordedPath(
            "NoticeRequestWorkflow__clarification_answered",
            ("initial_screening", "legal_assessment", "awaiting_clarification", "detailed_review", "legal_assessment",
             "awaiting_decision", "published"),
        ),
        RecordedPath(
            "NoticeRequestWorkflow__amended",
            ("initial_screening", "awaiting_clarification", "initial_screening", "legal_assessment",
             "awaiting_decision", "published"),
        ),
    ],
    "clarification missed, then denied": [
        RecordedPath(
            "NoticeRequestWorkflow__deadline_missed_denied",
            ("initial_screening", "awaiting_clarification", "detailed_review", "legal_assessment",
             "awaiting_decision", "denied"),
            timer_fired=True,
        )
    ],
    "denied": [
        RecordedPath(
            "NoticeRequestWorkflow__denied",
            ("initial_screening", "legal_assessment", "awaiting_decision", "denied"),
        )
    ],
    "withdrawn": [
        RecordedPath(
            "NoticeRequestWorkflow__withdrawn_diffusion", ("initial_screening", "legal_assessment", "withdrawn")
        ),
        RecordedPath(
            "NoticeRequestWorkflow__withdrawn_awaiting_clarification",
            ("initial_screening", "awaiting_clarification", "withdrawn"),
        ),
    ],
    "published, blocked, unblocked, cancelled": [
        RecordedPath(
            "PublishedNoticeWorkflow__blocked_unblocked_cancelled",
            ("published", "blocked", "published", "blocked", "cancelled"),
            timer_fired=True,
        ),
        RecordedPath(
            "PublishedNoticeWorkflow__lifetime",
            ("published", "blocked", "published", "blocked", "published"),
            timer_fired=True,
        ),
    ],
    "expired": [RecordedPath("PublishedNoticeWorkflow__expired", ("published", "expired"), timer_fired=True)],
    "message delivery": [RecordedPath("MessageDeliveryWorkflow__delivered", ())],
}
"""Every path of issue 13's population, and the histories recorded through it."""


def expected_markers(kind: str, scenario: str, generation: str) -> set[str]:
    """The markers a scenario's history carries in a generation: what the scenario runs through, of the
    patches that generation's code knew. Every request records an event (its registration at least), and
    each event publishes its search attributes, the ``Assignee`` among them under ``case-claims``; every
    request writes to an NCB (a question, a transmission, a publication, a denial), and so in its
    language (read locally under ``registry-reads-local``) and through ``send_messages``; one that
    publishes reads the member list; one with a reply holds it to the limits. A notice's lifetime
    writes to every member NCB (an instruction, a reminder, an expiry); deliveries and searches have no patch."""
    if kind == "NoticeRequestWorkflow":
        markers = {STAGES_OWN_MOVES, NCB_WORKING_LANGUAGE, CLAIMS, MESSAGES_SENT_TOGETHER, READS_LOCAL}
        if scenario in PUBLISHING_REQUESTS | {"held_published", "clarification_answered"}:
            markers.add(MEMBERS_FROM_REFERENCE_DATA)
        if scenario in REPLYING_REQUESTS | {"clarification_answered"}:
            markers.add(REQUEST_LIMITS)
        if scenario == "denied":  # a question to an addressee that is no country code, refused
            markers.add(ADDRESSEE_CHECKED)
    elif kind == "PublishedNoticeWorkflow":
        markers = {MEMBERS_FROM_REFERENCE_DATA, NCB_WORKING_LANGUAGE, MESSAGES_SENT_TOGETHER, READS_LOCAL}
        if scenario in SUPERSEDING:
            markers.add(SUPERSEDE_MOOT)
    else:
        markers = set()
    return markers & GENERATIONS[generation]


def generation_of(stem: str) -> str:
    """The generation a history belongs to, from its file name."""
    for suffix in (BEFORE_STAGE_MOVES, BEFORE_LANGUAGES, BEFORE_CLAIMS):
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
    assert not missing, f"recorded scenarios without every generation: {missing}"
    assert f"{BEFORE_SUPERSEDE}.json" in names
    missing = [
        name
        for kind, scenarios in PATH_SCENARIOS.items()
        for scenario in sorted(scenarios)
        for name in (f"{kind}__{scenario}{generation}.json" for generation in PATH_GENERATIONS)
        if name not in names
    ]
    assert not missing, f"the paths' histories are missing: {missing}"


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
    } | {
        f"{kind}__{scenario}{generation}": expected_markers(kind, scenario, generation)
        for generation in PATH_GENERATIONS
        for kind, scenarios in PATH_SCENARIOS.items()
        for scenario in scenarios
    }
    assert {stem: markers.get(stem) for stem in expected} == expected


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays_without_nondeterminism(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())  # noqa: ASYNC240 - a small local file
    replayer = Replayer(workflows=WORKFLOWS, data_converter=data_converter())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None


# --- every path, recorded -------------------------------------------------------------------------


def _events(stem: str) -> list[dict[str, object]]:
    events: list[dict[str, object]] = json.loads((HISTORY_DIR / f"{stem}.json").read_text())["events"]
    return events


def stages_of(stem: str) -> tuple[str, ...]:
    """The stages (or a notice's statuses) a history went through, from its ``ReviewStage`` upserts."""
    stages: list[str] = []
    for event in _events(stem):
        upsert = event.get("upsertWorkflowSearchAttributesEventAttributes")
        if not isinstance(upsert, dict):
            continue
        field = upsert["searchAttributes"]["indexedFields"].get("ReviewStage", {})
        if "data" in field:
            stage = json.loads(base64.b64decode(field["data"]))
            if not stages or stages[-1] != stage:
                stages.append(stage)
    return tuple(stages)


def event_types(stem: str) -> list[str]:
    return [str(event["eventType"]) for event in _events(stem)]


def activities_of(stem: str) -> list[str]:
    return [
        event["activityTaskScheduledEventAttributes"]["activityType"]["name"]  # type: ignore[index]
        for event in _events(stem)
        if "activityTaskScheduledEventAttributes" in event
    ]


@pytest.mark.parametrize(
    "path", [(name, p) for name, paths in PATHS.items() for p in paths], ids=lambda p: f"{p[0]}: {p[1].history}"
)
def test_every_path_has_a_history_of_todays_code_that_goes_through_it(path: tuple[str, RecordedPath]) -> None:
    name, expected = path
    assert generation_of(expected.history) == CURRENT
    assert stages_of(expected.history) == expected.stages, name
    types = event_types(expected.history)
    assert types[-1] == "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED" or expected.history.endswith("__lifetime")
    if expected.timer_fired:
        assert "EVENT_TYPE_TIMER_FIRED" in types, f"{expected.history}: no deadline passed"
    if name == "message delivery":
        assert activities_of(expected.history) == ["deliver_message"]


def test_the_paths_cover_every_current_history_of_a_case_or_a_notice() -> None:
    """No current request or notice history is left out of PATHS but the special cases it names."""
    covered = {p.history for paths in PATHS.values() for p in paths}
    special = {"NoticeRequestWorkflow__signals", "NoticeRequestWorkflow__continued",
               "NoticeRequestWorkflow__diffusion_approved"}
    """signals: every message as a signal; continued: a carried run; a diffusion approved (its recipients
    told): each also goes through a path above, which their own stages show."""
    current = {
        path.stem
        for path in HISTORIES
        if generation_of(path.stem) == CURRENT and path.stem.split("__")[0] in PATH_SCENARIOS
        and path.stem != BEFORE_SUPERSEDE
    }
    assert current - covered - special == set()
    assert stages_of("NoticeRequestWorkflow__signals") == PATHS["clarification answered"][0].stages
    assert stages_of("NoticeRequestWorkflow__diffusion_approved") == PATHS["clean to publication"][0].stages


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
def test_messages_leave_as_the_marker_says(path: Path) -> None:
    """A history with ``messages-sent-together`` sends every message through ``send_messages``; one
    without it queues each and starts its delivery, as it ran: each generation exercises its own way."""
    activities = set(activities_of(path.stem))
    if MESSAGES_SENT_TOGETHER in patch_ids(path):
        assert "send_messages" in activities
        assert not activities & {"queue_message", "start_delivery"}
    else:
        assert "send_messages" not in activities


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
def test_registry_reads_are_local_as_the_marker_says(path: Path) -> None:
    """A history with ``registry-reads-local`` reads the roster and the member list as local activities
    (markers, no activity task); older ones ran them as activities and replay them so (the replay test)."""
    if READS_LOCAL in patch_ids(path):
        assert not set(activities_of(path.stem)) & {"lookup_reviewer", "member_ncbs"}


# --- a deliberately incompatible change fails the replay ---------------------------------------------


@workflow.defn(name="NoticeRequestWorkflow", sandboxed=False)
class RegistersTwice(NoticeRequestWorkflow):
    """Today's workflow with one more activity at registration: what a careless change would do."""

    @workflow.run
    async def run(self, input: NoticeRequestInput) -> CaseOutcome:
        return await super().run(input)

    async def register(self) -> None:
        await super().register()
        await self._record_event("registered_again", "system", "an activity the recorded run never executed")


@workflow.defn(name="NoticeRequestWorkflow", sandboxed=False)
class SkipsScreening(NoticeRequestWorkflow):
    """Today's workflow without the screening activity: as if a step were dropped unpatched."""

    @workflow.run
    async def run(self, input: NoticeRequestInput) -> CaseOutcome:
        return await super().run(input)

    async def screen(self) -> None:
        self.state.screening_rounds += 1
        await self._enter(ReviewStage.LEGAL_ASSESSMENT, "system", "screening skipped")


async def _replay(workflow_class: type, stem: str) -> None:
    history = WorkflowHistory.from_json(stem, (HISTORY_DIR / f"{stem}.json").read_text())  # noqa: ASYNC240
    replayer = Replayer(
        workflows=[workflow_class], data_converter=data_converter(), workflow_runner=UnsandboxedWorkflowRunner()
    )
    await replayer.replay_workflow(history, raise_on_replay_failure=True)


@pytest.mark.parametrize("stem", ["NoticeRequestWorkflow__approved", "NoticeRequestWorkflow__held_published"])
async def test_the_unchanged_workflow_replays_in_the_same_replayer(stem: str) -> None:
    """The control for the next test: the same (unsandboxed) replayer passes today's class."""
    await _replay(NoticeRequestWorkflow, stem)


@pytest.mark.parametrize("changed", [RegistersTwice, SkipsScreening], ids=lambda c: c.__name__)
@pytest.mark.parametrize("stem", ["NoticeRequestWorkflow__approved", "NoticeRequestWorkflow__held_published"])
async def test_an_incompatible_change_fails_the_replay(changed: type, stem: str) -> None:
    with pytest.raises(workflow.NondeterminismError):
        await _replay(changed, stem)
