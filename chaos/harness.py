"""One run of the harness: start the stack, drive the population while the faults are inflicted, restore
everything, check, and sum it up in one line."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from temporalio.client import Client

from chaos.checks import Findings, mail_checks, registry_checks, temporal_checks
from chaos.driver import Board, Driver, Trace
from chaos.population import SHORT_MIX, Path_, population, scaled
from chaos.stack import ChaosStack, Proc

log = logging.getLogger("chaos")

ACTIVITY_FAULTS = {
    # the names -> the activity killed inside, after its work is committed (the completion is lost:
    # Temporal runs it again, and it must not do its work twice) or before it (nothing done yet)
    "register": ("register_request", "after"),
    "screen": ("screen_request", "after"),
    "record event": ("record_case_event", "after"),
    "publish": ("publish_notice", "after"),
    "dispatch": ("send_messages", "after"),
    "deliver mail": ("deliver_message", "after"),
    "audit": ("change_notice_status", "after"),
    "start notice lifetime": ("start_notice_lifetime", "before"),
}
FAULT_KINDS = (
    "worker killed", "worker killed while cases wait", "dev server killed", "database stopped", "mail server stopped",
    "API killed", *(f"worker killed in {name}" for name in ACTIVITY_FAULTS),
)


@dataclass(frozen=True)
class Profile:
    name: str
    requests: int
    cycles: int = 1
    """Rounds of the fault schedule (each has every kind of fault once)."""
    outage: float = 8.0
    """Seconds the database and the mail server stay away."""
    devserver_down: float = 3.0
    spread: float = 0.0
    """Seconds over which the submissions are spread (0: all at once)."""
    step_timeout: float = 420.0
    faults: bool = True
    expedite: bool = False
    """Shorten the timeout of activities lost with a killed worker (an operator's shortcut), so a short run
    does not wait out screening's five minutes each time."""
    mail_settle: float = 300.0
    kill_on_call: int = 3
    """A worker kills itself in an activity's 1st to Nth call (1: every kind surely happens, even in a short run)."""
    mix: dict[Path_, int] = field(default_factory=lambda: dict(SHORT_MIX))


def profile_named(name: str) -> Profile:
    if name == "short":
        return Profile("short", 24, expedite=True, kill_on_call=1)
    if name == "long":
        return Profile("long", 200, cycles=4, outage=20.0, devserver_down=5.0, spread=150.0, step_timeout=900.0,
                       mix=scaled(SHORT_MIX, 200))
    raise ValueError(f"no profile {name!r}: short or long")


def load_profile(requests: int) -> Profile:
    """``requests`` submitted at once and driven to their decisions (half approved, half denied), no faults."""
    half = requests // 2
    return Profile(f"load {requests}", requests, faults=False, step_timeout=1800.0,
                   mix={Path_.CLEAN: requests - half, Path_.DENIED: half})


@dataclass
class Report:
    profile: str
    seed: int
    faults: Counter[str]
    findings: Findings
    seconds: float
    traces: list[Trace]
    missing_faults: list[str]
    calls: int = 0
    retries: int = 0
    expedited: int = 0
    driving_started: float = 0.0
    events: list[str] = field(default_factory=list)

    def durations(self) -> list[float]:
        """Seconds from the start of the submissions to each script's end (the load's latency)."""
        return sorted(t.done_at - self.driving_started for t in self.traces if t.done_at is not None)

    @property
    def ok(self) -> bool:
        return self.findings.ok and not self.missing_faults

    def line(self) -> str:
        f = self.findings
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.faults.items()))
        return (
            f"chaos {self.profile} (seed {self.seed}): faults inflicted {sum(self.faults.values())}"
            f"{f' ({kinds})' if kinds else ''}; requests {f.requests}, lost {len(f.lost)}, duplicated "
            f"{len(f.duplicated)}, stuck {len(f.stuck)} (+ {f.resends} mail resends recognised by Message-ID, "
            f"{f.mails} mails); workflow task failures {len(f.task_failures)}; audit chain "
            f"{'verifies' if f.audit_ok else 'BROKEN'} ({f.audit_entries} entries); {self.seconds:.0f} s"
            + (f"; {self.expedited} screenings lost with a worker expedited" if self.expedited else "")
            + f"; {sum(t.submissions for t in self.traces)} submissions sent for {len(self.traces)} requests, "
            f"{sum(t.created for t in self.traces)} started" + self._timing()
        )

    def _timing(self) -> str:
        done = self.durations()
        if not done:
            return ""
        return (f"; scripts done {done[-1]:.0f} s after the first submission (median {done[len(done) // 2]:.0f} s, "
                f"95th percentile {done[int(len(done) * 0.95) - 1 if len(done) > 1 else 0]:.0f} s)")

    def details(self) -> list[str]:
        f = self.findings
        lines = [f"missing fault: {kind}" for kind in self.missing_faults]
        for name, items in (("lost", f.lost), ("duplicated", f.duplicated), ("stuck", f.stuck),
                            ("workflow task failed", f.task_failures)):
            lines += [f"{name}: {item}" for item in items[:30]]
        return lines


