"""Who is calling, from the bearer token alone: a local API key (``nrk_…``) or an OAuth2 access token
(a JWT from the organisation's identity provider, verified against its published keys).

- ``JwtAuthenticator``: signature (RS256 or ES256, with a key from the issuer's JWKS, cached), ``iss``,
  ``aud``, ``exp`` and ``nbf``; then the principal from the claims: an NCB integration carries ``ncb``
  (its ISO code), a reviewer the role ``ndtf-reviewer`` and their ``preferred_username`` (else ``sub``),
  an administrator the role ``ndtf-admin``. Roles are read from Keycloak's ``realm_access.roles`` and
  ``resource_access[<audience>].roles``, a top-level ``roles`` list and ``groups``. A token that names
  more than one of these is refused: one credential, one identity.
- ``CombinedAuthenticator``: local keys first (by their prefix), then JWTs.
- ``authenticator_from_settings``: what the API uses, from ``runtime.config``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Sequence
from typing import Any

import jwt

from runtime.config import Settings, settings

from .credentials import TOKEN_PREFIX, LocalAuthenticator, LocalCredentials
from .principal import Authenticator, Principal, Unauthenticated

ALGORITHMS = ("RS256", "ES256")
REVIEWER_ROLE = "ndtf-reviewer"
ADMIN_ROLE = "ndtf-admin"
_KEY_TYPES = {"RS256": "RSA", "ES256": "EC"}
_NCB = re.compile(r"[A-Z]{2}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,127}")


class IdentityProviderUnavailable(Unauthenticated):
    """The token could not be checked because the issuer's keys cannot be fetched: a 503, not a 401."""


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header, or ``Unauthenticated`` saying what to send."""
    if not authorization or not authorization.strip():
        raise Unauthenticated("no credential: send `Authorization: Bearer <token>`")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be `Bearer <token>`")
    return token.strip()


def roles_of(claims: dict[str, Any], audience: str | None = None) -> set[str]:
    """Every role and group the token grants, wherever the identity provider put them."""

    def strings(value: Any) -> Iterable[str]:
        return (v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

    found: set[str] = set(strings(claims.get("roles")))
    realm = claims.get("realm_access")
    if isinstance(realm, dict):
        found.update(strings(realm.get("roles")))
    resources = claims.get("resource_access")
    if audience and isinstance(resources, dict) and isinstance(resources.get(audience), dict):
        found.update(strings(resources[audience].get("roles")))
    found.update(group.strip("/").rsplit("/", 1)[-1] for group in strings(claims.get("groups")))
    return found


def principal_from_claims(claims: dict[str, Any], audience: str | None = None) -> Principal:
    """The one principal verified claims prove (NCB, reviewer or administrator), or ``Unauthenticated``."""
    roles = roles_of(claims, audience)
    jti = claims.get("jti") if isinstance(claims.get("jti"), str) else None
    name = claims.get("preferred_username") or claims.get("sub")
    ncb = claims.get("ncb")
    identities = [what for what, present in (
        ("ncb", ncb is not None), ("reviewer", REVIEWER_ROLE in roles), ("administrator", ADMIN_ROLE in roles)
    ) if present]
    if not identities:
        raise Unauthenticated(f"the token names no caller of this service: it needs a claim `ncb`, or the role "
                              f"{REVIEWER_ROLE} or {ADMIN_ROLE}")
    if len(identities) > 1:
        raise Unauthenticated(f"the token names more than one kind of caller ({', '.join(identities)}): "
                              "one credential proves one identity")
    if identities == ["ncb"]:
        if not isinstance(ncb, str) or not _NCB.fullmatch(ncb.strip().upper()):
            raise Unauthenticated("the token's `ncb` claim is not a two-letter ISO 3166-1 code")
        return Principal.for_ncb(ncb.strip(), credential_id=jti)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise Unauthenticated("the token has no usable `preferred_username` or `sub` to name the caller")
    if identities == ["reviewer"]:
        return Principal.for_reviewer(name, credential_id=jti)
    return Principal.administrator(name, credential_id=jti)


class JwtAuthenticator:
    """OAuth2 bearer tokens (JWT) of one issuer, verified with the keys of its JWKS (fetched and cached
    by ``jwt.PyJWKClient``: the set for ``jwks_lifespan`` seconds, refetched at most every
    ``refresh_cooldown`` seconds for a key id it does not know, e.g. after the issuer rotated keys)."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_url: str,
        *,
        algorithms: Sequence[str] = ALGORITHMS,
        leeway: float = 30.0,
        jwks_lifespan: float = 300.0,
        refresh_cooldown: float = 30.0,
        timeout: float = 10.0,
    ) -> None:
        unknown = set(algorithms) - set(_KEY_TYPES)
        if unknown:
            raise ValueError(f"unsupported algorithms {sorted(unknown)}: use {', '.join(ALGORITHMS)}")
        self.issuer = issuer
        self.audience = audience
        self.algorithms = list(algorithms)
        self.leeway = leeway
        self.keys = jwt.PyJWKClient(
            jwks_url, cache_jwk_set=True, lifespan=jwks_lifespan, cooldown_duration=refresh_cooldown,
            timeout=timeout,
        )

    async def authenticate(self, token: str) -> Principal:
        return principal_from_claims(await self.verify(token), self.audience)

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims once signature, issuer, audience and validity period are checked."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("not a bearer token this service accepts (neither nrk_… nor a JWT)") from None
        algorithm = header.get("alg")
        if algorithm not in self.algorithms:
            raise Unauthenticated(f"token algorithm {algorithm!r} is not accepted (only {', '.join(self.algorithms)})")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("the token names no signing key (`kid`)")
        try:
            key = await asyncio.to_thread(self.keys.get_signing_key, kid)
        except jwt.PyJWKClientConnectionError as error:
            raise IdentityProviderUnavailable(f"the identity provider's keys cannot be fetched: {error}") from None
        except jwt.PyJWKClientError:
            raise Unauthenticated("the token was signed with a key the identity provider does not publish") from None
        except jwt.PyJWTError as error:  # a JWKS that does not parse
            raise IdentityProviderUnavailable(f"the identity provider's keys are unusable: {error}") from None
        if key.key_type != _KEY_TYPES[algorithm] or key.algorithm_name != algorithm:
            raise Unauthenticated(f"the token's algorithm {algorithm} does not fit its key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud"], "verify_signature": True},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("token not valid yet (nbf or iat in the future)") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated("token from another issuer") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("token signature does not verify") from None
        except jwt.MissingRequiredClaimError as error:
            raise Unauthenticated(f"token lacks the claim {error.claim!r}") from None
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"token refused: {error}") from None
        return claims


