"""The whole path at scale, against Temporal's own floor (``make bench-e2e``; README, "Whole path at scale").

    .venv/bin/python -m benchmarks.e2e_bench                                   # 500 requests, 1,000 open cases
    .venv/bin/python -m benchmarks.e2e_bench --requests 100 --open-cases 1000
    .venv/bin/python -m benchmarks.e2e_bench --requests 500 --open-cases 10000 # the issue's scale
    .venv/bin/python -m benchmarks.e2e_bench --postgres --profile --json out.json --strict

One run starts everything on this machine (``benchmarks.e2e_stack``: dev server, SMTP sink, worker, API,
the registry in SQLite or PostgreSQL with ``make run``'s reference data and credentials), then:

1. **The real path**: N seeded requests (``benchmarks.e2e_requests``) submitted at once through the API
   (httpx, each NCB's own credential), each followed until it is in the reviewers' queue (the queue
   route, polled, all pages) and then driven to publication or denial by scripted reviewer actions
   through the API (request information, the NCB's reply, conclude the review, assess, decide with a
   second reviewer). Each action is timed until the case's stage has changed.
2. **The skeleton** (``benchmarks.skeleton``): the same requests, one per real request, on a workflow of
   the same shape (the commands each real path issued, read from its history, with empty activity
   bodies; the delivery and notice-lifetime workflows the real activities started, started as twins with
   empty bodies), the same converter, codec and interceptors, its own worker process and a minimal API of
   the same routes; driven by the same client code.
3. **Open cases at scale**: ``--open-cases`` requests left waiting on reviewers, submitted in batches
   (worker CPU per request for each batch: at 100 open cases and at the last); then the queue through
   the API (every page; complete, each case once, oldest deadline first) and ``ndtf queue``, a case
   through the API and ``ndtf show``, and a reviewer action, each timed.

It prints the figures, the ratios against the skeleton and the goals PASS/FAIL; ``--json FILE`` writes
the report. The exit code is 0 unless a step failed, or, with ``--strict``, a goal is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import pstats
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import httpx

from benchmarks.e2e_requests import ROUTES, UPDATE_OF_ACTION, BenchRequest, generate, next_action, path_name
from benchmarks.e2e_stack import REAL_QUEUE, SKELETON_QUEUE, Child, Stack, StackError, cpu_seconds
from runtime.config import PROJECT_ROOT

if TYPE_CHECKING:
    from benchmarks.e2e_history import TwinReader

FINAL = ("published", "denied", "withdrawn")
QUEUE_POLL = 0.25
"""Seconds between two reads of the queue while cases are followed (the same for both systems)."""
STAGE_POLL = 0.1
STAGE_POLL_MAX = 2.0
ACTION_TIMEOUT = 600.0
QUEUE_TIMEOUT = 900.0
"""Generous: on a loaded 2-CPU machine a burst of hundreds of cases takes minutes to screen."""
MAX_ACTIONS = 10
SUBMIT_ATTEMPTS = 3
HISTORY_SAMPLE = 5
TRACES_KEPT = 50
"""Cases whose every step the JSON report keeps (the first ones)."""

GOAL_THROUGHPUT = 0.85
GOAL_P95_RATIO = 1.5
GOAL_CPU_FLAT = 1.2
GOAL_QUEUE_API = 0.3
GOAL_QUEUE_CMD = 0.5
GOAL_HISTORY = 150


def now() -> float:
    return time.perf_counter()


def percentiles(values: Iterable[float]) -> dict[str, float | int | None]:
    data = sorted(values)
    if not data:
        return {"n": 0, "p50": None, "p95": None, "max": None}

    def pick(q: float) -> float:
        return data[min(len(data) - 1, max(0, round(q * (len(data) - 1))))]

    return {"n": len(data), "p50": round(pick(0.5), 4), "p95": round(pick(0.95), 4), "max": round(data[-1], 4)}


# --- talking to an API ------------------------------------------------------------------------------


class Api:
    """The routes the benchmark calls, on the real API or the skeleton's, with the stored credentials."""

    def __init__(self, http: httpx.AsyncClient, base: str, tokens: dict[str, str]) -> None:
        self.http, self.base, self.tokens = http, base, tokens

    def auth(self, profile: str) -> dict[str, str]:
        token = self.tokens.get(profile)
        return {"Authorization": f"Bearer {token}"} if token else {}

    async def call(self, method: str, path: str, profile: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.auth(profile), **kwargs.pop("headers", {})}
        return await self.http.request(method, self.base + path, headers=headers, **kwargs)

    async def queue(self, reviewer: str, include_awaiting: bool = False, limit: int = 500) -> QueueRead:
        """Every page of the queue: the API's paging (``limit``/``cursor``, a page with a next cursor) when it
        answers pages, else the one list it answers."""
        read = QueueRead()
        params: dict[str, Any] = {"limit": limit}
        if include_awaiting:
            params["all"] = "true"
        started = now()
        while True:
            response = await self.call("GET", "/v1/cases", f"reviewer:{reviewer}", params=params)
            response.raise_for_status()
            data = response.json()
            read.pages += 1
            if read.first_page_s is None:
                read.first_page_s = now() - started
            if isinstance(data, list):
                read.entries += data
                break
            lists = (data[k] for k in ("items", "entries", "cases", "results") if isinstance(data.get(k), list))
            items: list[dict[str, Any]] = next(lists, [])
            read.entries += items
            read.paged = True
            cursor = next((data[k] for k in ("next_cursor", "next", "cursor") if data.get(k)), None)
            if not cursor or not items:
                break
            params = {**params, "cursor": cursor}
        read.total_s = now() - started
        return read

    async def stage(self, request_id: str, reviewer: str) -> str:
        response = await self.call("GET", f"/v1/cases/{request_id}", f"reviewer:{reviewer}")
        response.raise_for_status()
        return str(response.json().get("stage", ""))


