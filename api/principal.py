"""Who is calling, as a credential proves it: never from a parameter or a field of a message."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel


class PrincipalKind(StrEnum):
    NCB = "ncb"
    """An NCB integration: acts for one member country, on its own requests and on published notices."""
    REVIEWER = "reviewer"
    """An NDTF reviewer: what they may do comes from the reviewer roster, not from the credential."""
    ADMINISTRATOR = "administrator"
    """Loads reference data and manages credentials."""


class Principal(BaseModel):
    """The caller behind a verified credential (a locally issued API key or an OIDC bearer token)."""

    kind: PrincipalKind
    subject: str
    """Stable id for logs and the audit trail: ``ncb:FR``, ``reviewer:legal.ana``, ``admin:local``."""
    ncb: str | None = None
    """The NCB's ISO 3166-1 alpha-2 code, for an NCB integration."""
    reviewer_id: str | None = None
    """The roster id, for a reviewer."""
    credential_id: str | None = None
    """Which credential proved it (a local credential's id, or the token's ``jti``)."""

    @classmethod
    def for_ncb(cls, ncb: str, credential_id: str | None = None) -> Principal:
        code = ncb.upper()
        return cls(kind=PrincipalKind.NCB, subject=f"ncb:{code}", ncb=code, credential_id=credential_id)

    @classmethod
    def for_reviewer(cls, reviewer_id: str, credential_id: str | None = None) -> Principal:
        return cls(
            kind=PrincipalKind.REVIEWER,
            subject=f"reviewer:{reviewer_id}",
            reviewer_id=reviewer_id,
            credential_id=credential_id,
        )

    @classmethod
    def administrator(cls, name: str = "local", credential_id: str | None = None) -> Principal:
        return cls(kind=PrincipalKind.ADMINISTRATOR, subject=f"admin:{name}", credential_id=credential_id)


class Unauthenticated(Exception):
    """No usable credential: missing, unknown, expired, revoked, or a token that does not verify. The
    reason is for the caller (401) and the audit trail; it never names someone else's credential."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Authenticator(Protocol):
    """Turns a bearer token into the principal it proves, or raises ``Unauthenticated``."""

    async def authenticate(self, token: str) -> Principal: ...
