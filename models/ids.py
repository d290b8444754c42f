"""The identifiers of requests, notices and their workflows, derived so that a second start finds
the first. Built from the requesting NCB and a hash, never from anything that names a person."""

from __future__ import annotations

import hashlib


def request_id_for(requesting_ncb: str, ncb_reference: str) -> str:
    """Derived from (NCB, reference), so submitting again finds the same request; a hash keeps the
    NCB's own reference, which may carry personal data, out of workflow ids."""
    digest = hashlib.sha256(f"{requesting_ncb}\x1f{ncb_reference}".encode()).hexdigest()[:16]
    return f"R-{requesting_ncb}-{digest}"


def notice_id_for(request_id: str) -> str:
    return "N-" + request_id.removeprefix("R-")


def workflow_id_for(request_id: str) -> str:
    return f"notice-request-{request_id}"


def notice_workflow_id(notice_id: str) -> str:
    return f"published-notice-{notice_id}"


def delivery_workflow_id(message_key: str) -> str:
    return f"deliver-{message_key}"