class Inflictor:
    """The fault schedule, run beside the drivers."""

    def __init__(self, stack: ChaosStack, profile: Profile, rng: random.Random) -> None:
        self.stack, self.profile, self.rng = stack, profile, rng
        self.tally: Counter[str] = Counter()

    def _count(self, kind: str, detail: str) -> None:
        self.tally[kind] += 1
        self.stack.note(f"FAULT {kind}: {detail}")

    async def pause(self, low: float, high: float) -> None:
        await asyncio.sleep(self.rng.uniform(low, high))

    async def _running(self, procs: list[Proc], seconds: float = 60) -> list[Proc]:
        """The processes of ``procs`` that are up, waiting (bounded) while their supervisor restarts them:
        a fault meant for a running process is not lost to one still in its restart backoff."""
        deadline = time.monotonic() + seconds
        while True:
            up = [p for p in procs if p.supervised is not None and p.supervised.process.poll() is None]
            if up or time.monotonic() >= deadline:
                return up
            await asyncio.sleep(0.5)

    async def kill_api(self) -> None:
        await self._running([self.stack.api])
        pid = self.stack.kill(self.stack.api)
        if pid is not None:
            self._count("API killed", f"pid {pid}")

    async def kill_worker(self) -> None:
        worker = self.rng.choice(await self._running(self.stack.workers) or self.stack.workers)
        pid = self.stack.kill(worker)
        if pid is not None:
            self._count("worker killed", f"{worker.name} pid {pid}")

    async def kill_workers_while_waiting(self) -> None:
        await self._running(self.stack.workers)
        pids = [pid for worker in self.stack.workers if (pid := self.stack.kill(worker)) is not None]
        if pids:
            self._count("worker killed while cases wait", f"every worker, pids {pids}")

    async def stop_database(self) -> None:
        await self.stack.gate.cut()
        self._count("database stopped", f"for {self.profile.outage:g} s")
        await asyncio.sleep(self.profile.outage)
        await self.stack.gate.open()
        self.stack.note("database back")

    async def stop_mail(self) -> None:
        self.stack.stop_smtp()
        self._count("mail server stopped", f"for {self.profile.outage:g} s")
        await asyncio.sleep(self.profile.outage)
        self.stack.start_smtp()
        self.stack.note("mail server back")

    async def kill_devserver(self) -> None:
        await self.stack.kill_devserver()
        self._count("dev server killed", f"SIGKILL, down {self.profile.devserver_down:g} s")
        await asyncio.sleep(self.profile.devserver_down)
        await self.stack.start_devserver()
        self.stack.note("dev server back on its database file")

    async def run(self) -> None:
        for cycle in range(self.profile.cycles):
            await (self.pause(0.5, 1.5) if cycle == 0 else self.pause(3, 8))
            await self.kill_api()  # the first one lands in the burst of submissions
            await self.pause(2, 5)
            await self.kill_worker()
            await self.pause(5, 10)
            await self.stop_database()
            await self.pause(4, 8)
            await self.stop_mail()
            await self.pause(4, 8)
            await self.kill_devserver()
            await self.pause(4, 8)
            await self.kill_workers_while_waiting()
            await self.pause(3, 6)
            await self.kill_api()


