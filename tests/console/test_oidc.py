"""Signing in to the console with the identity provider: the authorization-code flow with PKCE, against a
small OpenID provider served from 127.0.0.1 (discovery, authorize, token, JWKS) that checks what a real
one checks (the client, the redirect URI, the PKCE verifier, a code used once). The browser is httpx,
following the redirects between the console and the provider."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from playwright.async_api import Browser, expect
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import CombinedAuthenticator, JwtAuthenticator
from api.console.oidc import FLOW_COOKIE, configured
from api.console.session import COOKIE
from api.credentials import LocalAuthenticator, LocalCredentials
from registry.database import Database
from registry.tables import AuditEntryRow
from runtime.config import Settings
from tests.api.conftest import GENEROUS
from tests.cli.conftest import Served
from tests.console.test_browser import browser, chromium  # noqa: F401 - the fixtures used here
from tests.workflows.conftest import registry_db  # noqa: F401 - the fixture used here

CLIENT_ID = "ndtf-console"
AUDIENCE = "notice-api"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


@dataclass
class Provider:
    """An OpenID provider on 127.0.0.1: who signs in (``user``, ``roles``), whether they refuse consent,
    and which key signs the ID token; ``token_answers`` records what the token endpoint answered."""

    issuer: str = ""
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    unpublished: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    user: str = "legal.ana"
    roles: tuple[str, ...] = ("ndtf-reviewer",)
    deny: bool = False
    consent_page: bool = False
    """Show a page with an "Approve" button at the authorize endpoint (as a real provider shows its login)
    instead of answering at once: the redirect back then starts on the provider's own site."""
    pending: dict[str, str] = field(default_factory=dict)
    sign_id_token_with_unpublished_key: bool = False
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    token_answers: list[int] = field(default_factory=list)

    def tokens(self, grant: dict[str, str]) -> dict[str, Any]:
        now = int(time.time())
        sub = f"sub-{self.user}"
        common = {"iss": self.issuer, "sub": sub, "iat": now, "exp": now + 300}
        access = {**common, "aud": AUDIENCE, "jti": str(uuid.uuid4()), "azp": CLIENT_ID,
                  "preferred_username": self.user, "realm_access": {"roles": list(self.roles)}}
        id_claims = {**common, "aud": CLIENT_ID, "nonce": grant["nonce"], "azp": CLIENT_ID,
                     "preferred_username": self.user}
        id_key, id_kid = (self.unpublished, "k2") if self.sign_id_token_with_unpublished_key else (self.key, "k1")
        return {
            "token_type": "Bearer", "expires_in": 300,
            "access_token": jwt.encode(access, self.key, algorithm="RS256", headers={"kid": "k1"}),
            "id_token": jwt.encode(id_claims, id_key, algorithm="RS256", headers={"kid": id_kid}),
        }


@pytest.fixture
def provider() -> Iterator[Provider]:
    with serve_provider("127.0.0.1") as idp:
        yield idp


