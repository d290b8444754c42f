"""Signing in to the console and the session it gives: a sealed, HttpOnly, SameSite=Strict cookie that
expires, a CSRF token every POST must carry back, and the credential checked again at every click."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.auth import CombinedAuthenticator, JwtAuthenticator
from api.console.session import COOKIE, Sealer, Session
from api.credentials import LocalAuthenticator, LocalCredentials
from registry.database import Database
from runtime.config import Settings
from tests.api.conftest import GENEROUS
from tests.api.test_auth import AUDIENCE, ISSUER, IdentityProvider, idp  # noqa: F401 - the fixture used here
from tests.console.conftest import Stack
from tests.workflows.conftest import registry_db  # noqa: F401 - the fixture used here

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, "the page carries a CSRF token"
    return found.group(1)


async def sign_in(stack: Stack, who: str) -> httpx.Response:
    form = await stack.http.get("/console/sign-in")
    return await stack.http.post(
        "/console/sign-in", data={"credential": stack.tokens[who], "csrf_token": csrf_of(form)}
    )


# --- the sealed session, without a server -----------------------------------------------------------


def test_a_sealed_session_opens_only_unaltered_under_its_own_key_and_before_it_expires() -> None:
    sealer = Sealer.from_setting(None)
    session = Session.anonymous(timedelta(hours=1)).signed_in("nrk_secret_token", timedelta(hours=1))
    value = sealer.seal(session)
    assert "nrk_secret_token" not in value, "the credential is not readable in the cookie"
    assert sealer.open(value) == session

    tampered = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
    assert sealer.open(tampered) is None
    assert Sealer.from_setting(None).open(value) is None, "another key opens nothing"
    assert sealer.open("not-a-cookie") is None and sealer.open(None) is None
    stale = Session(csrf="x", expires_at=datetime.now(UTC) - timedelta(seconds=1), credential="nrk_secret_token")
    assert sealer.open(sealer.seal(stale)) is None


def test_the_csrf_token_must_match_exactly() -> None:
    session = Session.anonymous(timedelta(hours=1))
    assert session.csrf_matches(session.csrf)
    assert not session.csrf_matches(session.csrf[:-1])
    assert not session.csrf_matches("") and not session.csrf_matches(None)
    assert session.signed_in("nrk_x", timedelta(hours=1)).csrf != session.csrf, "a new token at sign-in"


def test_a_session_key_that_is_not_32_bytes_of_base64_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="CONSOLE_SESSION_KEY"):
        Sealer.from_setting("not base64!")
    with pytest.raises(ValueError, match="base64 of 32 random bytes"):
        Sealer.from_setting("c2hvcnQ=")


# --- signing in, against the app -----------------------------------------------------------------------


async def test_a_reviewer_signs_in_with_their_key_and_gets_a_strict_httponly_expiring_cookie(stack: Stack) -> None:
    answer = await sign_in(stack, "reviewer:legal.ana")
    assert answer.status_code == 303 and answer.headers["location"] == "/console/queue"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Path=/console" in cookie and re.search(r"Max-Age=(\d+)", cookie)
    assert int(re.search(r"Max-Age=(\d+)", cookie).group(1)) <= 8 * 3600  # type: ignore[union-attr]
    assert stack.tokens["reviewer:legal.ana"] not in cookie

    queue = await stack.http.get("/console/queue")
    assert queue.status_code == 200
    assert 'data-testid="me">legal.ana<' in queue.text


async def test_pages_without_a_session_send_the_browser_to_sign_in(stack: Stack) -> None:
    for path in ("/console/queue", "/console/cases/anything"):
        answer = await stack.http.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/console/sign-in"), path
    answer = await stack.http.get("/console/queue", headers={"HX-Request": "true"})
    assert answer.headers["HX-Redirect"].startswith("/console/sign-in")


async def test_a_sign_in_without_the_forms_csrf_token_is_refused(stack: Stack) -> None:
    await stack.http.get("/console/sign-in")
    answer = await stack.http.post("/console/sign-in", data={"credential": stack.tokens["reviewer:legal.ana"]})
    assert answer.status_code == 403 and "CSRF" in answer.text
    assert (await stack.http.get("/console/queue")).status_code == 303, "not signed in"


@pytest.mark.parametrize(
    ("who", "status", "words"),
    [
        ("ncb:FR", 403, "This console is for NDTF reviewers; the credential is for ncb:FR."),
        ("admin", 403, "This console is for NDTF reviewers"),
        ("reviewer:ghost.reviewer", 403, "is not in the NDTF reviewer roster"),
        ("revoked", 401, "The credential cannot be used"),
        ("bad", 401, "The credential cannot be used"),
    ],
)
async def test_a_credential_that_is_not_a_rostered_reviewers_is_refused_in_words(
    stack: Stack, who: str, status: int, words: str
) -> None:
    answer = await sign_in(stack, who)
    assert answer.status_code == status
    assert words in answer.text
    assert (await stack.http.get("/console/queue")).status_code == 303, "not signed in"
    (entry,) = await stack.refusals()
    assert entry.subject_id == "/console/sign-in" and words in json.loads(entry.detail)["reason"]


async def test_a_bearer_token_is_refused_in_words_when_no_identity_provider_is_configured(stack: Stack) -> None:
    form = await stack.http.get("/console/sign-in")
    answer = await stack.http.post("/console/sign-in", data={"credential": "eyJhbGciOiJSUzI1NiJ9.e30.sig",
                                                             "csrf_token": csrf_of(form)})
    assert answer.status_code == 401 and "no identity provider is configured" in answer.text


async def test_a_post_without_the_sessions_csrf_token_changes_nothing(stack: Stack) -> None:
    request_id = await stack.submit("red-notice-fraud.json")
    await stack.settle(request_id, "legal_assessment")
    await sign_in(stack, "reviewer:legal.ana")
    page = await stack.http.get(f"/console/cases/{request_id}")
    token = csrf_of(page)
    for data in ({}, {"csrf_token": token[:-1] + ("A" if token[-1] != "A" else "B")}):
        answer = await stack.http.post(f"/console/cases/{request_id}/claim", data=data)
        assert answer.status_code == 403 and "CSRF" in answer.text
    case = (await stack.api("reviewer:legal.ana", "GET", f"/v1/cases/{request_id}")).json()
    assert case["assignee"] is None

    answer = await stack.http.post(f"/console/cases/{request_id}/claim", data={"csrf_token": token})
    assert answer.status_code == 200 and "Claimed" in answer.text
    case = (await stack.api("reviewer:legal.ana", "GET", f"/v1/cases/{request_id}")).json()
    assert case["assignee"] == "legal.ana"


async def test_a_revoked_credential_ends_the_session_at_the_next_click(stack: Stack) -> None:
    await sign_in(stack, "reviewer:legal.eli")
    assert (await stack.http.get("/console/queue")).status_code == 200
    record = stack.registry.verify(stack.tokens["reviewer:legal.eli"])
    stack.registry.revoke(record.id, by="admin:test")
    answer = await stack.http.get("/console/queue")
    assert answer.status_code == 303 and "revoked" in answer.headers["location"]


async def test_signing_out_clears_the_cookie(stack: Stack) -> None:
    await sign_in(stack, "reviewer:legal.ana")
    page = await stack.http.get("/console/queue")
    answer = await stack.http.post("/console/sign-out", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/sign-in")
    assert (await stack.http.get("/console/queue")).status_code == 303


async def test_with_an_identity_provider_a_reviewer_signs_in_with_an_access_token_until_it_expires(
    dev_env: WorkflowEnvironment, registry_db: Database, idp: IdentityProvider, tmp_path: Path  # noqa: F811
) -> None:
    config = Settings(task_queue=f"console-idle-{uuid.uuid4().hex[:8]}", database_url="unused",
                      oidc_jwks_url=idp.jwks_url, oidc_issuer=ISSUER, oidc_audience=AUDIENCE)
    authenticator = CombinedAuthenticator(LocalAuthenticator(LocalCredentials(path=tmp_path / "keys.json")),
                                          JwtAuthenticator(ISSUER, AUDIENCE, idp.jwks_url, leeway=0))
    app = create_app(dev_env.client, registry_db, config, authenticator, limits=GENEROUS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as http:
        form = await http.get("/console/sign-in")
        assert "API key or access token" in form.text
        token = idp.token({"preferred_username": "legal.ana", "realm_access": {"roles": ["ndtf-reviewer"]},
                           "exp": int(time.time()) + 3})
        answer = await http.post("/console/sign-in", data={"credential": f"Bearer {token}",
                                                            "csrf_token": csrf_of(form)})
        assert answer.status_code == 303, answer.text
        queue = await http.get("/console/queue")
        assert queue.status_code == 200 and 'data-testid="me">legal.ana<' in queue.text
        await asyncio.sleep(4)
        answer = await http.get("/console/queue")
        assert answer.status_code == 303 and "token+expired" in answer.headers["location"]
