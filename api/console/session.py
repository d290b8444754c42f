"""The console's session: a sealed cookie, and the CSRF token every form posts back.

The cookie carries the reviewer's own credential (the local API key, or the OIDC access token they
signed in with), sealed with AES-GCM under the API's session key: the browser can neither read nor
change it (authenticated encryption signs it), and it is ``HttpOnly`` (no script reads it) and
``SameSite=Strict`` (no other site's page sends it). Every request presents the credential to the
API's authenticator again, so a revoked or expired credential, or a reviewer taken off the roster,
ends the session at the next click; the session itself expires after ``CONSOLE_SESSION_HOURS``.

CSRF: the session holds a random token; every POST must carry it back (form field ``csrf_token`` or
header ``X-CSRF-Token``), compared in constant time. A page of another site cannot read it, and with
``SameSite=Strict`` it would not send the cookie either: two locks on the same door.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

COOKIE = "ndtf_console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_AAD = b"ndtf-console-session-v1"


@dataclass(frozen=True)
class Session:
    """What the cookie holds: the credential (None before sign-in), the CSRF token, and its expiry."""

    csrf: str
    expires_at: datetime
    credential: str | None = None

    @classmethod
    def anonymous(cls, lifetime: timedelta) -> Session:
        return cls(csrf=secrets.token_urlsafe(32), expires_at=datetime.now(UTC) + lifetime)

    def signed_in(self, credential: str, lifetime: timedelta) -> Session:
        """A new session for the credential: a fresh CSRF token, so one seen before sign-in is worthless."""
        return Session(csrf=secrets.token_urlsafe(32), expires_at=datetime.now(UTC) + lifetime, credential=credential)

    def expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) >= self.expires_at

    def csrf_matches(self, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(self.csrf.encode(), (presented or "").encode())


class Sealer:
    """Seals sessions into cookie values and opens them; anything altered, or sealed under another
    key, opens as nothing."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the console's session key must be 32 bytes (base64 of them in CONSOLE_SESSION_KEY)")
        self._aes = AESGCM(key)

    @classmethod
    def from_setting(cls, key: str | None) -> Sealer:
        """From ``CONSOLE_SESSION_KEY`` (base64), or a key of this process's own when unset."""
        if not key:
            return cls(os.urandom(32))
        try:
            return cls(base64.b64decode(key, validate=True))
        except (binascii.Error, ValueError):
            raise ValueError("CONSOLE_SESSION_KEY must be the base64 of 32 random bytes "
                             "(python -m runtime.codec prints one)") from None

    def seal(self, session: Session) -> str:
        body = json.dumps(
            {"c": session.csrf, "e": session.expires_at.isoformat(), "t": session.credential}, separators=(",", ":")
        ).encode()
        return self._seal(body, _AAD)

    def seal_data(self, data: dict[str, Any], purpose: bytes) -> str:
        """Any small JSON object sealed for one ``purpose`` (bound in as associated data, so a value sealed
        for one purpose never opens as another's, nor as a session)."""
        return self._seal(json.dumps(data, separators=(",", ":")).encode(), purpose)

    def open_data(self, value: str | None, purpose: bytes) -> dict[str, Any] | None:
        """What ``seal_data`` sealed for ``purpose``, or None when missing, altered, foreign or for another purpose."""
        if not value or len(value) > 8192:
            return None
        try:
            data = json.loads(self._open(value, purpose))
        except (InvalidTag, ValueError, TypeError, binascii.Error):
            return None
        return data if isinstance(data, dict) else None

    def _seal(self, body: bytes, aad: bytes) -> str:
        nonce = os.urandom(12)
        return base64.urlsafe_b64encode(nonce + self._aes.encrypt(nonce, body, aad)).decode().rstrip("=")

    def _open(self, value: str, aad: bytes) -> bytes:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        return self._aes.decrypt(raw[:12], raw[12:], aad)

    def open(self, value: str | None) -> Session | None:
        """The session in a cookie value, or None when it is missing, altered, foreign or expired."""
        if not value or len(value) > 8192:
            return None
        try:
            body = json.loads(self._open(value, _AAD))
            session = Session(
                csrf=str(body["c"]),
                expires_at=datetime.fromisoformat(body["e"]),
                credential=body["t"] if isinstance(body.get("t"), str) else None,
            )
        except (InvalidTag, ValueError, KeyError, TypeError, binascii.Error):
            return None
        return None if session.expired() else session
