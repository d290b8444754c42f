"""What the fault harness found: a case event recorded late (its activity retried after its worker was
killed) must not undo a notice's status in the registry's ``requests.stage``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from models.activities import CaseEvent, NoticeStatusChange, PublishNoticeInput, RegisterRequestInput
from models.case import ReviewStage
from models.notice import NoticeStatus
from registry.database import Database, migrate
from registry.store import Registry
from registry.tables import RequestRow
from runtime.config import Settings
from tests.data.conftest import NOW, make_request


async def test_a_late_published_event_leaves_a_blocked_notice_blocked(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'late' / 'notices.db'}"
    await migrate(url)
    db = Database.from_url(url)
    registry = Registry(db, Settings())
    try:
        await registry.register_request(RegisterRequestInput(
            request_id="req-late", workflow_id="notice-request-req-late", request=make_request(reference="FR-late"),
            registered_at=NOW,
        ))
        await registry.publish_notice(PublishNoticeInput(
            notice_id="N-late", request_id="req-late", request=make_request(reference="FR-late"), published_at=NOW,
            expires_at=NOW + timedelta(days=5 * 365),
        ))
        await registry.change_notice_status(NoticeStatusChange(
            event_key="late:block", notice_id="N-late", status=NoticeStatus.BLOCKED, actor="legal.ana", reason="r",
            at=NOW + timedelta(minutes=1),
        ))
        # The request workflow's own record of the publication, retried after its worker died.
        late = CaseEvent(event_key="late:published", request_id="req-late", actor="system", action="stage:published",
                         stage=ReviewStage.PUBLISHED, at=NOW)
        assert (await registry.record_case_event(late)).created
        async with db.transaction() as session:
            row = await session.get(RequestRow, "req-late")
        assert row is not None and row.stage == "blocked"

        await registry.record_case_event(late.model_copy(update={
            "event_key": "late:another-stage", "stage": ReviewStage.DENIED, "action": "stage:denied",
        }))
        async with db.transaction() as session:
            row = await session.get(RequestRow, "req-late")
        assert row is not None and row.stage == "denied", "any other stage is still recorded as it comes"
    finally:
        await db.dispose()
