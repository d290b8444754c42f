"""The console's OIDC login: the authorization-code flow with PKCE (RFC 6749, RFC 7636, OpenID Connect Core).

The console is the provider's client (``OIDC_CLIENT_ID``; public, or confidential with ``OIDC_CLIENT_SECRET``).
Its endpoints come from the issuer's discovery document, fetched once and cached. Signing in:

1. ``begin``: a random ``state``, ``nonce`` and PKCE verifier (its S256 challenge goes to the provider),
   kept in a short-lived sealed cookie; the browser goes to the authorization endpoint.
2. The provider sends the browser back with a ``code`` and the ``state``: the state must be the cookie's;
   ``exchange`` trades the code (with the verifier, which only this browser's cookie holds) at the token
   endpoint; ``check_id_token`` verifies the ID token (signature from the provider's JWKS, ``iss``, ``aud``
   = the client id, ``exp``, and the ``nonce`` of this sign-in).
3. The ACCESS token becomes the session's credential, checked as the API checks a bearer token (the
   caller does that: ``api.auth``, then the roster), so the console proves nothing the API would not.

The ID token only proves that this sign-in, in this browser, ended at the provider; who the reviewer is
and what they may do is the access token's, as for every other client of the API.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode, urlsplit

import httpx
import jwt

from api.auth import ALGORITHMS
from runtime.config import Settings

FLOW_COOKIE = "ndtf_console_oidc"
FLOW_PURPOSE = b"ndtf-console-oidc-flow-v1"
FLOW_SECONDS = 600
"""How long a sign-in may take between the click and the provider's answer."""
CALLBACK_PATH = "/console/oidc/callback"
DISCOVERY_SECONDS = 3600.0


class SignInRefused(Exception):
    """The login did not prove a reviewer; ``reason`` says why in words a reviewer reads."""

    def __init__(self, reason: str, *, unavailable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unavailable = unavailable
        """The provider could not be reached or answered nonsense (a 503, not the reviewer's fault)."""


@dataclass(frozen=True)
class Flow:
    """One sign-in in progress, as the flow cookie keeps it."""

    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    started: float

    @classmethod
    def new(cls, redirect_uri: str) -> Flow:
        return cls(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64), redirect_uri,
                   time.time())

    @property
    def challenge(self) -> str:
        """The PKCE S256 challenge: base64url(SHA-256(verifier)), unpadded."""
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def as_data(self) -> dict[str, Any]:
        return {"s": self.state, "n": self.nonce, "v": self.verifier, "r": self.redirect_uri, "t": self.started}

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> Flow | None:
        """The flow in a cookie's data, or None when absent, malformed or older than ``FLOW_SECONDS``."""
        if not data:
            return None
        try:
            flow = cls(str(data["s"]), str(data["n"]), str(data["v"]), str(data["r"]), float(data["t"]))
        except (KeyError, TypeError, ValueError):
            return None
        return flow if 0 <= time.time() - flow.started <= FLOW_SECONDS else None


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_claims: dict[str, Any]


def configured(config: Settings) -> bool:
    """The login is offered when the console has a client id and the API accepts the provider's tokens;
    a client id without those is a mistake said at start, not a button that silently is not there."""
    if not config.oidc_client_id:
        return False
    missing = [name for name, value in (("OIDC_ISSUER", config.oidc_issuer), ("OIDC_AUDIENCE", config.oidc_audience),
                                        ("OIDC_JWKS_URL", config.oidc_jwks_url)) if not value]
    if missing:
        raise ValueError(f"OIDC_CLIENT_ID is set but {', '.join(missing)} is not: the console's login needs the "
                         "API to accept the provider's access tokens")
    return True


