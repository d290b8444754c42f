"""Local credentials at the API: an ``Authenticator`` over the registry of keys the service issued.

The files themselves (the server's registry of hashes, the commands' store of tokens, issuing and
revoking) live in ``runtime.credentials``, below both the API and the commands that use them; they are
re-exported here for the API side (``make run`` calls ``issue_defaults``)."""

from __future__ import annotations

from runtime.credentials import (
    ADMIN_PROFILE,
    DEFAULT_TTL,
    TOKEN_PREFIX,
    AlreadyRevoked,
    CredentialError,
    CredentialHolder,
    CredentialRecord,
    CredentialRefused,
    DefaultsIssued,
    LocalCredentials,
    MissingCredential,
    UnknownCredential,
    issue_defaults,
    ncb_profile,
    reviewer_profile,
    token_for,
)

from .principal import Principal, PrincipalKind, Unauthenticated

__all__ = [
    "ADMIN_PROFILE",
    "DEFAULT_TTL",
    "TOKEN_PREFIX",
    "AlreadyRevoked",
    "CredentialError",
    "CredentialHolder",
    "CredentialRecord",
    "CredentialRefused",
    "DefaultsIssued",
    "LocalAuthenticator",
    "LocalCredentials",
    "MissingCredential",
    "UnknownCredential",
    "issue_defaults",
    "ncb_profile",
    "principal_of",
    "reviewer_profile",
    "token_for",
]


def principal_of(record: CredentialRecord) -> Principal:
    """The principal a verified local credential proves, with the credential's id for the audit trail."""
    holder = record.principal
    if holder.kind == PrincipalKind.NCB and holder.ncb:
        return Principal.for_ncb(holder.ncb, credential_id=record.id)
    if holder.kind == PrincipalKind.REVIEWER and holder.reviewer_id:
        return Principal.for_reviewer(holder.reviewer_id, credential_id=record.id)
    if holder.kind == PrincipalKind.ADMINISTRATOR:
        name = holder.subject.removeprefix("admin:") or "local"
        return Principal.administrator(name, credential_id=record.id)
    raise Unauthenticated("API key record is incomplete; ask an administrator for a new one")


class LocalAuthenticator:
    """Verifies ``nrk_<id>_<secret>`` keys against the registry (hash compared in constant time)."""

    def __init__(self, credentials: LocalCredentials) -> None:
        self.credentials = credentials

    async def authenticate(self, token: str) -> Principal:
        try:
            record = self.credentials.verify(token)
        except CredentialRefused as refused:
            raise Unauthenticated(refused.reason) from None
        except CredentialError as error:  # the registry itself is unreadable: nobody is let in
            raise Unauthenticated(f"local API keys cannot be checked now: {error}") from None
        return principal_of(record)
