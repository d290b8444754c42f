"""The reviewers' library: the service's HTTP API, with a reviewer's (or the administrator's) credential.

``ReviewerApi(token)`` reads the queue, a case, a notice and its acknowledgements, acts on cases and
notices, loads reference data and checks the audit trail, and returns the models ``ndtf`` prints. Who
acts, and with which roles, is decided by the API from the credential and the roster, never from a
parameter. Errors and retries as in ``starter.api_client``: reads and a reference-data load (the same
file twice changes nothing) are retried when the connection fails, reviewer actions are sent once.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from models.activities import AuditVerification, LoadReport
from models.case import ActionAccepted, CaseState, DecisionOutcome, Verdict
from models.notice import AckReport, NoticeActionAccepted, PublishedNoticeState
from models.reference import ReferenceKind
from starter.api_client import ApiClient, segment


class QueueEntry(BaseModel):
    """One case in the queue (the fields of ``admin.client.QueueEntry``, without importing Temporal)."""

    request_id: str
    kind: str
    requesting_ncb: str
    stage: str
    risk: str
    next_deadline: datetime | None = None
    overdue: bool = False
    escalated: bool = False
    blocking: int = 0
    doubts: int = 0


class ReviewerApi(ApiClient):
    """What NDTF reviewers do, as the reviewer their credential is for; ``load_reference_data`` needs the
    administrator's credential, ``verify_audit`` a reviewer's or the administrator's."""

    # --- reading ----------------------------------------------------------------------------------------

    def queue(self, include_awaiting_ncb: bool = False) -> list[QueueEntry]:
        data = self.call("GET", "/v1/cases", params={"all": "true" if include_awaiting_ncb else None}, retry=True)
        entries: list[QueueEntry] = self.parsed(list[QueueEntry], data)
        return entries

    def show(self, request_id: str) -> CaseState:
        return self.parsed(CaseState, self.call("GET", f"/v1/cases/{segment(request_id)}", retry=True))

    def notice(self, notice_id: str) -> PublishedNoticeState:
        data = self.call("GET", f"/v1/ndtf/notices/{segment(notice_id)}", retry=True)
        return self.parsed(PublishedNoticeState, data)

    def acks(self, notice_id: str) -> AckReport:
        return self.parsed(AckReport, self.call("GET", f"/v1/ndtf/notices/{segment(notice_id)}/acks", retry=True))

    # --- acting on a case -----------------------------------------------------------------------------------

    def _case_action(self, request_id: str, action: str, body: dict[str, object]) -> ActionAccepted:
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
        content = csv.read_bytes() if isinstance(csv, Path) else csv.encode("utf-8") if isinstance(csv, str) else csv
        data = self.call("PUT", f"/v1/reference-data/{segment(kind.value)}", content=content,
                         headers={"Content-Type": "text/csv; charset=utf-8"}, retry=True)
        return self.parsed(LoadReport, data)

    def verify_audit(self) -> AuditVerification:
        return self.parsed(AuditVerification, self.call("GET", "/v1/audit/verification", retry=True))
