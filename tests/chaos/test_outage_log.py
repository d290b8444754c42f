"""What the worker's log says while the database is away: which activity fails, for which request, that
the database is what fails and that Temporal retries it; never the subject's name."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from temporalio.testing import WorkflowEnvironment

from chaos.stack import DbGate
from devstack.devserver import free_port
from devstack.local_stack import prepare_database
from models.case import ReviewStage
from registry.database import Database
from runtime.config import Settings
from starter.client import NcbClient
from tests.data.conftest import postgres_database
from tests.workflows.conftest import example
from worker import build_worker, interceptors_from_env, parse_kill_points

SCREENING = {ReviewStage.REGISTERED, ReviewStage.INITIAL_SCREENING}


@pytest.mark.postgres
@pytest.mark.devserver
async def test_during_a_database_outage_the_worker_log_names_the_request_and_the_retry_not_the_person(
    dev_env: WorkflowEnvironment, task_queue: str, caplog: pytest.LogCaptureFixture
) -> None:
    request = example("red-notice-fraud.json")
    request = request.model_copy(update={"ncb_reference": f"FR-OUTAGE-{task_queue[-8:]}"})
    async with postgres_database() as url:
        await prepare_database(url)
        target = make_url(url)
        gate = DbGate(target.host or "127.0.0.1", target.port or 5432, free_port())
        service_url = target.set(host="127.0.0.1", port=gate.port).render_as_string(hide_password=False)
        db = Database.from_url(service_url)
        config = dataclasses.replace(Settings(), database_url=service_url, task_queue=task_queue,
                                     smtp_port=free_port())
        caplog.set_level(logging.INFO)
        try:
            async with build_worker(dev_env.client, db, config, task_queue, interceptors_from_env()):
                ncb = NcbClient(dev_env.client, "FR", task_queue)
                submitted = await ncb.submit(request)  # the database is down: the gate is not open yet
                rid = submitted.request_id

                def retry_lines() -> list[str]:
                    return [r.getMessage() for r in caplog.records if r.name == "notice.worker.retry"]

                for _ in range(300):  # down until the retry of the retry, so each attempt is seen saying so
                    if any(rid in line and "attempt 2" in line for line in retry_lines()):
                        break
                    await asyncio.sleep(0.1)
                await gate.open()
                stage = ReviewStage.REGISTERED
                for _ in range(900):
                    stage = (await ncb.status(rid)).stage
                    if stage not in SCREENING:
                        break
                    await asyncio.sleep(0.1)
        finally:
            await gate.cut()
            await db.dispose()

    assert stage is ReviewStage.LEGAL_ASSESSMENT, "registered and screened once the database was back"
    lines = [line for line in retry_lines() if rid in line]
    assert lines, "\n".join(retry_lines())
    assert re.fullmatch(
        rf"register_request for request {rid} failed on attempt 1: the database is failing \(\w+\); "
        "Temporal retries it", lines[0]
    ), lines[0]
    assert any("attempt 2" in line for line in lines), "each attempt says so"
    everything = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    for personal in (request.subject.family_name, request.subject.forenames or "Lucien", "MARKETTI", "19FR88213"):
        assert personal not in everything, personal


def test_the_fault_hook_is_off_unless_the_harness_arms_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTICE_FAULT_KILL", raising=False)
    assert [type(i).__name__ for i in interceptors_from_env()] == ["OutageLog"]
    monkeypatch.setenv("NOTICE_FAULT_KILL", "register_request@2:after,screen_request@1")
    assert [type(i).__name__ for i in interceptors_from_env()] == ["OutageLog", "FaultInjection"]
    points = parse_kill_points("register_request@2:after,screen_request@1")
    assert [(p.activity, p.call, p.after) for p in points] == [("register_request", 2, True),
                                                               ("screen_request", 1, False)]
    with pytest.raises(ValueError, match="ACTIVITY@N"):
        parse_kill_points("register_request:2")


async def test_a_database_error_does_not_quote_the_statements_parameters(tmp_path: Path) -> None:
    """The SDK logs a failed activity with its traceback: the error's text must not carry a name."""
    from sqlalchemy import text

    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'errors.db'}")
    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE people (name TEXT UNIQUE)"))
        with pytest.raises(Exception) as raised:  # noqa: PT011 - whichever error the driver gives
            async with db.transaction() as session:
                for _ in range(2):
                    await session.execute(text("INSERT INTO people (name) VALUES (:name)"), {"name": "MARCHETTI"})
    finally:
        await db.dispose()
    assert "UNIQUE" in str(raised.value) and "MARCHETTI" not in str(raised.value), str(raised.value)