@dataclass
class QueueRead:
    entries: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0
    paged: bool = False
    first_page_s: float | None = None
    total_s: float = 0.0


class QueueWatcher:
    """Reads the whole queue every ``QUEUE_POLL`` seconds and notes when each case first shows in it."""

    def __init__(self, api: Api, reviewer: str) -> None:
        self.api, self.reviewer = api, reviewer
        self.seen: dict[str, tuple[float, str]] = {}
        self.waiters: dict[str, asyncio.Future[tuple[float, str]]] = {}
        self.reads: list[float] = []
        self.errors = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        while True:
            try:
                read = await self.api.queue(self.reviewer)
            except (httpx.HTTPError, ValueError):
                self.errors += 1
                await asyncio.sleep(QUEUE_POLL)
                continue
            at = now()
            self.reads.append(read.total_s)
            for entry in read.entries:
                request_id = str(entry.get("request_id"))
                if request_id not in self.seen:
                    self.seen[request_id] = (at, str(entry.get("stage", "")))
                    waiter = self.waiters.pop(request_id, None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(self.seen[request_id])
            await asyncio.sleep(QUEUE_POLL)

    async def wait(self, request_id: str, within: float) -> tuple[float, str]:
        if request_id in self.seen:
            return self.seen[request_id]
        waiter = self.waiters.setdefault(request_id, asyncio.get_running_loop().create_future())
        return await asyncio.wait_for(asyncio.shield(waiter), within)


# --- one case, start to end -------------------------------------------------------------------------


@dataclass
class Trace:
    index: int
    plan: str
    request_id: str = ""
    submit_s: float = 0.0
    queued_s: float | None = None
    actions: list[tuple[str, float]] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    final_stage: str = ""
    retries: int = 0
    """Calls the API answered with a 5xx (an update's answer not awaited in time, a submission sent again)."""
    started: float = 0.0
    ended: float = 0.0
    error: str | None = None

    @property
    def action_names(self) -> list[str]:
        return [name for name, _ in self.actions]

    @property
    def path_key(self) -> str:
        return "+".join(UPDATE_OF_ACTION[name] for name in self.action_names)

    @property
    def path(self) -> str:
        return path_name(self.action_names)


async def wait_stage_change(api: Api, request_id: str, before: str, within: float = ACTION_TIMEOUT) -> str:
    """Read the case until its stage is not ``before``: every 0.1 s at first, backing off to every 2 s (each
    read is a query the worker answers: a tight loop on many slow cases would load what it measures)."""
    deadline = now() + within
    pause = STAGE_POLL
    while now() < deadline:
        try:
            stage = await api.stage(request_id, "legal.ana")
        except httpx.HTTPError:
            stage = ""
        if stage and stage != before:
            return stage
        await asyncio.sleep(pause)
        pause = min(STAGE_POLL_MAX, pause * 1.5)
    raise TimeoutError(f"{request_id} stayed in {before} for {within:.0f}s")


async def drive(api: Api, watcher: QueueWatcher, request: BenchRequest, path_header: str = "",
                submit_only: bool = False) -> Trace:
    """Submit, wait until the case is in the reviewers' queue, then act until it ends (each action timed
    until the case's stage has changed)."""
    trace = Trace(index=request.index, plan=request.plan)
    trace.started = now()
    try:
        headers = {"X-Bench-Path": path_header} if path_header else {}
        for attempt in range(SUBMIT_ATTEMPTS):
            # A submission is idempotent (the same NCB reference answers the same request): one the
            # API could not answer in time (5xx) is sent again, as an NCB's integration would.
            response = await api.call("POST", "/v1/requests", f"ncb:{request.ncb}", json=request.body,
                                      headers=headers)
            if response.status_code < 500 or attempt == SUBMIT_ATTEMPTS - 1:
                break
            trace.retries += 1
        if response.status_code not in (200, 201):
            raise RuntimeError(f"submit answered {response.status_code}: {response.text[:300]}")
        trace.request_id = str(response.json()["request_id"])
        trace.submit_s = now() - trace.started
        seen_at, stage = await watcher.wait(trace.request_id, QUEUE_TIMEOUT)
        trace.queued_s = seen_at - trace.started
        trace.stages.append(stage)
        if submit_only:
            trace.ended = now()
            trace.final_stage = stage
            return trace
        while len(trace.actions) < MAX_ACTIONS:
            step = next_action(request.plan, stage, trace.action_names)
            if step is None:
                break
            action, actor, body = step
            profile = f"ncb:{request.ncb}" if actor == "ncb" else f"reviewer:{actor}"
            started = now()
            route = ROUTES[action].format(id=trace.request_id)
            response = await api.call("POST", route, profile, json=body)
            if 400 <= response.status_code < 500:
                raise RuntimeError(f"{action} in {stage} answered {response.status_code}: {response.text[:300]}")
            answered = str(response.json().get("stage", "")) if response.status_code < 400 else ""
            if answered and answered != stage:
                after = answered
            elif response.status_code < 500:
                after = await wait_stage_change(api, trace.request_id, stage)
            else:
                # A 5xx: the API gave up waiting for the update (accepted or not). Wait for the stage to
                # change; if it does not, send the action once more (refused if it was applied after all).
                trace.retries += 1
                try:
                    after = await wait_stage_change(api, trace.request_id, stage, ACTION_TIMEOUT / 4)
                except TimeoutError:
                    await api.call("POST", route, profile, json=body)
                    after = await wait_stage_change(api, trace.request_id, stage)
            trace.actions.append((action, now() - started))
            stage = after
            trace.stages.append(stage)
        trace.final_stage = stage
    except Exception as error:  # noqa: BLE001 - one failed case is reported, the run goes on
        trace.error = f"{type(error).__name__}: {error}"
    trace.ended = now()
    return trace


# --- phases -----------------------------------------------------------------------------------------


async def settle(child: Child, idle_share: float = 0.05, window: float = 1.0, limit: float = 90.0) -> None:
    """Until the worker is idle (under ``idle_share`` of a CPU over ``window``): the work a case causes
    after its last answer (message deliveries) is counted in its CPU. A notice's workflow (the real one or
    the skeleton's twin) left waiting on its timer of years costs no CPU, so it does not hold this up."""
    deadline = now() + limit
    while now() < deadline:
        before = child.cpu_seconds()
        await asyncio.sleep(window)
        if child.cpu_seconds() - before < idle_share * window:
            return


async def run_burst(api: Api, worker: Child, requests: list[BenchRequest], headers: list[str] | None = None,
                    others: dict[str, int] | None = None) -> tuple[list[Trace], dict[str, Any]]:
    """``others``: processes (name: pid) whose CPU per request is reported beside the worker's."""
    watcher = QueueWatcher(api, "legal.ana")
    watcher.start()
    others = others or {}
    others_before = {name: cpu_seconds(pid) for name, pid in others.items()}
    cpu_before = worker.cpu_seconds()
    started = now()
    traces = await asyncio.gather(*(
        drive(api, watcher, request, headers[i] if headers else "") for i, request in enumerate(requests)
    ))
    finished = now()
    await watcher.stop()
    await settle(worker)
    cpu = worker.cpu_seconds() - cpu_before
    others_cpu = {name: cpu_seconds(pid) - others_before[name] for name, pid in others.items()}
    wall = finished - started
    by_action: dict[str, list[float]] = defaultdict(list)
    for trace in traces:
        for name, seconds in trace.actions:
            by_action[name].append(seconds)
    summary = {
        "requests": len(requests),
        "wall_s": round(wall, 3),
        "throughput_rps": round(len(requests) / wall, 3) if wall else None,
        "submit_answer_s": percentiles(t.submit_s for t in traces if t.request_id),
        "submit_to_queue_s": percentiles(t.queued_s for t in traces if t.queued_s is not None),
        "actions_s": {name: percentiles(values) for name, values in sorted(by_action.items())},
        "any_action_s": percentiles(s for t in traces for _, s in t.actions),
        "worker_cpu_s": round(cpu, 3),
        "worker_cpu_ms_per_request": round(1000 * cpu / len(requests), 2) if requests else None,
        "other_cpu_ms_per_request": {
            name: round(1000 * seconds / len(requests), 2) for name, seconds in others_cpu.items()
        } if requests else {},
        "paths": dict(Counter(t.path for t in traces if not t.error)),
        "ended": dict(Counter(t.final_stage or "error" for t in traces)),
        "errors": [f"#{t.index} {t.request_id}: {t.error}" for t in traces if t.error][:20],
        "api_5xx": sum(t.retries for t in traces),
        "queue_reads_s": percentiles(watcher.reads),
        "traces": [
            {"index": t.index, "plan": t.plan, "path": t.path, "request_id": t.request_id,
             "submit_s": round(t.submit_s, 3), "queued_s": round(t.queued_s, 3) if t.queued_s is not None else None,
             "stages": t.stages, "actions": [(name, round(s, 3)) for name, s in t.actions], "error": t.error}
            for t in traces[:TRACES_KEPT]
        ],
    }
    return list(traces), summary


async def histories(client: Any, traces: list[Trace], workflow_id: Callable[[str], str],
                    reader: TwinReader | None = None) -> tuple[dict[str, dict[str, Any]], dict[str, list[Any]]]:
    """History sizes per path (a sample of each), and with a ``reader`` one script per path key for the
    skeleton (the workflows each activity started counted by the reader)."""
    from benchmarks.e2e_history import event_counts

    by_key: dict[str, list[Trace]] = defaultdict(list)
    for trace in traces:
        if not trace.error and trace.final_stage in FINAL:
            by_key[trace.path_key].append(trace)
    sizes: dict[str, list[dict[str, int]]] = defaultdict(list)
    scripts: dict[str, list[Any]] = {}
    for key, group in by_key.items():
        for trace in group[:HISTORY_SAMPLE]:
            history = await client.get_workflow_handle(workflow_id(trace.request_id)).fetch_history()
            sizes[trace.path].append(event_counts(history))
            if reader is not None and key not in scripts:
                segments = await reader.script(history)
                for segment, stage in zip(segments[1:], trace.stages[1:], strict=False):
                    segment.answer_stage = stage
                scripts[key] = [s.model_dump(mode="json") for s in segments]
    report = {
        path: {
            "sampled": len(counts),
            "events": {"min": min(c["events"] for c in counts),
                       "median": statistics.median(c["events"] for c in counts),
                       "max": max(c["events"] for c in counts)},
            "activities": statistics.median(c["activities"] for c in counts),
            "timers": statistics.median(c["timers"] for c in counts),
            "updates": statistics.median(c["updates"] for c in counts),
        }
        for path, counts in sizes.items()
    }
    return report, scripts


REAL_STARTED = ("MessageDeliveryWorkflow", "PublishedNoticeWorkflow")
SKELETON_STARTED = ("BenchSkeletonDeliveryWorkflow", "BenchSkeletonNoticeWorkflow")
"""The workflows a case's activities start, on each system (``benchmarks.skeleton``'s twins)."""


async def started_workflows(client: Any, types: Iterable[str], queue: str) -> dict[str, int]:
    """Workflows of each type ever started on ``queue`` (running or closed), as visibility counts them."""
    return {name: (await client.count_workflows(f"WorkflowType = '{name}' AND TaskQueue = '{queue}'")).count
            for name in types}


async def started_per_request(client: Any, types: Iterable[str], queue: str, before: dict[str, int],
                              requests: int) -> dict[str, float | None]:
    """Workflows of each type a burst's cases started, per case: the skeleton starts as many as the real."""
    after = await started_workflows(client, types, queue)
    return {name: round((after[name] - before.get(name, 0)) / requests, 2) if requests else None
            for name in after}


def ndtf_command() -> list[str]:
    script = Path(sys.executable).parent / "ndtf"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from admin.cli import main; main()"]


def time_command(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    started = now()
    done = subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    return now() - started, done.returncode, done.stdout if done.returncode == 0 else done.stderr


def queue_order_ok(entries: list[dict[str, Any]]) -> bool:
    """Oldest deadline first (cases with no deadline last)."""
    keys = [(e.get("next_deadline") is None, _as_time(e.get("next_deadline"))) for e in entries]
    return all(a <= b for a, b in zip(keys, keys[1:], strict=False))


def _as_time(value: Any) -> float:
    if not value:
        return float("inf")
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


async def run_open_cases(api: Api, stack: Stack, worker: Child, count: int, batch: int, seed: int,
                         samples: int) -> dict[str, Any]:
    """``count`` cases left waiting on reviewers; then the queue, a case and an action measured at that size."""
    requests = generate(count, seed=seed + 7, tag="OPEN", plans=("clean", "held"))
    watcher = QueueWatcher(api, "legal.ana")
    watcher.start()
    batches: list[dict[str, Any]] = []
    open_ids: list[str] = []
    failures: list[str] = []
    for first in range(0, count, batch):
        group = requests[first:first + batch]
        cpu_before, started = worker.cpu_seconds(), now()
        traces = await asyncio.gather(*(drive(api, watcher, r, submit_only=True) for r in group))
        await settle(worker, window=0.5)
        cpu = worker.cpu_seconds() - cpu_before
        open_ids += [t.request_id for t in traces if t.request_id and not t.error]
        failures += [f"{t.request_id}: {t.error}" for t in traces if t.error]
        batches.append({
            "open_after": len(open_ids), "requests": len(group), "wall_s": round(now() - started, 3),
            "worker_cpu_ms_per_request": round(1000 * cpu / len(group), 2),
            "submit_to_queue_s": percentiles(t.queued_s for t in traces if t.queued_s is not None),
        })
    await watcher.stop()
    first_cpu = batches[0]["worker_cpu_ms_per_request"] if batches else None
    last_cpu = batches[-1]["worker_cpu_ms_per_request"] if batches else None
    rng = random.Random(seed)
    env = {**stack.env(), "NOTICE_API": stack.api_url}

    # The queue through the API: every page, timed; one read checked for completeness and order.
    reads = [await api.queue("legal.ana") for _ in range(samples)]
    check = await api.queue("legal.ana", include_awaiting=True)
    listed = [str(e.get("request_id")) for e in check.entries]
    counted = Counter(listed)
    wanted = set(open_ids)
    missing = sorted(wanted - set(listed))
    duplicated = sorted(i for i, n in counted.items() if n > 1)
    ordered = queue_order_ok(check.entries)

    # The queue and a case through the commands (a new process each time: start-up counts).
    command_runs = []
    command_count = None
    for _ in range(max(1, samples // 2)):
        seconds, code, out = await asyncio.to_thread(
            time_command, [*ndtf_command(), "queue", "--as", "legal.ana", "--json"], env)
        command_runs.append(seconds)
        if code == 0 and command_count is None:
            try:
                data = json.loads(out)
                command_count = len(data) if isinstance(data, list) else len(data.get("items", data.get("entries", [])))
            except ValueError:
                command_count = None
        elif code != 0:
            failures.append(f"ndtf queue exited {code}: {out[-300:]}")
            break
    picks = rng.sample(open_ids, min(len(open_ids), samples)) if open_ids else []
    show_api = []
    for request_id in picks:
        started = now()
        response = await api.call("GET", f"/v1/cases/{request_id}", "reviewer:legal.ana")
        if response.status_code == 200:
            show_api.append(now() - started)
    show_cmd = []
    for request_id in picks[:max(1, samples // 4)]:
        seconds, code, out = await asyncio.to_thread(
            time_command, [*ndtf_command(), "show", request_id, "--as", "legal.ana", "--json"], env)
        if code == 0:
            show_cmd.append(seconds)
        else:
            failures.append(f"ndtf show exited {code}: {out[-300:]}")
            break

    # A reviewer's action on open cases: until the case's stage changes.
    action_times = []
    for request_id in picks[:samples]:
        stage = watcher.seen.get(request_id, (0.0, ""))[1] or await api.stage(request_id, "legal.ana")
        step = next_action("held" if stage == "detailed_review" else "clean", stage, [])
        if step is None:
            continue
        action, actor, body = step
        started = now()
        response = await api.call("POST", ROUTES[action].format(id=request_id), f"reviewer:{actor}", json=body)
        if 400 <= response.status_code < 500:
            failures.append(f"{action} on {request_id}: {response.status_code} {response.text[:200]}")
            continue
        answered = str(response.json().get("stage", "")) if response.status_code < 400 else ""
        if not answered or answered == stage:
            await wait_stage_change(api, request_id, stage)
        action_times.append(now() - started)

    return {
        "open_cases": len(open_ids),
        "batch": batch,
        "batches": batches,
        "worker_cpu_ms_per_request_first_batch": first_cpu,
        "worker_cpu_ms_per_request_last_batch": last_cpu,
        "cpu_flatness": round(last_cpu / first_cpu, 3) if len(batches) > 1 and first_cpu and last_cpu else None,
        "queue_api_first_page_s": percentiles(r.first_page_s or 0.0 for r in reads),
        "queue_api_all_pages_s": percentiles(r.total_s for r in reads),
        "queue_paged": check.paged,
        "queue_pages": check.pages,
        "queue_listed": len(listed),
        "queue_missing": len(missing),
        "queue_missing_sample": missing[:5],
        "queue_duplicated": len(duplicated),
        "queue_ordered": ordered,
        "queue_command_s": percentiles(command_runs),
        "queue_command_listed": command_count,
        "case_api_s": percentiles(show_api),
        "case_command_s": percentiles(show_cmd),
        "action_s": percentiles(action_times),
        "failures": failures[:20],
    }


# --- the run ----------------------------------------------------------------------------------------


def sticky_cache() -> dict[str, Any]:
    """The worker's sticky cache: ``WORKER_MAX_CACHED_WORKFLOWS`` as the worker reads it (its setting)."""
    from runtime.config import Settings

    return {"max_cached_workflows": Settings().max_cached_workflows,
            "source": "WORKER_MAX_CACHED_WORKFLOWS (runtime.config; 1000 unless set)"}


def top_functions(path: Path, count: int = 25) -> dict[str, Any]:
    """The worker's profile (CPU seconds per function): the most expensive by own time, and the project's
    own functions (not the venv's) by cumulative time, which says which step the time is spent under."""
    stats = pstats.Stats(str(path))
    rows = []
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = 0.0
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in entries.items():
        total += tottime
        shown = filename
        if filename.startswith(str(PROJECT_ROOT)):
            shown = filename[len(str(PROJECT_ROOT)) + 1:]
        rows.append({"function": f"{shown}:{line}({name})", "ours": _ours(filename), "calls": calls,
                     "tottime_s": round(tottime, 3), "cumtime_s": round(cumtime, 3)})
    libraries: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _calls, tottime, _cumtime, _callers) in entries.items():
        libraries[_library(filename)] += tottime
    return {
        "total_cpu_s": round(total, 2),
        "by_library": {name: round(seconds, 2) for name, seconds in
                       sorted(libraries.items(), key=lambda item: item[1], reverse=True)[:count]},
        "own": sorted(rows, key=lambda r: r["tottime_s"], reverse=True)[:count],
        "ours": sorted((r for r in rows if r["ours"]), key=lambda r: r["cumtime_s"], reverse=True)[:count],
    }


def _library(filename: str) -> str:
    """Where a function's own time is spent: a package of the venv, of the standard library, of the project
    (builtins are ``~``, counted apart: their caller is not in the statistics' key)."""
    if filename.startswith("~"):
        return "(builtins)"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if _ours(filename):
        return "project: " + filename[len(str(PROJECT_ROOT)) + 1:].split("/", 1)[0].removesuffix(".py")
    if "/lib/python3" in filename:
        return "stdlib: " + filename.split("/lib/python3", 1)[1].split("/", 2)[1].removesuffix(".py")
    return "(other)"


def _ours(filename: str) -> bool:
    return filename.startswith(str(PROJECT_ROOT)) and "/.venv/" not in filename and "site-packages" not in filename


def goal(name: str, value: Any, target: str, ok: bool | None) -> dict[str, Any]:
    return {"goal": name, "value": value, "target": target, "pass": ok}


def goals(report: dict[str, Any]) -> list[dict[str, Any]]:
    real, skeleton, ratios = report["real"], report["skeleton"], report["ratios"]
    out = [
        goal("every request reached its scripted end", f"{real['ended']} / skeleton {skeleton['ended']}",
             "published or denied", not real["errors"] and not skeleton["errors"]),
        goal("throughput vs skeleton", ratios["throughput"], f">= {GOAL_THROUGHPUT}",
             ratios["throughput"] is not None and ratios["throughput"] >= GOAL_THROUGHPUT),
        goal("p95 submit->queue vs skeleton", ratios["submit_to_queue_p95"], f"<= {GOAL_P95_RATIO}x",
             ratios["submit_to_queue_p95"] is not None and ratios["submit_to_queue_p95"] <= GOAL_P95_RATIO),
        goal("p95 reviewer action vs skeleton", ratios["action_p95"], f"<= {GOAL_P95_RATIO}x",
             ratios["action_p95"] is not None and ratios["action_p95"] <= GOAL_P95_RATIO),
    ]
    full = [v["events"]["max"] for p, v in real["history_events"].items()]
    out.append(goal("history events, longest path", max(full) if full else None, f"<= {GOAL_HISTORY}",
                    bool(full) and max(full) <= GOAL_HISTORY))
    scale = report.get("open")
    if scale:
        n = scale["open_cases"]
        out += [
            goal(f"CPU per request flat, first batch -> {n} open", scale["cpu_flatness"], f"<= {GOAL_CPU_FLAT}x",
                 None if scale["cpu_flatness"] is None else scale["cpu_flatness"] <= GOAL_CPU_FLAT),
            goal(f"queue p95 through the API at {n} open (a page)", scale["queue_api_first_page_s"]["p95"],
                 f"<= {GOAL_QUEUE_API} s", _under(scale["queue_api_first_page_s"]["p95"], GOAL_QUEUE_API)),
            goal(f"queue p95 through `ndtf queue` at {n} open", scale["queue_command_s"]["p95"],
                 f"<= {GOAL_QUEUE_CMD} s", _under(scale["queue_command_s"]["p95"], GOAL_QUEUE_CMD)),
            goal("queue complete, each case once, oldest deadline first",
                 f"missing {scale['queue_missing']}, duplicated {scale['queue_duplicated']}, "
                 f"ordered {scale['queue_ordered']}, paged {scale['queue_paged']}",
                 "0, 0, True, True",
                 scale["queue_missing"] == 0 and scale["queue_duplicated"] == 0 and scale["queue_ordered"]
                 and scale["queue_paged"]),
        ]
    return out


def _under(value: Any, limit: float) -> bool:
    return value is not None and value <= limit


def _ratio(a: Any, b: Any) -> float | None:
    return round(a / b, 3) if a is not None and b else None


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from runtime.client import connect
    from runtime.codec import new_key
    from runtime.config import Settings
    from runtime.credentials import read_store

    workdir = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    stack = Stack(workdir, postgres=args.postgres, profile=args.profile)
    stack.payload_key = new_key()
    report: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m benchmarks.e2e_bench " + " ".join(sys.argv[1:]),
        "cpus": os.cpu_count(),
        "database": "postgresql" if args.postgres else "sqlite",
        "requests": args.requests,
        "seed": args.seed,
        "sticky_cache": sticky_cache(),
        "workdir": str(workdir),
    }
    log = _say(args.quiet)
    try:
        loaded = await stack.prepare_database()
        log(f"registry {report['database']}: migrated, {len(loaded)} reference lists")
        await stack.issue_credentials()
        stack.apply_to_this_process()
        stack.start_temporal()
        log(f"temporal dev server on {stack.temporal_address} ({workdir / 'temporal.db'})")
        stack.start_smtp()
        worker = stack.start_worker()
        api_child = stack.start_api()
        skeleton_worker, skeleton_api_child = stack.start_skeleton()
        await stack.wait_http(api_child, stack.api_url + "/openapi.json")
        await stack.wait_pollers(worker, REAL_QUEUE)
        await stack.wait_http(skeleton_api_child, stack.skeleton_url + "/openapi.json")
        await stack.wait_pollers(skeleton_worker, SKELETON_QUEUE)
        log(f"worker pid {worker.pid}, API {stack.api_url}")
        tokens = read_store(stack.credentials_store)
        config = dataclasses.replace(Settings(), temporal_address=stack.temporal_address, task_queue=REAL_QUEUE,
                                     payload_key=stack.payload_key)
        client = await connect(config)
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
        async with httpx.AsyncClient(timeout=httpx.Timeout(300, pool=None), limits=limits) as http:
            real_api = Api(http, stack.api_url, tokens)

            # Warm-up (not counted): the worker's first workflow tasks import and compile the sandbox.
            if args.warmup:
                await run_burst(real_api, worker, generate(args.warmup, seed=args.seed + 99, tag="WARM"))
            log(f"real: {args.requests} requests submitted at once…")
            requests = generate(args.requests, seed=args.seed, tag="REAL")
            assert stack.server is not None
            before = await started_workflows(client, REAL_STARTED, REAL_QUEUE)
            traces, real = await run_burst(real_api, worker, requests,
                                           others={"api": api_child.pid, "temporal": stack.server.process.pid})
            real["started_per_request"] = await started_per_request(
                client, REAL_STARTED, REAL_QUEUE, before, len(requests))
            from benchmarks.e2e_history import TwinReader
            from models.ids import workflow_id_for

            reader = TwinReader(client)
            real["history_events"], scripts = await histories(client, traces, workflow_id_for, reader)
            real["twins_read_from"] = reader.read_from
            report["real"] = real
            log(_line("real", real))

            # The skeleton: the same requests, each on the script of the path its real twin took.
            stack.scripts_file.write_text(json.dumps(scripts), encoding="utf-8")
            skeleton_api = Api(http, stack.skeleton_url, {})
            twins = [t for t in traces if t.path_key in scripts]
            mirrored = [dataclasses.replace(r, body={**r.body, "ncb_reference": r.body["ncb_reference"].replace(
                "REAL", "SKEL")}) for r in requests]
            by_index = {r.index: r for r in mirrored}
            warm_twins = twins[:args.warmup]
            await run_burst(skeleton_api, skeleton_worker, [dataclasses.replace(by_index[t.index], body={
                **by_index[t.index].body, "ncb_reference": by_index[t.index].body["ncb_reference"] + "W"})
                for t in warm_twins], [t.path_key for t in warm_twins])
            log(f"skeleton: {len(twins)} requests submitted at once…")
            before = await started_workflows(client, SKELETON_STARTED, SKELETON_QUEUE)
            skeleton_traces, skeleton = await run_burst(
                skeleton_api, skeleton_worker, [by_index[t.index] for t in twins], [t.path_key for t in twins],
                others={"api": skeleton_api_child.pid, "temporal": stack.server.process.pid})
            skeleton["started_per_request"] = await started_per_request(
                client, SKELETON_STARTED, SKELETON_QUEUE, before, len(twins))
            from benchmarks.skeleton_service import workflow_id as skeleton_workflow_id

            skeleton["history_events"], _ = await histories(client, skeleton_traces, skeleton_workflow_id)
            skeleton["worker_memory"] = skeleton_worker.memory_kib()
            report["skeleton"] = skeleton
            log(_line("skeleton", skeleton))
            skeleton_api_child.stop()
            skeleton_worker.stop()
            report["ratios"] = {
                "throughput": _ratio(real["throughput_rps"], skeleton["throughput_rps"]),
                "submit_to_queue_p95": _ratio(real["submit_to_queue_s"]["p95"], skeleton["submit_to_queue_s"]["p95"]),
                "action_p95": _ratio(real["any_action_s"]["p95"], skeleton["any_action_s"]["p95"]),
                "worker_cpu_per_request": _ratio(real["worker_cpu_ms_per_request"],
                                                 skeleton["worker_cpu_ms_per_request"]),
                "actions_p95": {
                    name: _ratio(value["p95"], skeleton["actions_s"].get(name, {}).get("p95"))
                    for name, value in real["actions_s"].items()
                },
            }

            report["worker_memory_after_burst"] = worker.memory_kib()
            # the stack's processes run without PYTHONDONTWRITEBYTECODE (service_environ): the worker wrote it
            report["bytecode_written"] = any((PROJECT_ROOT / "workflows" / "__pycache__").glob("*.pyc"))
            if args.open_cases:
                log(f"open cases: {args.open_cases} left waiting on reviewers, in batches of {args.batch}…")
                report["open"] = await run_open_cases(
                    real_api, stack, worker, args.open_cases, min(args.batch, args.open_cases), args.seed,
                    args.samples)
            report["worker_memory"] = worker.memory_kib()
        if args.profile:
            worker.stop(60)
            if stack.profile_out.exists():
                report["profile"] = top_functions(stack.profile_out)
        report["goals"] = goals(report)
    finally:
        stack.stop()
        try:
            await stack.drop_database()
        except Exception as error:  # noqa: BLE001 - say so, the figures stand
            print(f"could not drop the benchmark's database: {error}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return report


def _say(quiet: bool) -> Callable[[str], None]:
    def say(text: str) -> None:
        if not quiet:
            print(f"[{datetime.now().strftime('%H:%M:%S')}] {text}", flush=True)

    return say


def _line(name: str, part: dict[str, Any]) -> str:
    return (f"{name}: {part['throughput_rps']} req/s, submit->queue p95 {part['submit_to_queue_s']['p95']} s, "
            f"action p95 {part['any_action_s']['p95']} s, worker CPU {part['worker_cpu_ms_per_request']} ms/request, "
            f"ended {part['ended']}")


def render(report: dict[str, Any]) -> str:
    real, skeleton, ratios = report["real"], report["skeleton"], report["ratios"]
    lines = [
        f"End-to-end benchmark, {report['date']}, {report['cpus']} CPUs, registry {report['database']}, "
        f"{report['requests']} requests (seed {report['seed']})",
        "",
        f"{'':34}{'real':>14}{'skeleton':>14}{'ratio':>10}",
    ]

    def row(label: str, a: Any, b: Any, ratio: Any) -> None:
        lines.append(f"{label:34}{_fmt(a):>14}{_fmt(b):>14}{_fmt(ratio):>10}")

    row("requests/s", real["throughput_rps"], skeleton["throughput_rps"], ratios["throughput"])
    for key in ("p50", "p95"):
        row(f"submit -> in queue {key} (s)", real["submit_to_queue_s"][key], skeleton["submit_to_queue_s"][key],
            _ratio(real["submit_to_queue_s"][key], skeleton["submit_to_queue_s"][key]))
    row("submit answered p95 (s)", real["submit_answer_s"]["p95"], skeleton["submit_answer_s"]["p95"], None)
    for name, value in real["actions_s"].items():
        other = skeleton["actions_s"].get(name, {})
        for key in ("p50", "p95"):
            row(f"{name} {key} (s)", value[key], other.get(key), _ratio(value[key], other.get(key)))
    row("worker CPU per request (ms)", real["worker_cpu_ms_per_request"], skeleton["worker_cpu_ms_per_request"],
        ratios["worker_cpu_per_request"])
    for name, value in real.get("other_cpu_ms_per_request", {}).items():
        other = skeleton.get("other_cpu_ms_per_request", {}).get(name)
        row(f"{name} CPU per request (ms)", value, other, _ratio(value, other))
    row("API 5xx (answers not awaited)", real.get("api_5xx"), skeleton.get("api_5xx"), None)
    for label, value, other in zip(("deliveries started per request", "notices started per request"),
                                   real.get("started_per_request", {}).values(),
                                   skeleton.get("started_per_request", {}).values(), strict=False):
        row(label, value, other, None)
    lines.append("")
    lines.append("history events per path (median; min-max), activities, timers, updates:")
    for path, value in sorted(real["history_events"].items()):
        other = skeleton["history_events"].get(path)
        skel = f"; skeleton {other['events']['median']}" if other else ""
        lines.append(f"  {path:8} {value['events']['median']} ({value['events']['min']}-{value['events']['max']}), "
                     f"{value['activities']} activities, {value['timers']} timers, {value['updates']} updates{skel}")
    lines.append(f"paths taken: {real['paths']}; ended: {real['ended']}")
    scale = report.get("open")
    if scale:
        lines += [
            "",
            f"open cases: {scale['open_cases']} (batches of {scale['batch']})",
            f"  worker CPU per request: {scale['worker_cpu_ms_per_request_first_batch']} ms (first batch) -> "
            f"{scale['worker_cpu_ms_per_request_last_batch']} ms (last), flatness {scale['cpu_flatness']}",
            f"  queue via API: a page p50/p95 {scale['queue_api_first_page_s']['p50']}/"
            f"{scale['queue_api_first_page_s']['p95']} s, every page p95 {scale['queue_api_all_pages_s']['p95']} s "
            f"({scale['queue_pages']} pages, paged {scale['queue_paged']})",
            f"  `ndtf queue`: p50/p95 {scale['queue_command_s']['p50']}/{scale['queue_command_s']['p95']} s "
            f"({scale['queue_command_listed']} listed)",
            f"  case via API p95 {scale['case_api_s']['p95']} s, `ndtf show` p95 {scale['case_command_s']['p95']} s, "
            f"reviewer action p95 {scale['action_s']['p95']} s",
            f"  queue: {scale['queue_listed']} listed, {scale['queue_missing']} missing, "
            f"{scale['queue_duplicated']} duplicated, ordered {scale['queue_ordered']}",
        ]
    memory = report.get("worker_memory", {})
    before = report.get("worker_memory_after_burst", {})
    lines.append(f"worker memory: RSS {before.get('rss_kib', 0) // 1024} MiB after the burst, "
                 f"{memory.get('rss_kib', 0) // 1024} MiB at the end; peak RSS "
                 f"{memory.get('peak_rss_kib', 0) // 1024} MiB; sticky cache "
                 f"{report['sticky_cache']['max_cached_workflows']} ({report['sticky_cache']['source']})")
    if report.get("profile"):
        profile = report["profile"]
        lines += ["", f"worker profile (cProfile on each thread's CPU clock; {profile['total_cpu_s']} s of CPU), "
                      "top functions by own time:"]
        for entry in profile["own"][:20]:
            lines.append(f"  {entry['tottime_s']:>8.2f}s own {entry['cumtime_s']:>8.2f}s cum {entry['calls']:>9} "
                         f"calls  {entry['function']}")
        lines += ["own time by library:"]
        for name, seconds in list(profile["by_library"].items())[:15]:
            lines.append(f"  {seconds:>8.2f}s  {name}")
        lines += ["the project's own functions by cumulative time (an async function's includes what ran while it "
                  "awaited):"]
        for entry in profile["ours"][:20]:
            lines.append(f"  {entry['tottime_s']:>8.2f}s own {entry['cumtime_s']:>8.2f}s cum {entry['calls']:>9} "
                         f"calls  {entry['function']}")
    lines += ["", "goals:"]
    for entry in report["goals"]:
        verdict = {True: "PASS", False: "FAIL", None: "n/a "}[entry["pass"]]
        lines.append(f"  {verdict}  {entry['goal']}: {_fmt(entry['value'])} (goal {entry['target']})")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500, help="requests driven end to end (default 500)")
    parser.add_argument("--open-cases", type=int, default=1000,
                        help="cases left waiting on reviewers for the scale phase (default 1000; 0 skips it)")
    parser.add_argument("--batch", type=int, default=100, help="open cases submitted per batch (default 100)")
    parser.add_argument("--samples", type=int, default=20, help="timed reads per figure in the scale phase")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--warmup", type=int, default=3,
                        help="requests driven through each system before it is measured (default 3)")
    parser.add_argument("--postgres", action="store_true",
                        help="the registry in a fresh PostgreSQL database (BENCH_POSTGRES_URL, default 127.0.0.1:5432)")
    parser.add_argument("--profile", action="store_true", help="run the worker under cProfile; print where time goes")
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--keep", action="store_true", help="keep the run's directory (logs, databases)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # stop what was started, as on Ctrl-C
    code = 0
    try:
        report = asyncio.run(run(args))
        print(render(report), flush=True)
        if args.json:
            args.json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
        if args.strict and any(entry["pass"] is False for entry in report["goals"]):
            code = 1
    except StackError as error:
        print(f"the benchmark's stack failed: {error}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        code = 130
    except Exception:  # noqa: BLE001 - report, then leave without the interpreter's teardown
        import traceback

        traceback.print_exc()
        code = 2
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # temporalio/sdk-python#300: a process that used a Temporal client can abort at exit



if __name__ == "__main__":
    main()
