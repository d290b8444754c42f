"""The library an NCB integration calls: the service's HTTP API, with the NCB's credential.

``NcbApi(token)`` submits, follows, answers, withdraws, searches, acknowledges and renews, and returns the
same models the ``ncb`` command prints. Who calls is the credential's NCB: the API decides it, never a
parameter. Errors come back as the exceptions the commands map to exit codes: ``ActionRefused`` (its kind
kept, e.g. ``WrongStage``; ``CredentialRejected`` for a credential the API did not accept),
``UnknownCase`` (no such id, or another NCB's request), ``InvalidInput`` (each field named),
``ApiUnreachable``, ``ApiTimeout`` and ``ApiFailure``.

A read, or a submission (the API answers the existing request for the same NCB reference), is retried
when the connection fails; any other action is sent once: a lost answer is reported, not guessed at.
Nothing here talks to Temporal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from models.activities import SearchResults
from models.case import ActionAccepted, NcbCaseView, ReviewStage
from models.notice import NoticeActionAccepted
from models.request import NoticeKind, NoticeRequest
from starter.http import RETRY_DELAYS, ApiClient, segment

__all__ = ["RETRY_DELAYS", "ApiClient", "NcbApi", "Submission", "segment"]

T = TypeVar("T")


class Submission(BaseModel):
    """What a submission answers (the fields of ``starter.client.Submission``, without importing Temporal)."""

    request_id: str
    workflow_id: str
    stage: ReviewStage
    created: bool


class NcbApi(ApiClient):
    """What an NCB integration does, as the NCB its credential is for."""

    def submit(self, request: NoticeRequest | Mapping[str, Any]) -> Submission:
        """Submit a request; the same (NCB, reference) again answers the existing request (``created`` false)."""
        body = request.model_dump(mode="json") if isinstance(request, BaseModel) else dict(request)
        return self.parsed(Submission, self.call("POST", "/v1/requests", json=body, retry=True))

    def status(self, request_id: str) -> NcbCaseView:
        return self.parsed(NcbCaseView, self.call("GET", f"/v1/requests/{segment(request_id)}", retry=True))

    def reply(
        self,
        request_id: str,
        answer: str,
        amendments: Mapping[str, Any] | None = None,
        info_request_id: str | None = None,
    ) -> ActionAccepted:
        body = {"answer": answer, "amendments": dict(amendments or {}), "info_request_id": info_request_id}
        return self.parsed(ActionAccepted, self.call("POST", f"/v1/requests/{segment(request_id)}/replies", json=body))

    def withdraw(self, request_id: str, reason: str) -> ActionAccepted:
        data = self.call("POST", f"/v1/requests/{segment(request_id)}/withdrawal", json={"reason": reason})
        return self.parsed(ActionAccepted, data)

    def search(
        self,
        name: str | None = None,
        nationality: str | None = None,
        kind: NoticeKind | None = None,
        requesting_ncb: str | None = None,
    ) -> SearchResults:
        params = {"name": name, "nationality": nationality, "kind": kind.value if kind else None,
                  "requesting_ncb": requesting_ncb}
        return self.parsed(SearchResults, self.call("GET", "/v1/notices", params=params, retry=True))

    def acknowledge(self, notice_id: str, instruction_key: str | None = None) -> NoticeActionAccepted:
        data = self.call("POST", f"/v1/notices/{segment(notice_id)}/acknowledgements",
                         json={"instruction_key": instruction_key})
        return self.parsed(NoticeActionAccepted, data)

    def renew(self, notice_id: str, reason: str) -> NoticeActionAccepted:
        data = self.call("POST", f"/v1/notices/{segment(notice_id)}/renewal", json={"reason": reason})
        return self.parsed(NoticeActionAccepted, data)