class CombinedAuthenticator:
    """Local API keys (``nrk_…``) go to ``local``, everything else to ``jwt``; either may be absent."""

    def __init__(self, local: Authenticator | None = None, jwt_auth: Authenticator | None = None) -> None:
        self.local = local
        self.jwt = jwt_auth

    async def authenticate(self, token: str) -> Principal:
        token = token.strip()
        if not token:
            raise Unauthenticated("no credential: send `Authorization: Bearer <token>`")
        if token.startswith(TOKEN_PREFIX):
            if self.local is None:
                raise Unauthenticated("local API keys are not accepted here")
            return await self.local.authenticate(token)
        if self.jwt is None:
            raise Unauthenticated("bearer tokens other than local API keys (nrk_…) are not accepted: no identity "
                                  "provider is configured (OIDC_ISSUER, OIDC_AUDIENCE, OIDC_JWKS_URL)")
        return await self.jwt.authenticate(token)


def authenticator_from_settings(config: Settings | None = None) -> CombinedAuthenticator:
    """Local keys from ``API_CREDENTIAL_REGISTRY``; JWTs too when ``OIDC_JWKS_URL`` is set (then
    ``OIDC_ISSUER`` and ``OIDC_AUDIENCE`` must be as well: a token is never accepted unchecked)."""
    config = config or settings()
    jwt_auth: JwtAuthenticator | None = None
    if config.oidc_jwks_url:
        missing = [name for name, value in (("OIDC_ISSUER", config.oidc_issuer),
                                            ("OIDC_AUDIENCE", config.oidc_audience)) if not value]
        if missing:
            raise ValueError(f"OIDC_JWKS_URL is set but {' and '.join(missing)} is not: set both to accept JWTs")
        assert config.oidc_issuer and config.oidc_audience
        jwt_auth = JwtAuthenticator(config.oidc_issuer, config.oidc_audience, config.oidc_jwks_url)
    return CombinedAuthenticator(LocalAuthenticator(LocalCredentials(config.api_credential_registry)), jwt_auth)