@contextmanager
def serve_provider(host: str) -> Iterator[Provider]:
    """The provider on 127.0.0.1, its issuer named with ``host`` (``localhost`` makes it another site than
    a console on 127.0.0.1, as a real provider is)."""
    idp = Provider()
    jwks = {"keys": [{**RSAAlgorithm.to_jwk(idp.key.public_key(), as_dict=True), "kid": "k1", "use": "sig",
                      "alg": "RS256"}]}

    class Handler(BaseHTTPRequestHandler):
        def answer(self, status: int, body: dict[str, Any] | str | None = None, location: str | None = None) -> None:
            html = isinstance(body, str)
            data = body.encode() if isinstance(body, str) else json.dumps(body or {}).encode()
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "text/html" if html else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's hook
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self.answer(200, {"issuer": idp.issuer, "authorization_endpoint": f"{idp.issuer}/auth",
                                  "token_endpoint": f"{idp.issuer}/token", "jwks_uri": f"{idp.issuer}/certs",
                                  "code_challenge_methods_supported": ["S256"]})
            elif url.path == "/certs":
                self.answer(200, jwks)
            elif url.path == "/auth":
                if (query.get("client_id") != CLIENT_ID or query.get("response_type") != "code"
                        or query.get("code_challenge_method") != "S256" or not query.get("code_challenge")
                        or "openid" not in query.get("scope", "").split() or not query.get("redirect_uri")):
                    self.answer(400, {"error": "invalid_request"})
                    return
                back = query["redirect_uri"]
                if idp.deny:
                    self.answer(302, location=f"{back}?" + urlencode(
                        {"error": "access_denied", "error_description": "The user refused consent",
                         "state": query.get("state", "")}))
                    return
                code = secrets.token_urlsafe(16)
                idp.codes[code] = {"challenge": query["code_challenge"], "nonce": query.get("nonce", ""),
                                   "redirect_uri": back}
                target = f"{back}?" + urlencode({"code": code, "state": query.get("state", "")})
                if idp.consent_page:
                    ticket = secrets.token_urlsafe(8)
                    idp.pending[ticket] = target
                    self.answer(200, f'<form method="post" action="/approve?ticket={ticket}">'
                                     '<button type="submit">Approve</button></form>')
                    return
                self.answer(302, location=target)
            else:
                self.answer(404)

        def do_POST(self) -> None:  # noqa: N802 - http.server's hook
            length = int(self.headers.get("Content-Length") or 0)
            if self.path.startswith("/approve?ticket="):
                self.rfile.read(length)
                self.answer(303, location=idp.pending.pop(self.path.split("=", 1)[1]))
                return
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            grant = idp.codes.pop(form.get("code", ""), None)  # a code is used once
            if self.path != "/token" or form.get("grant_type") != "authorization_code" or grant is None:
                status, body = 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
            elif form.get("client_id") != CLIENT_ID or form.get("redirect_uri") != grant["redirect_uri"]:
                status, body = 400, {"error": "invalid_grant", "error_description": "client or redirect_uri"}
            elif s256(form.get("code_verifier", "")) != grant["challenge"]:
                status, body = 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
            else:
                status, body = 200, idp.tokens(grant)
            idp.token_answers.append(status)
            self.answer(status, body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    idp.issuer = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Console:
    http: httpx.AsyncClient
    db: Database

    async def refusals(self) -> list[AuditEntryRow]:
        async with self.db.transaction() as session:
            rows = await session.scalars(
                select(AuditEntryRow).where(AuditEntryRow.action == "api_refused").order_by(AuditEntryRow.id)
            )
            return list(rows)

    async def signed_in(self) -> bool:
        queue = await self.http.get("/console/queue", follow_redirects=False)
        return queue.status_code == 200

    async def to_provider(self) -> str:
        """Click "Sign in with …": the address the console sends the browser to."""
        start = await self.http.get("/console/oidc/start", follow_redirects=False)
        assert start.status_code == 303, start.text
        assert FLOW_COOKIE in start.headers["set-cookie"] and "SameSite=lax" in start.headers["set-cookie"]
        return start.headers["location"]


def console_app(dev_env: WorkflowEnvironment, db: Database, provider: Provider, tmp_path: Path) -> Any:
    """The API with its console, the provider's tokens accepted and the console its client."""
    config = Settings(task_queue=f"console-oidc-{uuid.uuid4().hex[:8]}", database_url="unused",
                      oidc_issuer=provider.issuer, oidc_audience=AUDIENCE, oidc_jwks_url=f"{provider.issuer}/certs",
                      oidc_client_id=CLIENT_ID)
    authenticator = CombinedAuthenticator(LocalAuthenticator(LocalCredentials(path=tmp_path / "keys.json")),
                                          JwtAuthenticator(provider.issuer, AUDIENCE, f"{provider.issuer}/certs"))
    return create_app(dev_env.client, db, config, authenticator, limits=GENEROUS)


@pytest.fixture
async def console(
    dev_env: WorkflowEnvironment, registry_db: Database, provider: Provider, tmp_path: Path  # noqa: F811
) -> AsyncIterator[Console]:
    app = console_app(dev_env, registry_db, provider, tmp_path)
    # The console in-process; everything else (the provider) over the network, as a browser would.
    async with httpx.AsyncClient(mounts={"http://api.test": httpx.ASGITransport(app=app)}, base_url="http://api.test",
                                 follow_redirects=True, timeout=30) as http:
        yield Console(http, registry_db)


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return parts._replace(query=urlencode(query)).geturl()


async def assert_refused(console: Console, page: httpx.Response, status: int, words: str) -> None:
    """A refusal page in words, audited, and nobody signed in."""
    assert page.status_code == status, page.text
    assert words in page.text and "Nobody was signed in." in page.text
    assert not any(c.startswith(f"{COOKIE}=") for c in page.headers.get_list("set-cookie")), \
        "the session cookie is left alone"
    assert not await console.signed_in()
    (entry,) = await console.refusals()
    assert entry.subject_id == "/console/oidc/callback" and words in json.loads(entry.detail)["reason"]


async def test_a_reviewer_signs_in_with_the_identity_provider_and_works_the_queue(
    console: Console, provider: Provider
) -> None:
    form = await console.http.get("/console/sign-in")
    assert "Sign in with 127.0.0.1" in form.text and 'name="credential"' in form.text, "the key form stays"

    authorize = await console.to_provider()
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(f"{provider.issuer}/auth?")
    assert query["code_challenge_method"] == ["S256"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["http://api.test/console/oidc/callback"]
    assert query["scope"][0].split()[0] == "openid" and len(query["state"][0]) >= 32

    page = await console.http.get(authorize)  # provider → callback → the signed-in page
    assert page.status_code == 200, page.text
    assert str(page.url).startswith("http://api.test/console/oidc/callback?code=")
    assert 'data-testid="signed-in-as">legal.ana<' in page.text
    assert 'http-equiv="refresh" content="0;url=/console/queue"' in page.text
    assert provider.token_answers == [200]
    cookies = page.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith(f"{COOKIE}="))
    assert "HttpOnly" in session_cookie and "samesite=strict" in session_cookie.lower()
    assert any(c.startswith(f'{FLOW_COOKIE}=""') or "Max-Age=0" in c for c in cookies if FLOW_COOKIE in c)

    queue = await console.http.get("/console/queue", follow_redirects=False)
    assert queue.status_code == 200 and 'data-testid="me">legal.ana<' in queue.text
    assert await console.refusals() == []

    again = await console.http.get(str(page.url), follow_redirects=False)
    assert again.status_code == 401 and "expired or was started in another browser" in again.text, \
        "the callback does not replay: the flow ended with the sign-in"
    assert await console.signed_in(), "a refused answer does not sign out the reviewer already signed in"


async def test_an_answer_with_another_state_is_refused_before_any_code_is_exchanged(
    console: Console, provider: Provider
) -> None:
    back = await console.http.get(await console.to_provider(), follow_redirects=False)  # the provider's 302
    callback = back.headers["location"]
    page = await console.http.get(with_query(callback, state="forged-" + secrets.token_urlsafe(16)))
    await assert_refused(console, page, 401, "its state differs")
    assert provider.token_answers == [], "the code was never sent to the token endpoint"


async def test_an_answer_without_the_flow_cookie_is_refused(console: Console, provider: Provider) -> None:
    back = await console.http.get(await console.to_provider(), follow_redirects=False)
    console.http.cookies.delete(FLOW_COOKIE)
    page = await console.http.get(back.headers["location"])
    await assert_refused(console, page, 401, "expired or was started in another browser")
    assert provider.token_answers == []


async def test_a_wrong_pkce_verifier_is_refused_by_the_provider_and_shown(
    console: Console, provider: Provider
) -> None:
    # Someone else's challenge: the verifier in this browser's flow cookie no longer fits it.
    authorize = with_query(await console.to_provider(), code_challenge=s256(secrets.token_urlsafe(64)))
    page = await console.http.get(authorize)
    assert provider.token_answers == [400]
    await assert_refused(console, page, 401, "invalid_grant: PKCE verification failed")


async def test_an_id_token_for_another_sign_in_is_refused(console: Console, provider: Provider) -> None:
    authorize = with_query(await console.to_provider(), nonce="another-sign-ins-nonce")
    page = await console.http.get(authorize)
    assert provider.token_answers == [200]
    await assert_refused(console, page, 401, "its nonce differs")


async def test_an_id_token_signed_with_a_key_the_provider_does_not_publish_is_refused(
    console: Console, provider: Provider
) -> None:
    provider.sign_id_token_with_unpublished_key = True
    page = await console.http.get(await console.to_provider())
    await assert_refused(console, page, 401, "does not publish")


async def test_a_user_not_on_the_roster_is_refused(console: Console, provider: Provider) -> None:
    provider.user = "ghost.reviewer"
    page = await console.http.get(await console.to_provider())
    assert provider.token_answers == [200]
    await assert_refused(console, page, 403, "is not in the NDTF reviewer roster")


async def test_a_user_without_the_reviewer_role_is_refused(console: Console, provider: Provider) -> None:
    provider.roles = ("staff",)
    page = await console.http.get(await console.to_provider())
    await assert_refused(console, page, 401, "the token names no caller of this service")


async def test_refused_consent_is_shown_in_words(console: Console, provider: Provider) -> None:
    provider.deny = True
    page = await console.http.get(await console.to_provider())
    await assert_refused(console, page, 401, "did not sign you in (access_denied: The user refused consent)")
    assert provider.token_answers == []


async def test_without_a_client_id_there_is_no_provider_login(
    dev_env: WorkflowEnvironment, registry_db: Database, provider: Provider, tmp_path: Path  # noqa: F811
) -> None:
    config = Settings(task_queue=f"console-oidc-{uuid.uuid4().hex[:8]}", database_url="unused",
                      oidc_issuer=provider.issuer, oidc_audience=AUDIENCE, oidc_jwks_url=f"{provider.issuer}/certs")
    app = create_app(dev_env.client, registry_db, config,
                     CombinedAuthenticator(LocalAuthenticator(LocalCredentials(path=tmp_path / "keys.json"))),
                     limits=GENEROUS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as http:
        form = await http.get("/console/sign-in")
        assert form.status_code == 200 and "Sign in with" not in form.text
        start = await http.get("/console/oidc/start")
        assert start.status_code == 404 and "No identity provider login is configured" in start.text


async def test_in_a_real_browser_the_login_crosses_sites_and_ends_on_the_queue(
    dev_env: WorkflowEnvironment, registry_db: Database, browser: Browser, tmp_path: Path  # noqa: F811
) -> None:
    """Chromium, the provider at ``localhost`` and the console at ``127.0.0.1`` (two sites), the reviewer
    approving on the provider's page: the flow cookie (Lax) comes back with the provider's redirect, and the
    signed-in page's own refresh reaches the queue with the Strict session cookie."""
    with serve_provider("localhost") as provider:
        provider.consent_page = True
        async with Served(console_app(dev_env, registry_db, provider, tmp_path)) as served:
            context = await browser.new_context(base_url=served.url)
            context.set_default_timeout(30_000)
            page = await context.new_page()
            await page.goto("/console/queue")
            await page.get_by_role("link", name="Sign in with localhost").click()
            await page.get_by_role("button", name="Approve").click()  # on the provider's site
            await expect(page).to_have_url(re.compile(r"/console/queue"))
            await expect(page.get_by_test_id("me")).to_have_text("legal.ana")
            assert provider.token_answers == [200]
            cookies = {cookie["name"]: cookie for cookie in await context.cookies()}
            assert cookies[COOKIE]["sameSite"] == "Strict" and cookies[COOKIE]["httpOnly"]
            assert FLOW_COOKIE not in cookies, "the flow ended with the sign-in"
            await context.close()


def test_a_client_id_without_the_provider_s_settings_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="OIDC_CLIENT_ID is set but OIDC_AUDIENCE, OIDC_JWKS_URL is not"):
        configured(Settings(oidc_client_id=CLIENT_ID, oidc_issuer="https://idp.example.org"))
    assert not configured(Settings(oidc_client_id=None, oidc_issuer="https://idp.example.org"))
