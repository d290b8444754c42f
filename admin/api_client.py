"""The reviewers' library: the service's HTTP API, with a reviewer's (or the administrator's) credential.

``ReviewerApi(token)`` reads the queue, a case, a notice and its acknowledgements, acts on cases and
notices, loads reference data and checks the audit trail, and returns the models ``ndtf`` prints. Who
acts, and with which roles, is decided by the API from the credential and the roster, never from a
parameter. Errors and retries as in ``starter.api_client``: reads and a reference-data load (the same
file twice changes nothing) are retried when the connection fails, reviewer actions are sent once.

The case's models are imported by the calls that answer them, not with the module: `ndtf queue` reads
only the queue's (``models.queue``), and starts without building the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from models.queue import QueueBackfilled, QueueEntry, QueuePage
from starter.http import ApiClient, segment

if TYPE_CHECKING:
    from models.activities import AuditVerification, LoadReport
    from models.case import ActionAccepted, CaseState, DecisionOutcome, Verdict
    from models.notice import AckReport, NoticeActionAccepted, PublishedNoticeState
    from models.reference import ReferenceKind

__all__ = ["QueueEntry", "QueuePage", "ReviewerApi"]


class ReviewerApi(ApiClient):
    """What NDTF reviewers do, as the reviewer their credential is for; ``load_reference_data`` needs the
    administrator's credential, ``verify_audit`` a reviewer's or the administrator's."""

    # --- reading ----------------------------------------------------------------------------------------

    def queue(
        self,
        *,
        stages: list[str] | None = None,
        include_awaiting_ncb: bool = False,
        kind: str | None = None,
        requesting_ncb: str | None = None,
        risk: str | None = None,
        overdue: bool | None = None,
        escalated: bool | None = None,
        assignee: str | None = None,
        unassigned: bool | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> QueuePage:
        """One page of the queue, oldest deadline first, with the counts per stage; ``assignee="me"`` is the
        reviewer of the credential. The next page: the same filters with ``cursor=page.next_cursor``."""

        def flag(value: bool | None) -> str | None:
            return None if value is None else str(value).lower()

        params = {
            "stage": list(stages) if stages else None, "all": "true" if include_awaiting_ncb else None,
            "kind": kind, "requesting_ncb": requesting_ncb, "risk": risk, "overdue": flag(overdue),
            "escalated": flag(escalated), "assignee": assignee, "unassigned": flag(unassigned), "cursor": cursor,
            "limit": limit,
        }
        return self.parsed(QueuePage, self.call("GET", "/v1/cases", params=params, retry=True))

    def queue_pages(self, **filters: object) -> Iterator[QueuePage]:
        """Every page of the queue in turn (``queue``'s filters), following each ``next_cursor``."""
        cursor = filters.pop("cursor", None)
        while True:
            page = self.queue(cursor=cursor, **filters)  # type: ignore[arg-type]
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def show(self, request_id: str) -> CaseState:
        from models.case import CaseState

        return self.parsed(CaseState, self.call("GET", f"/v1/cases/{segment(request_id)}", retry=True))

    def notice(self, notice_id: str) -> PublishedNoticeState:
        from models.notice import PublishedNoticeState

        data = self.call("GET", f"/v1/ndtf/notices/{segment(notice_id)}", retry=True)
        return self.parsed(PublishedNoticeState, data)

    def acks(self, notice_id: str) -> AckReport:
        from models.notice import AckReport

        return self.parsed(AckReport, self.call("GET", f"/v1/ndtf/notices/{segment(notice_id)}/acks", retry=True))

    # --- acting on a case -----------------------------------------------------------------------------------

    def _case_action(self, request_id: str, action: str, body: dict[str, object]) -> ActionAccepted:
        from models.case import ActionAccepted

        return self.parsed(ActionAccepted, self.call("POST", f"/v1/cases/{segment(request_id)}/{action}", json=body))

    def request_info(
        self, request_id: str, question: str, to_ncb: str | None = None, due_days: int = 30
    ) -> ActionAccepted:
        return self._case_action(request_id, "info-requests",
                                 {"question": question, "to_ncb": to_ncb, "due_days": due_days})

    def note_source(self, request_id: str, source: str, summary: str) -> ActionAccepted:
        return self._case_action(request_id, "sources", {"source": source, "summary": summary})

    def claim(self, request_id: str) -> ActionAccepted:
        return self._case_action(request_id, "claim", {})

    def release(self, request_id: str) -> ActionAccepted:
        return self._case_action(request_id, "release", {})

    def conclude_review(self, request_id: str, summary: str) -> ActionAccepted:
        return self._case_action(request_id, "review-conclusion", {"summary": summary})

    def assess(
        self, request_id: str, verdict: Verdict, basis: str, articles: list[str] | None = None
    ) -> ActionAccepted:
        return self._case_action(request_id, "assessment",
                                 {"verdict": verdict.value, "basis": basis, "articles": list(articles or [])})

    def decide(
        self, request_id: str, outcome: DecisionOutcome, reason: str, override_justification: str | None = None
    ) -> ActionAccepted:
        return self._case_action(request_id, "decision", {
            "outcome": outcome.value, "reason": reason, "override_justification": override_justification,
        })

    # --- acting on a published notice -----------------------------------------------------------------------

    def _notice_action(self, notice_id: str, action: str, body: dict[str, object]) -> NoticeActionAccepted:
        from models.notice import NoticeActionAccepted

        data = self.call("POST", f"/v1/ndtf/notices/{segment(notice_id)}/{action}", json=body)
        return self.parsed(NoticeActionAccepted, data)

    def block(self, notice_id: str, reason: str, until: datetime | None = None) -> NoticeActionAccepted:
        return self._notice_action(notice_id, "block",
                                   {"reason": reason, "until": until.isoformat() if until else None})

    def unblock(self, notice_id: str, reason: str) -> NoticeActionAccepted:
        return self._notice_action(notice_id, "unblock", {"reason": reason})

    def cancel(self, notice_id: str, reason: str) -> NoticeActionAccepted:
        return self._notice_action(notice_id, "cancel", {"reason": reason})

    # --- the information system ------------------------------------------------------------------------------

    def load_reference_data(self, kind: ReferenceKind, csv: bytes | str | Path) -> LoadReport:
        """Replace one reference list with a CSV file: all of it, or nothing when any row is bad."""
        from models.activities import LoadReport

        content = csv.read_bytes() if isinstance(csv, Path) else csv.encode("utf-8") if isinstance(csv, str) else csv
        data = self.call("PUT", f"/v1/reference-data/{segment(kind.value)}", content=content,
                         headers={"Content-Type": "text/csv; charset=utf-8"}, retry=True)
        return self.parsed(LoadReport, data)

    def verify_audit(self) -> AuditVerification:
        from models.activities import AuditVerification

        return self.parsed(AuditVerification, self.call("GET", "/v1/audit/verification", retry=True))

    def backfill_queue(self) -> QueueBackfilled:
        """A row in the queue for each open case without one (the administrator's; safe to repeat)."""
        return self.parsed(QueueBackfilled, self.call("POST", "/v1/queue/backfill", retry=True))
