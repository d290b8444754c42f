"""Who the API thinks is calling comes from the credential alone: local API keys the service issued, and
JWTs of the organisation's identity provider, verified against its JWKS (served here from 127.0.0.1)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import stat
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from typer.testing import CliRunner

from admin.cli import app as ndtf
from api.auth import (
    CombinedAuthenticator,
    IdentityProviderUnavailable,
    JwtAuthenticator,
    authenticator_from_settings,
    bearer_token,
)
from api.credentials import (
    AlreadyRevoked,
    LocalAuthenticator,
    LocalCredentials,
    MissingCredential,
    UnknownCredential,
    issue_defaults,
    token_for,
)
from api.principal import Principal, PrincipalKind, Unauthenticated
from runtime.config import Settings

# --- local credentials ------------------------------------------------------------------------------------


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 29, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def registry(tmp_path: Path, clock: Clock) -> LocalCredentials:
    return LocalCredentials(tmp_path / "var" / "api-credentials.json", clock)


async def refusal(authenticator: Any, token: str) -> str:
    with pytest.raises(Unauthenticated) as refused:
        await authenticator.authenticate(token)
    return refused.value.reason


async def test_an_issued_key_proves_its_principal(registry: LocalCredentials) -> None:
    auth = LocalAuthenticator(registry)
    ncb_record, ncb_token = registry.issue(Principal.for_ncb("fr"), timedelta(days=30), "admin:test")
    reviewer_record, reviewer_token = registry.issue(Principal.for_reviewer("legal.ana"), None, "admin:test")
    admin_record, admin_token = registry.issue(Principal.administrator(), timedelta(days=1), "admin:test")

    assert await auth.authenticate(ncb_token) == Principal.for_ncb("FR", credential_id=ncb_record.id)
    assert await auth.authenticate(reviewer_token) == Principal.for_reviewer(
        "legal.ana", credential_id=reviewer_record.id
    )
    assert await auth.authenticate(admin_token) == Principal.administrator("local", credential_id=admin_record.id)
    assert ncb_token.startswith(f"nrk_{ncb_record.id}_") and len(ncb_record.id) == 12
    assert ncb_record.expires_at == ncb_record.issued_at + timedelta(days=30)
    assert reviewer_record.expires_at is None


async def test_an_unknown_key_is_refused(registry: LocalCredentials) -> None:
    registry.issue(Principal.for_ncb("FR"), timedelta(days=1), "admin:test")
    reason = await refusal(LocalAuthenticator(registry), "nrk_0123456789ab_" + "A" * 43)
    assert reason == "unknown API key"


async def test_a_malformed_key_is_refused(registry: LocalCredentials) -> None:
    assert "malformed" in await refusal(LocalAuthenticator(registry), "nrk_xyz")


async def test_a_tampered_key_is_refused(registry: LocalCredentials) -> None:
    _, token = registry.issue(Principal.for_ncb("FR"), timedelta(days=1), "admin:test")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert "does not match" in await refusal(LocalAuthenticator(registry), tampered)


async def test_an_expired_key_is_refused(registry: LocalCredentials, clock: Clock) -> None:
    _, token = registry.issue(Principal.for_ncb("FR"), timedelta(days=1), "admin:test")
    clock.now += timedelta(days=1, seconds=1)
    assert (await refusal(LocalAuthenticator(registry), token)).startswith("API key expired on 2026-11-30")


async def test_a_revoked_key_is_refused_at_once_even_by_another_process_s_registry(
    registry: LocalCredentials,
) -> None:
    auth = LocalAuthenticator(registry)
    record, token = registry.issue(Principal.for_reviewer("legal.ana"), timedelta(days=1), "admin:test")
    assert (await auth.authenticate(token)).reviewer_id == "legal.ana"  # now cached by this registry

    LocalCredentials(registry.path).revoke(record.id, "admin:other")  # another process, the same file

    assert (await refusal(auth, token)).startswith("API key revoked on")


async def test_revoked_and_expired_are_not_told_to_a_guesser(registry: LocalCredentials, clock: Clock) -> None:
    record, token = registry.issue(Principal.for_ncb("FR"), timedelta(days=1), "admin:test")
    registry.revoke(record.id, "admin:test")
    clock.now += timedelta(days=2)
    wrong_secret = f"nrk_{record.id}_" + "A" * 43
    assert "does not match" in await refusal(LocalAuthenticator(registry), wrong_secret)


def test_the_registry_keeps_no_token_and_no_secret(registry: LocalCredentials) -> None:
    tokens = [registry.issue(p, timedelta(days=1), "admin:test")[1]
              for p in (Principal.for_ncb("FR"), Principal.for_reviewer("legal.ana"), Principal.administrator())]
    text = registry.path.read_text()
    for token in tokens:
        secret = token.split("_", 2)[2]
        assert token not in text
        assert secret not in text
    assert len(json.loads(text)["credentials"]) == 3


def test_both_files_are_readable_by_their_owner_only(tmp_path: Path, clock: Clock) -> None:
    registry_path, store = tmp_path / "var" / "api-credentials.json", tmp_path / "var" / "credentials.json"
    previous = os.umask(0)  # the modes are set, not left to the umask
    try:
        issue_defaults(["FR"], [], registry_path=registry_path, store_path=store, clock=clock)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert stat.S_IMODE(registry_path.stat().st_mode) == 0o600


def test_revoking_an_unknown_or_revoked_credential_is_refused(registry: LocalCredentials) -> None:
    record, _ = registry.issue(Principal.for_ncb("FR"), timedelta(days=1), "admin:test")
    with pytest.raises(UnknownCredential):
        registry.revoke("000000000000", "admin:test")
    revoked = registry.revoke(record.id, "admin:test")
    assert revoked.revoked_by == "admin:test" and registry.list()[0].revoked_at is not None
    with pytest.raises(AlreadyRevoked):
        registry.revoke(record.id, "admin:test")


# --- issue_defaults and the commands' store ---------------------------------------------------------------


async def test_issue_defaults_gives_everyone_a_working_credential_and_is_idempotent(
    tmp_path: Path, clock: Clock
) -> None:
    registry_path, store = tmp_path / "var" / "api-credentials.json", tmp_path / "var" / "credentials.json"
    registry = LocalCredentials(registry_path, clock)
    auth = LocalAuthenticator(registry)

    first = issue_defaults(["FR", "de"], ["legal.ana"], registry_path=registry_path, store_path=store, clock=clock)

    assert first.issued == ["ncb:FR", "ncb:DE", "reviewer:legal.ana", "admin"] and first.kept == []
    assert (await auth.authenticate(token_for("ncb:DE", store))).ncb == "DE"
    assert (await auth.authenticate(token_for("reviewer:legal.ana", store))).reviewer_id == "legal.ana"
    assert (await auth.authenticate(token_for("admin", store))).kind == PrincipalKind.ADMINISTRATOR
    tokens, records = json.loads(store.read_text()), registry.list()

    again = issue_defaults(["FR", "DE"], ["legal.ana"], registry_path=registry_path, store_path=store, clock=clock)

    assert again.issued == [] and sorted(again.kept) == sorted(first.issued)
    assert json.loads(store.read_text()) == tokens and registry.list() == records

    registry.revoke(registry.verify(tokens["ncb:FR"]).id, "admin:test")
    more = issue_defaults(["FR", "DE"], ["legal.ana", "police.ben"], registry_path=registry_path, store_path=store,
                          clock=clock)

    assert more.issued == ["ncb:FR", "reviewer:police.ben"]
    assert (await auth.authenticate(token_for("ncb:FR", store))).ncb == "FR"
    assert token_for("ncb:DE", store) == tokens["ncb:DE"]


def test_a_missing_profile_says_how_to_get_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "var" / "credentials.json"
    with pytest.raises(MissingCredential) as missing:
        token_for("ncb:FR", store)
    assert str(missing.value) == ("no credential for NCB FR in var/credentials.json: an administrator issues one "
                                  "with `ndtf credentials issue --ncb FR`")
    with pytest.raises(MissingCredential, match="reviewer legal.ana.*--reviewer legal.ana"):
        token_for("reviewer:legal.ana", store)
    with pytest.raises(MissingCredential, match="--admin"):
        token_for("admin", store)


# --- the `ndtf credentials` commands ---------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    registry_path, store = tmp_path / "var" / "api-credentials.json", tmp_path / "var" / "credentials.json"
    monkeypatch.setenv("API_CREDENTIAL_REGISTRY", str(registry_path))
    monkeypatch.setenv("NOTICE_CREDENTIALS", str(store))
    return registry_path, store


async def test_the_commands_issue_list_and_revoke(files: tuple[Path, Path]) -> None:
    registry_path, store = files
    runner = CliRunner()
    auth = LocalAuthenticator(LocalCredentials(registry_path))

    issued = runner.invoke(ndtf, ["credentials", "issue", "--ncb", "fr", "--ttl-days", "7"])
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[-1]
    assert token.startswith("nrk_") and token_for("ncb:FR", store) == token
    principal = await auth.authenticate(token)
    assert principal.ncb == "FR"

    listed = runner.invoke(ndtf, ["credentials", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.stdout)
    assert row["id"] == principal.credential_id and row["principal"]["subject"] == "ncb:FR"
    assert row["status"] == "valid" and row["revoked_at"] is None and row["expires_at"]
    table = runner.invoke(ndtf, ["credentials", "list"])
    secret = token.split("_", 2)[2]
    for output in (listed.output, table.output):
        assert secret not in output and "sha256" not in output
        assert json.loads(registry_path.read_text())["credentials"][0]["sha256"] not in output

    revoked = runner.invoke(ndtf, ["credentials", "revoke", row["id"]])
    assert revoked.exit_code == 0, revoked.output
    assert (await refusal(auth, token)).startswith("API key revoked")
    with pytest.raises(MissingCredential):
        token_for("ncb:FR", store)  # the store no longer offers a token that cannot work
    assert runner.invoke(ndtf, ["credentials", "revoke", row["id"]]).exit_code == 3
    assert runner.invoke(ndtf, ["credentials", "revoke", "0123456789ab"]).exit_code == 4


def test_the_issue_command_refuses_bad_input(files: tuple[Path, Path]) -> None:
    runner = CliRunner()
    for args in ([], ["--ncb", "FR", "--admin"], ["--ncb", "FRA"], ["--reviewer", "no spaces"],
                 ["--admin", "--ttl-days", "0"]):
        result = runner.invoke(ndtf, ["credentials", "issue", *args])
        assert result.exit_code == 2, (args, result.output)
    assert not files[0].exists()


def test_the_issue_command_for_a_reviewer_and_the_administrator(files: tuple[Path, Path]) -> None:
    runner = CliRunner()
    for args, profile in ((["--reviewer", "legal.ana"], "reviewer:legal.ana"), (["--admin"], "admin")):
        result = runner.invoke(ndtf, ["credentials", "issue", *args, "--json"])
        assert result.exit_code == 0, result.output
        shown = json.loads(result.stdout)
        assert shown["profile"] == profile and token_for(profile, files[1]) == shown["token"]
        assert "sha256" not in shown["credential"]


# --- JWT from an identity provider -------------------------------------------------------------------------

ISSUER = "https://idp.example.org/realms/ndtf"
AUDIENCE = "notice-api"


@dataclass
class IdentityProvider:
    """Signing keys, and a JWKS endpoint on 127.0.0.1 publishing the public half of some of them."""

    jwks_url: str
    rsa_key: rsa.RSAPrivateKey
    ec_key: ec.EllipticCurvePrivateKey
    unpublished_key: rsa.RSAPrivateKey

    def token(self, claims: dict[str, Any] | None = None, *, key: Any = None, kid: str = "rsa-1",
              algorithm: str = "RS256", drop: tuple[str, ...] = ()) -> str:
        now = int(time.time())
        body: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + 300,
                                "jti": str(uuid.uuid4()), "sub": "f3b1c0de"}
        body.update(claims or {})
        for name in drop:
            body.pop(name, None)
        return jwt.encode(body, key if key is not None else self.rsa_key, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture(scope="module")
def idp() -> Iterator[IdentityProvider]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    jwks = {"keys": [
        {**RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True), "kid": "rsa-1", "use": "sig", "alg": "RS256"},
        {**ECAlgorithm.to_jwk(ec_key.public_key(), as_dict=True), "kid": "ec-1", "use": "sig", "alg": "ES256"},
    ]}
    body = json.dumps(jwks).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's hook
            self.send_response(200 if self.path == "/certs" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield IdentityProvider(f"http://127.0.0.1:{server.server_address[1]}/certs", rsa_key, ec_key,
                               rsa.generate_private_key(public_exponent=65537, key_size=2048))
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def verifier(idp: IdentityProvider) -> JwtAuthenticator:
    return JwtAuthenticator(ISSUER, AUDIENCE, idp.jwks_url)


async def test_an_ncb_integration_s_token_proves_the_ncb(idp: IdentityProvider, verifier: JwtAuthenticator) -> None:
    token = idp.token({"ncb": "fr", "azp": "ncb-fr-integration"})
    principal = await verifier.authenticate(token)
    assert principal.kind == PrincipalKind.NCB and principal.ncb == "FR" and principal.subject == "ncb:FR"
    assert principal.credential_id == jwt.decode(token, options={"verify_signature": False})["jti"]


async def test_a_reviewer_s_token_proves_the_reviewer(idp: IdentityProvider, verifier: JwtAuthenticator) -> None:
    keycloak = idp.token({"preferred_username": "legal.ana", "realm_access": {"roles": ["ndtf-reviewer"]}})
    assert await verifier.authenticate(keycloak) == Principal.for_reviewer(
        "legal.ana", credential_id=jwt.decode(keycloak, options={"verify_signature": False})["jti"]
    )
    plain = idp.token({"sub": "police.ben", "roles": ["ndtf-reviewer"]}, drop=("jti",))
    assert await verifier.authenticate(plain) == Principal.for_reviewer("police.ben")
    grouped = idp.token({"preferred_username": "ops.chen", "groups": ["/ndtf-reviewer"]})
    assert (await verifier.authenticate(grouped)).reviewer_id == "ops.chen"


async def test_an_administrator_s_token_and_an_es256_token(idp: IdentityProvider, verifier: JwtAuthenticator) -> None:
    admin = idp.token({"preferred_username": "root.rita", "roles": ["ndtf-admin"]}, key=idp.ec_key, kid="ec-1",
                      algorithm="ES256")
    principal = await verifier.authenticate(admin)
    assert principal.kind == PrincipalKind.ADMINISTRATOR and principal.subject == "admin:root.rita"


@pytest.mark.parametrize(("case", "expected"), [
    ("wrong audience", "another audience"),
    ("wrong issuer", "another issuer"),
    ("expired", "expired"),
    ("not yet valid", "not valid yet"),
    ("bad signature", "signature does not verify"),
    ("key not in the JWKS", "does not publish"),
    ("alg none", "algorithm 'none' is not accepted"),
    ("HS256 with the public key", "algorithm 'HS256' is not accepted"),
    ("RS256 header on the EC key", "does not fit its key"),
    ("no exp", "lacks the claim 'exp'"),
    ("no identity", "names no caller"),
    ("two identities", "more than one kind of caller"),
    ("not a code", "not a two-letter"),
    ("not a JWT", "neither nrk_"),
])
async def test_a_bad_token_is_refused(
    idp: IdentityProvider, verifier: JwtAuthenticator, case: str, expected: str
) -> None:
    reviewer = {"preferred_username": "legal.ana", "roles": ["ndtf-reviewer"]}
    now = int(time.time())
    token = {
        "wrong audience": lambda: idp.token({**reviewer, "aud": "another-api"}),
        "wrong issuer": lambda: idp.token({**reviewer, "iss": "https://evil.example.org/realms/ndtf"}),
        "expired": lambda: idp.token({**reviewer, "iat": now - 7200, "nbf": now - 7200, "exp": now - 3600}),
        "not yet valid": lambda: idp.token({**reviewer, "nbf": now + 3600, "exp": now + 7200}),
        "bad signature": lambda: idp.token(reviewer, key=idp.unpublished_key),
        "key not in the JWKS": lambda: idp.token(reviewer, key=idp.unpublished_key, kid="rsa-rotated-away"),
        "alg none": lambda: jwt.encode({**reviewer, "iss": ISSUER, "aud": AUDIENCE, "exp": now + 300}, "",
                                       algorithm="none", headers={"kid": "rsa-1"}),
        "HS256 with the public key": lambda: _hs256_signed_with(idp.rsa_key.public_key(), reviewer, now),
        "RS256 header on the EC key": lambda: idp.token(reviewer, kid="ec-1"),
        "no exp": lambda: idp.token(reviewer, drop=("exp",)),
        "no identity": lambda: idp.token({"preferred_username": "legal.ana", "roles": ["offline_access"]}),
        "two identities": lambda: idp.token({**reviewer, "ncb": "FR"}),
        "not a code": lambda: idp.token({"ncb": "France"}),
        "not a JWT": lambda: "definitely-not-a-token",
    }[case]()
    assert expected in await refusal(verifier, token)


def _hs256_signed_with(public_key: rsa.RSAPublicKey, claims: dict[str, Any], now: int) -> str:
    """The classic algorithm confusion: the public key used as an HMAC secret (PyJWT will not sign it)."""
    secret = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    body = {**claims, "iss": ISSUER, "aud": AUDIENCE, "exp": now + 300}
    signing_input = f"{part(json.dumps(header).encode())}.{part(json.dumps(body).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


async def test_an_unreachable_identity_provider_is_told_apart(idp: IdentityProvider) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    verifier = JwtAuthenticator(ISSUER, AUDIENCE, f"http://127.0.0.1:{port}/certs", timeout=2)
    with pytest.raises(IdentityProviderUnavailable):
        await verifier.authenticate(idp.token({"ncb": "FR"}))


# --- both together ---------------------------------------------------------------------------------------


async def test_the_combined_authenticator_routes_by_kind_of_token(
    idp: IdentityProvider, registry: LocalCredentials, tmp_path: Path
) -> None:
    record, key = registry.issue(Principal.for_ncb("DE"), timedelta(days=1), "admin:test")
    both = CombinedAuthenticator(LocalAuthenticator(registry), JwtAuthenticator(ISSUER, AUDIENCE, idp.jwks_url))
    assert (await both.authenticate(key)).ncb == "DE"
    assert (await both.authenticate(idp.token({"ncb": "FR"}))).ncb == "FR"
    assert "unknown API key" in await refusal(both, "nrk_0123456789ab_" + "A" * 43)
    assert "no credential" in await refusal(both, "  ")

    local_only = authenticator_from_settings(Settings(api_credential_registry=registry.path, oidc_jwks_url=None))
    assert (await local_only.authenticate(key)).credential_id == record.id
    assert "no identity provider is configured" in await refusal(local_only, idp.token({"ncb": "FR"}))

    configured = authenticator_from_settings(Settings(api_credential_registry=tmp_path / "none.json",
                                                      oidc_issuer=ISSUER, oidc_audience=AUDIENCE,
                                                      oidc_jwks_url=idp.jwks_url))
    assert (await configured.authenticate(idp.token({"ncb": "FR"}))).ncb == "FR"
    with pytest.raises(ValueError, match="OIDC_AUDIENCE"):
        authenticator_from_settings(Settings(oidc_issuer=ISSUER, oidc_audience=None, oidc_jwks_url=idp.jwks_url))


def test_the_authorization_header_must_be_a_bearer_token() -> None:
    assert bearer_token("Bearer nrk_abc") == "nrk_abc"
    assert bearer_token("bearer  xyz ") == "xyz"
    for header in (None, "", "Basic dXNlcjpwYXNz", "Bearer "):
        with pytest.raises(Unauthenticated):
            bearer_token(header)
