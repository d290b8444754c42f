"""What the harness checks at the end, from the registry (directly, not through the service), the mail
spool and Temporal: every request where its script leads, nothing twice, the audit chain whole, no
workflow task failing."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import asyncpg
from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.client import Client

from chaos.driver import Trace
from models.ids import workflow_id_for

DUPLICATE_QUERIES: dict[str, str] = {
    "findings": """SELECT request_id, count(*) AS n FROM findings
                   GROUP BY request_id, screening_round, rule_id, field, message HAVING count(*) > 1""",
    "case events": """SELECT request_id, count(*) AS n FROM case_events WHERE action NOT LIKE 'refused:%'
                      GROUP BY request_id, action, stage, detail HAVING count(*) > 1""",
    "audit entries": """SELECT subject_id AS request_id, count(*) AS n FROM audit_log WHERE action NOT LIKE 'refused:%'
                        GROUP BY action, subject_type, subject_id, detail HAVING count(*) > 1""",
    "outbox messages": """SELECT coalesce(request_id, notice_id) AS request_id, count(*) AS n FROM outbox
                          GROUP BY kind, request_id, notice_id, subject, body HAVING count(*) > 1""",
    "notices": """SELECT request_id, count(*) AS n FROM notices GROUP BY request_id HAVING count(*) > 1""",
}
"""Rows that say the same thing twice: one event recorded, one mail queued, one entry audited twice.
(The tables' unique keys already refuse the same key twice; these look for the same content under two.)
A refusal (``refused:decide``) is recorded for each refused call: a client sending again an action whose
answer it lost is refused each time, and each is its own record."""


@dataclass
class Findings:
    requests: int = 0
    lost: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    resends: int = 0
    mails: int = 0
    undelivered: int = 0
    audit_ok: bool = False
    audit_entries: int = 0
    task_failures: list[str] = field(default_factory=list)
    benign_task_failures: int = 0
    workflows: int = 0
    delivered_ids: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.stuck or self.duplicated or self.task_failures) and self.audit_ok


async def registry_checks(dsn: str, traces: list[Trace], result: Findings) -> None:
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        stages = {r["request_id"]: r["stage"] for r in await connection.fetch("SELECT request_id, stage FROM requests")}
        for name, query in DUPLICATE_QUERIES.items():
            for row in await connection.fetch(query):
                result.duplicated.append(f"{name}: {row['request_id']} x{row['n']}")
        deliveries = await connection.fetch("SELECT status, smtp_message_id FROM outbox_deliveries")
    finally:
        await connection.close()
    result.requests = len(traces)
    for trace in traces:
        stage = stages.get(trace.request_id)
        label = f"{trace.request_id or trace.planned.request['ncb_reference']} ({trace.planned.path.value})"
        if stage is None:
            result.lost.append(f"{label}: not in the registry{'; ' + trace.error if trace.error else ''}")
        elif stage != trace.planned.final:
            result.stuck.append(f"{label}: {stage}, expected {trace.planned.final}"
                                f"{'; ' + trace.error if trace.error else ''}")
    result.undelivered = sum(1 for d in deliveries if d["status"] != "delivered")
    if result.undelivered:
        result.stuck.append(f"{result.undelivered} mail deliveries not delivered")
    result.delivered_ids = {d["smtp_message_id"] for d in deliveries if d["smtp_message_id"]}


def mail_checks(mail_dir: Path, result: Findings) -> None:
    """Each Message-ID once; a second copy is a resend after a crash (counted, not a failure). A mail
    the registry does not record as delivered under that Message-ID would be a stray: duplicated."""
    ids: Counter[str] = Counter()
    for path in sorted(mail_dir.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=default_policy)
        ids[str(message.get("Message-ID", "")).strip()] += 1
    result.mails = sum(ids.values())
    result.resends = sum(n - 1 for n in ids.values() if n > 1)
    for message_id in ids:
        if not message_id:
            result.duplicated.append("a mail without a Message-ID")
        elif message_id not in result.delivered_ids:
            result.duplicated.append(f"mail {message_id}: not recorded as delivered")


async def temporal_checks(client: Client, traces: list[Trace], result: Findings, concurrency: int = 16) -> None:
    """No workflow task failing (a task that failed on a signal arriving mid-task, UnhandledCommand, is the
    SDK's normal way to pick the signal up: counted apart); one run per submitted request."""
    runs: Counter[str] = Counter()
    ids: list[tuple[str, str]] = []
    async for execution in client.list_workflows(""):
        runs[execution.id] += 1
        ids.append((execution.id, execution.run_id))
    result.workflows = len(ids)
    for trace in traces:
        if trace.request_id and runs[workflow_id_for(trace.request_id)] > 1:
            result.duplicated.append(f"{trace.request_id}: {runs[workflow_id_for(trace.request_id)]} workflow runs")
        if trace.request_id and not runs[workflow_id_for(trace.request_id)]:
            result.lost.append(f"{trace.request_id}: no workflow")
    gate = asyncio.Semaphore(concurrency)

    async def scan(workflow_id: str, run_id: str) -> None:
        async with gate:
            history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                cause = event.workflow_task_failed_event_attributes.cause
                if cause == WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND:
                    result.benign_task_failures += 1
                else:
                    name = WorkflowTaskFailedCause.Name(cause)
                    message = event.workflow_task_failed_event_attributes.failure.message[:200]
                    result.task_failures.append(f"{workflow_id}: {name}: {message}")

    await asyncio.gather(*(scan(workflow_id, run_id) for workflow_id, run_id in ids))