class OidcClient:
    """The console as the provider's client: discovery (cached), the authorization URL, the code exchange
    and the ID token's checks."""

    def __init__(self, config: Settings, *, timeout: float = 10.0, leeway: float = 30.0) -> None:
        if not (config.oidc_client_id and config.oidc_issuer):
            raise ValueError("the OIDC login needs OIDC_CLIENT_ID and OIDC_ISSUER")
        self.issuer = config.oidc_issuer.rstrip("/")
        self.issuer_claim = config.oidc_issuer
        self.client_id = config.oidc_client_id
        self.client_secret = config.oidc_client_secret
        self.redirect_url = config.oidc_redirect_url
        scopes = config.oidc_scopes.split()
        self.scopes = " ".join(["openid", *(s for s in dict.fromkeys(scopes) if s != "openid")])
        self.timeout = timeout
        self.leeway = leeway
        self._discovery: dict[str, Any] | None = None
        self._discovered_at = 0.0
        self._keys: jwt.PyJWKClient | None = None
        self._lock = asyncio.Lock()

    @property
    def provider_name(self) -> str:
        """What the button says: the issuer's host."""
        return urlsplit(self.issuer).hostname or self.issuer

    def redirect_uri(self, base_url: str) -> str:
        return self.redirect_url or base_url.rstrip("/") + CALLBACK_PATH

    async def discovery(self) -> dict[str, Any]:
        """``{issuer}/.well-known/openid-configuration``, fetched at most once an hour (and after a failure,
        at the next sign-in)."""
        async with self._lock:
            if self._discovery is not None and time.monotonic() - self._discovered_at < DISCOVERY_SECONDS:
                return self._discovery
            url = f"{self.issuer}/.well-known/openid-configuration"
            try:
                async with httpx.AsyncClient(timeout=self.timeout) as http:
                    answer = await http.get(url, headers={"Accept": "application/json"})
                answer.raise_for_status()
                document = answer.json()
            except (httpx.HTTPError, ValueError) as error:
                raise SignInRefused(f"the identity provider's configuration cannot be read ({url}): {error}",
                                    unavailable=True) from None
            needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
            if not isinstance(document, dict) or any(not isinstance(document.get(k), str) for k in needed):
                raise SignInRefused(f"the identity provider's configuration at {url} lacks "
                                    f"{', '.join(needed)}", unavailable=True)
            if document["issuer"].rstrip("/") != self.issuer:
                raise SignInRefused(f"the identity provider at {url} names another issuer "
                                    f"({document['issuer']}) than OIDC_ISSUER", unavailable=True)
            if self._keys is None or self._discovery is None or self._discovery["jwks_uri"] != document["jwks_uri"]:
                self._keys = jwt.PyJWKClient(document["jwks_uri"], cache_jwk_set=True, lifespan=300,
                                             timeout=int(self.timeout))
            self._discovery, self._discovered_at = document, time.monotonic()
            return document

    async def authorization_url(self, flow: Flow) -> str:
        endpoint = (await self.discovery())["authorization_endpoint"]
        query = urlencode({
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": flow.redirect_uri,
            "scope": self.scopes,
            "state": flow.state,
            "nonce": flow.nonce,
            "code_challenge": flow.challenge,
            "code_challenge_method": "S256",
        })
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    async def exchange(self, flow: Flow, code: str) -> Tokens:
        """The tokens for ``code``, once the ID token is checked against this ``flow``."""
        document = await self.discovery()
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": flow.redirect_uri,
                "code_verifier": flow.verifier, "client_id": self.client_id}
        headers = {"Accept": "application/json"}
        if self.client_secret:  # a confidential client: client_secret_basic, each part form-encoded (RFC 6749 2.3.1)
            pair = f"{quote_plus(self.client_id)}:{quote_plus(self.client_secret)}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                answer = await http.post(document["token_endpoint"], data=form, headers=headers)
        except httpx.HTTPError as error:
            raise SignInRefused(f"the identity provider's token endpoint cannot be reached: {error}",
                                unavailable=True) from None
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise SignInRefused(f"the identity provider's token endpoint answered {answer.status_code} without "
                                "a JSON body", unavailable=True)
        if answer.status_code != 200:
            kind = str(body.get("error") or answer.status_code)
            description = body.get("error_description")
            raise SignInRefused(f"the identity provider would not issue tokens ({kind}"
                                f"{': ' + str(description) if description else ''})")
        access, id_token = body.get("access_token"), body.get("id_token")
        if not isinstance(access, str) or not access:
            raise SignInRefused("the identity provider issued no access token")
        if not isinstance(id_token, str) or not id_token:
            raise SignInRefused("the identity provider issued no ID token (is `openid` among the client's scopes?)")
        return Tokens(access, await self.check_id_token(id_token, flow))

    async def check_id_token(self, id_token: str, flow: Flow) -> dict[str, Any]:
        """The ID token's claims once its signature (a key of the provider's JWKS), ``iss``, ``aud`` (this
        client), ``exp`` and ``nonce`` (this sign-in's) are checked."""
        await self.discovery()
        assert self._keys is not None
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError:
            raise SignInRefused("the ID token is not a JWT") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALGORITHMS:
            raise SignInRefused(f"the ID token's algorithm {algorithm!r} is not accepted "
                                f"(only {', '.join(ALGORITHMS)})")
        if not isinstance(kid, str) or not kid:
            raise SignInRefused("the ID token names no signing key (`kid`)")
        try:
            key = await asyncio.to_thread(self._keys.get_signing_key, kid)
        except jwt.PyJWKClientConnectionError as error:
            raise SignInRefused(f"the identity provider's keys cannot be fetched: {error}", unavailable=True) from None
        except jwt.PyJWTError:
            raise SignInRefused("the ID token was signed with a key the identity provider does not publish") from None
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token, key, algorithms=[algorithm], audience=self.client_id, issuer=self.issuer_claim,
                leeway=self.leeway, options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise SignInRefused("the ID token has expired") from None
        except jwt.InvalidAudienceError:
            raise SignInRefused("the ID token is for another client") from None
        except jwt.InvalidIssuerError:
            raise SignInRefused("the ID token is from another issuer") from None
        except jwt.InvalidSignatureError:
            raise SignInRefused("the ID token's signature does not verify") from None
        except jwt.PyJWTError as error:
            raise SignInRefused(f"the ID token is refused: {error}") from None
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not secrets.compare_digest(nonce.encode(), flow.nonce.encode()):
            raise SignInRefused("the ID token is not for this sign-in (its nonce differs): start again")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise SignInRefused("the ID token was issued to another client (azp)")
        return claims
