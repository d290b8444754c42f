"""Drives each request of the population through its script, over the HTTP API with NCB and reviewer
credentials, as patient clients would: a call whose answer was lost (the API killed under it, Temporal or
the database away) is sent again only once the case shows it did not take effect.

Waiting reads the registry's projection of the cases (``requests.stage``, one query a second for the
whole population) rather than asking the API about each case in a loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg

from admin.api_client import ReviewerApi
from chaos.population import AMENDMENTS, Path_, Planned
from models.case import DecisionOutcome, Verdict
from models.ids import notice_id_for, request_id_for
from runtime.cli import ApiFailure, ApiTimeout, ApiUnreachable
from runtime.errors import ActionRefused, UnknownCase
from starter.api_client import NcbApi

T = TypeVar("T")
SCREENING = frozenset({None, "registered", "initial_screening"})
TRANSIENT = (ApiUnreachable, ApiTimeout, ApiFailure, UnknownCase)
"""What a patient client tries again: no answer, a server error or a rate limit, Temporal unavailable,
or a case not found yet (its workflow not started when the API was killed under the submission)."""
LAWYER, SUPERVISOR, OTHER_SUPERVISOR, POLICE = "legal.ana", "sup.dana", "sup.hiro", "police.ben"


class Board:
    """Every request's stage and screening round, read from the registry once a second."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.rows: dict[str, tuple[str, int]] = {}
        self._task: asyncio.Task[None] | None = None
        self.changed = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._refresh_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def refresh(self) -> None:
        connection = await asyncpg.connect(self.dsn, timeout=10)
        try:
            rows = await connection.fetch("SELECT request_id, stage, screening_round FROM requests")
        finally:
            await connection.close()
        self.rows = {row["request_id"]: (row["stage"], row["screening_round"]) for row in rows}
        self.changed.set()
        self.changed = asyncio.Event()

    async def _refresh_forever(self) -> None:
        while True:
            try:
                await self.refresh()
            except (OSError, asyncpg.PostgresError):
                pass
            await asyncio.sleep(1.0)

    def stage(self, request_id: str) -> str | None:
        row = self.rows.get(request_id)
        return row[0] if row else None

    def round(self, request_id: str) -> int:
        row = self.rows.get(request_id)
        return row[1] if row else 0

    async def until(self, request_id: str, done: Callable[[str | None], bool], seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not done(self.stage(request_id)):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                await asyncio.wait_for(self.changed.wait(), timeout=min(left, 2.0))
            except TimeoutError:
                pass
        return True


@dataclass
class Trace:
    """What happened to one request on the client's side."""

    planned: Planned
    request_id: str = ""
    submissions: int = 0
    created: int = 0
    retries: int = 0
    error: str | None = None
    done_at: float | None = None
    steps: list[str] = field(default_factory=list)


class Stuck(Exception):
    """A step that did not take effect in time."""


class Driver:
    def __init__(self, api_url: str, tokens: dict[str, str], board: Board, step_timeout: float) -> None:
        self.api_url = api_url
        self.tokens = tokens
        self.board = board
        self.step_timeout = step_timeout
        self._ncb: dict[str, NcbApi] = {}
        self._reviewers: dict[str, ReviewerApi] = {}
        self.calls = 0

    def ncb(self, code: str) -> NcbApi:
        if code not in self._ncb:
            self._ncb[code] = NcbApi(self.tokens[f"ncb:{code}"], self.api_url, timeout=30)
        return self._ncb[code]

    def reviewer(self, reviewer_id: str) -> ReviewerApi:
        if reviewer_id not in self._reviewers:
            self._reviewers[reviewer_id] = ReviewerApi(self.tokens[f"reviewer:{reviewer_id}"], self.api_url, timeout=30)
        return self._reviewers[reviewer_id]

    def administrator(self) -> ReviewerApi:
        return self.reviewer("admin") if "reviewer:admin" in self.tokens else ReviewerApi(
            self.tokens["admin"], self.api_url, timeout=60
        )

    def close(self) -> None:
        for client in [*self._ncb.values(), *self._reviewers.values()]:
            client.close()

    async def _call(self, trace: Trace, call: Callable[[], T]) -> T:
        """One call, tried again while the service cannot answer (bounded by the step's timeout)."""
        deadline = time.monotonic() + self.step_timeout
        pause = 0.5
        while True:
            self.calls += 1
            try:
                return await asyncio.to_thread(call)
            except TRANSIENT:
                if time.monotonic() > deadline:
                    raise
                trace.retries += 1
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    async def submit(self, trace: Trace) -> None:
        """Submit (a submission may be sent again: the API answers the request it already started)."""
        api = self.ncb(trace.planned.ncb)
        trace.request_id = request_id_for(trace.planned.ncb, trace.planned.request["ncb_reference"])

        def once() -> Any:
            trace.submissions += 1
            return api.submit(trace.planned.request)

        submission = await self._call(trace, once)
        assert submission.request_id == trace.request_id, (submission.request_id, trace.request_id)
        trace.created += int(submission.created)
        trace.steps.append("submitted")

    async def wait(self, trace: Trace, done: Callable[[str | None], bool], what: str) -> str:
        if not await self.board.until(trace.request_id, done, self.step_timeout):
            raise Stuck(f"{what}: still {self.board.stage(trace.request_id)}")
        stage = self.board.stage(trace.request_id) or ""
        trace.steps.append(stage)
        return stage

    async def act(
        self, trace: Trace, call: Callable[[], object], done: Callable[[str | None], bool], what: str
    ) -> None:
        """An action sent once, and again only if the case does not show it (its answer may have been
        lost); a refusal is read the same way: perhaps the first attempt went through."""
        deadline = time.monotonic() + self.step_timeout
        refusals = 0
        while not done(self.board.stage(trace.request_id)):
            if time.monotonic() > deadline:
                raise Stuck(f"{what}: still {self.board.stage(trace.request_id)}")
            try:
                self.calls += 1
                await asyncio.to_thread(call)
            except TRANSIENT:
                trace.retries += 1
                await self.board.until(trace.request_id, done, 3)
                continue
            except ActionRefused as refused:
                refusals += 1
                if await self.board.until(trace.request_id, done, 15):
                    break
                if refusals >= 5:
                    raise Stuck(f"{what}: refused {refused.kind}: {refused}") from None
                continue
            if not await self.board.until(trace.request_id, done, self.step_timeout):
                raise Stuck(f"{what}: accepted, but still {self.board.stage(trace.request_id)}")
        trace.steps.append(what)

    # --- the scripts ----------------------------------------------------------------------------------

    async def to_legal_assessment(self, trace: Trace) -> None:
        """A clean case is in legal assessment; one screening sent to detailed review is concluded first."""
        rid = trace.request_id
        if self.board.stage(rid) == "detailed_review":
            await self.act(trace, lambda: self.reviewer(POLICE).conclude_review(rid, "Reviewed: nothing stands in "
                           "the way of the assessment."), lambda s: s != "detailed_review", "review concluded")
        await self.wait(trace, lambda s: s == "legal_assessment", "legal assessment")

    async def assess_and_decide(self, trace: Trace, approve: bool) -> None:
        rid = trace.request_id
        verdict = Verdict.COMPLIANT if approve else Verdict.NON_COMPLIANT
        await self.act(trace, lambda: self.reviewer(LAWYER).assess(rid, verdict, "Assessed against the RPD and "
                       "Articles 2 and 3."), lambda s: s not in ("legal_assessment", None), "assessed")
        outcome = DecisionOutcome.APPROVE if approve else DecisionOutcome.DENY
        final = "published" if approve else "denied"
        await self.act(trace, lambda: self.reviewer(SUPERVISOR).decide(rid, outcome, "Decided on the assessment."),
                       lambda s: s not in ("awaiting_decision", None), "decided")
        await self.wait(trace, lambda s: s == final, final)

    async def run(self, trace: Trace) -> None:
        planned = trace.planned
        await self.submit(trace)
        rid = trace.request_id
        await self.wait(trace, lambda s: s not in SCREENING, "screened")
        path = planned.path
        if path in (Path_.CLARIFICATION_ANSWERED, Path_.CLARIFICATION_MISSED):
            await self.wait(trace, lambda s: s == "awaiting_clarification", "awaiting clarification")
            if path is Path_.CLARIFICATION_MISSED:
                return
            rounds = self.board.round(rid)
            await self.act(
                trace, lambda: self.ncb(planned.ncb).reply(rid, "Warrant and sentence details attached.", AMENDMENTS),
                lambda s: s not in ("awaiting_clarification", None) or self.board.round(rid) > rounds, "answered",
            )
            await self.wait(trace, lambda s: s not in SCREENING and s != "awaiting_clarification", "screened again")
        if path is Path_.HELD:
            await self.wait(trace, lambda s: s == "detailed_review", "held for review")
            await self.act(trace, lambda: self.reviewer(POLICE).conclude_review(rid, "Reviewed: the assessment "
                           "decides."), lambda s: s != "detailed_review", "review concluded")
            await self.wait(trace, lambda s: s == "legal_assessment", "legal assessment")
            await self.assess_and_decide(trace, approve=False)
            return
        await self.to_legal_assessment(trace)
        if path is Path_.WITHDRAWN:
            await self.act(trace, lambda: self.ncb(planned.ncb).withdraw(rid, "Subject located and arrested."),
                           lambda s: s == "withdrawn", "withdrawn")
            return
        await self.assess_and_decide(trace, approve=path is not Path_.DENIED)
        if path in (Path_.CLEAN, Path_.CLARIFICATION_ANSWERED, Path_.DENIED):
            return
        notice = notice_id_for(rid)
        if path is Path_.CANCELLED:
            await self.act(trace, lambda: self.reviewer(OTHER_SUPERVISOR).cancel(notice, "Cancelled by the NDTF."),
                           lambda s: s == "cancelled", "cancelled")
            return
        await self.act(trace, lambda: self.reviewer(LAWYER).block(notice, "Blocked pending a complaint."),
                       lambda s: s == "blocked", "blocked")
        if path is Path_.UNBLOCKED:
            await self.act(trace, lambda: self.reviewer(SUPERVISOR).unblock(notice, "Complaint dismissed."),
                           lambda s: s == "published", "unblocked")

    async def drive(self, trace: Trace) -> Trace:
        try:
            await self.run(trace)
        except Stuck as stuck:
            trace.error = str(stuck)
        except Exception as error:  # noqa: BLE001 - one request's failure is reported, the others go on
            trace.error = f"{type(error).__name__}: {error}"
        trace.done_at = time.monotonic()
        return trace