async def settle_mail(dsn: str, seconds: float) -> None:
    """Until every queued mail is delivered (its delivery workflow retries with a growing backoff)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        connection = await asyncpg.connect(dsn, timeout=10)
        try:
            pending = await connection.fetchval("SELECT count(*) FROM outbox_deliveries WHERE status != 'delivered'")
        finally:
            await connection.close()
        if not pending:
            return
        await asyncio.sleep(2)


def kill_points(rng: random.Random, last_call: int) -> list[str]:
    """Where the workers kill themselves: each named activity's 1st to ``last_call``th call in a process."""
    return [f"{activity}@{rng.randint(1, last_call)}:{phase}" for activity, phase in ACTIVITY_FAULTS.values()]


async def run(profile: Profile, seed: int, directory: Path, keep: bool = False) -> Report:
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=32))
    rng = random.Random(seed)
    started = time.monotonic()
    stack = ChaosStack(directory, kill_points=kill_points(rng, profile.kill_on_call) if profile.faults else [],
                       api_rate=10_000 if not profile.faults else None, expedite=profile.expedite)
    traces = [Trace(p) for p in population(profile.mix, seed, uuid.uuid4().hex[:6])]
    board = Board(stack.direct_dsn)
    inflictor = Inflictor(stack, profile, rng)
    findings = Findings()
    driver: Driver | None = None
    driving_started = started
    try:
        await stack.start()
        stack.note(f"stack up: Temporal {stack.temporal_address}, API {stack.api_url}, database "
                   f"{stack.database_name} through 127.0.0.1:{stack.gate_port}, mail in {stack.mail_dir}")
        await board.start()
        driver = Driver(stack.api_url, stack.tokens, board, profile.step_timeout)
        driving_started = time.monotonic()

        async def one(trace: Trace) -> Trace:
            if profile.spread:
                await asyncio.sleep(rng.uniform(0, profile.spread))
            assert driver is not None
            return await driver.drive(trace)

        faults = asyncio.create_task(inflictor.run()) if profile.faults else None
        await asyncio.gather(*(one(trace) for trace in traces))
        if faults is not None:
            await faults
        stack.note("every script has run; waiting for the mail to be delivered")
        await settle_mail(stack.direct_dsn, profile.mail_settle)
        stack.note("checking")
        await registry_checks(board.dsn, traces, findings)
        mail_checks(stack.mail_dir, findings)
        audit = await asyncio.to_thread(driver.administrator().verify_audit)
        findings.audit_ok, findings.audit_entries = audit.ok, audit.entries
        client = await Client.connect(stack.temporal_address)
        await temporal_checks(client, traces, findings)
        findings.duplicated += [f"{t.request_id}: started {t.created} times" for t in traces if t.created > 1]
    finally:
        await board.stop()
        if driver is not None:
            driver.close()
        await stack.close(drop=not keep)
    fired = stack.fired()
    tally = Counter(inflictor.tally)
    for name, (activity, _) in ACTIVITY_FAULTS.items():
        if fired[activity]:
            tally[f"worker killed in {name}"] += fired[activity]
    missing = [kind for kind in FAULT_KINDS if not tally[kind]] if profile.faults else []
    report = Report(profile.name, seed, tally, findings, time.monotonic() - started, traces, missing,
                    calls=driver.calls if driver else 0, retries=sum(t.retries for t in traces),
                    events=stack.events, expedited=stack.expedited, driving_started=driving_started)
    (directory / "report.json").write_text(json.dumps({
        "line": report.line(), "details": report.details(), "events": stack.events,
        "requests": [{"request_id": t.request_id, "path": t.planned.path.value, "error": t.error,
                      "seconds": round((t.done_at or started) - started, 1), "submissions": t.submissions,
                      "created": t.created, "retries": t.retries, "steps": t.steps}
                     for t in traces],
    }, indent=2))
    return report
