"""What operators read about a workflow in the Temporal UI from the moment it starts: its static
summary (one line, in the list and at the top of the workflow's page) and static details (Markdown).

Every starter takes these from here, so each kind of workflow reads the same wherever it is started.
They name the kind, the NCB and the ids only: the request id is a hash of (NCB, reference), never the
NCB's own reference (which may carry a name), and nothing of the subject. Workflows keep their
current details (stage, deadlines, last action) themselves, in ``workflows/texts.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from models.request import NoticeKind

KIND_LABELS = {NoticeKind.RED_NOTICE: "Red Notice", NoticeKind.WANTED_PERSON_DIFFUSION: "Wanted Person Diffusion"}


@dataclass(frozen=True)
class StartMetadata:
    """``static_summary`` and ``static_details`` of ``Client.start_workflow``."""

    summary: str
    details: str


def _details(*lines: str) -> str:
    return "\n\n".join(line for line in lines if line)


def request_started(request_id: str, kind: NoticeKind, requesting_ncb: str, submitted_at: datetime) -> StartMetadata:
    label = KIND_LABELS.get(kind, kind.value)
    return StartMetadata(
        summary=f"{label} request from NCB {requesting_ncb} · {request_id}",
        details=_details(
            f"**Request:** {request_id}",
            f"**Kind:** {kind.value} ({label})",
            f"**Requesting NCB:** {requesting_ncb}",
            f"**Submitted:** {submitted_at.isoformat(timespec='seconds')}",
            "The case's stage, open deadlines and last action are in its current details; its search "
            f'attributes filter it: `RequestingNcb="{requesting_ncb}"`.',
        ),
    )


def notice_started(
    notice_id: str, request_id: str, kind: NoticeKind, requesting_ncb: str, published_at: datetime
) -> StartMetadata:
    label = KIND_LABELS.get(kind, kind.value)
    return StartMetadata(
        summary=f"{label} {notice_id} from NCB {requesting_ncb}: lifetime",
        details=_details(
            f"**Notice:** {notice_id}",
            f"**Request:** {request_id}",
            f"**Kind:** {kind.value} ({label})",
            f"**Requesting NCB:** {requesting_ncb}",
            f"**Published:** {published_at.isoformat(timespec='seconds')}",
            "Follows the notice to its end: validity and renewal, blocks, cancellation, acknowledgements.",
        ),
    )


def _owner(message_key: str) -> str:
    """The request or notice a message key (``R-FR-…/msg/3``, ``N-FR-…/g0/msg/4``) belongs to."""
    return message_key.split("/", 1)[0]


def delivery_started(message_key: str) -> StartMetadata:
    owner = _owner(message_key)
    what = "notice" if owner.startswith("N-") else "request"
    return StartMetadata(
        summary=f"deliver message {message_key}",
        details=_details(
            f"**Message:** {message_key}",
            f"**For {what}:** {owner}",
            "Mails each recipient NCB once (the outbox records who has it); retried until the mail server "
            "takes it.",
        ),
    )


def search_started(viewer_ncb: str, filters: list[str]) -> StartMetadata:
    """``filters``: the names of the filters given, never their values (a name searched for is personal data)."""
    used = ", ".join(filters) if filters else "none"
    return StartMetadata(
        summary=f"notice search by NCB {viewer_ncb}",
        details=_details(f"**Searching NCB:** {viewer_ncb}", f"**Filters given:** {used}"),
    )
