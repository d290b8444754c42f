"""Configuration from the environment, in one place, with defaults that work for `make run`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NOTICE_VAR_DIR", PROJECT_ROOT / "var"))


def _default_database_url() -> str:
    return f"sqlite+aiosqlite:///{VAR_DIR / 'notices.db'}"


def payload_key_file() -> Path:
    """Where `make run` keeps the payload key it generated (0600), so a restarted stack, the `ncb` and
    `ndtf` commands and the API all read what the worker wrote."""
    return VAR_DIR / "payload.key"


def codec_token_file() -> Path:
    """Where `make run` keeps the bearer token its codec server requires (0600)."""
    return VAR_DIR / "codec.token"


def _from_env_or_file(name: str, path: Path) -> str | None:
    """``$name`` when it is set (set and empty: explicitly none, the file is not read), else the file's
    content when it exists."""
    if name in os.environ:
        return os.environ[name].strip() or None
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class Settings:
    temporal_address: str = field(default_factory=lambda: os.environ.get("TEMPORAL_ADDRESS", "127.0.0.1:7233"))
    temporal_namespace: str = field(default_factory=lambda: os.environ.get("TEMPORAL_NAMESPACE", "default"))
    task_queue: str = field(default_factory=lambda: os.environ.get("TASK_QUEUE", "notice-review"))
    database_url: str = field(default_factory=lambda: os.environ.get("DATABASE_URL") or _default_database_url())
    smtp_host: str = field(default_factory=lambda: os.environ.get("SMTP_HOST", "127.0.0.1"))
    smtp_port: int = field(default_factory=lambda: int(os.environ.get("SMTP_PORT", "8025")))
    mail_from: str = field(default_factory=lambda: os.environ.get("MAIL_FROM", "ndtf@notices.example.org"))
    ndtf_mailbox: str = field(
        default_factory=lambda: os.environ.get("NDTF_MAILBOX", "ndtf.escalations@notices.example.org")
    )
    """Where escalations to the Task Force itself go (NCBs silent past an instruction's deadline)."""
    ncb_mail_domain: str = field(default_factory=lambda: os.environ.get("NCB_MAIL_DOMAIN", "ncb.example.org"))
    payload_key: str | None = field(default_factory=lambda: _from_env_or_file("PAYLOAD_KEY", payload_key_file()))
    """Base64 AES key for the payload codec; payloads are encrypted when it is set. Unset, the key `make
    run` generated (``var/payload.key``) when there is one; ``PAYLOAD_KEY=`` (empty) turns that off."""
    codec_token: str | None = field(default_factory=lambda: _from_env_or_file("CODEC_TOKEN", codec_token_file()))
    """The bearer token the codec server requires: ``CODEC_TOKEN``, else ``var/codec.token``."""
    api_url: str = field(default_factory=lambda: os.environ.get("NOTICE_API") or "http://127.0.0.1:8000")
    """The service's HTTP API (`make run` serves it there)."""
    otel_endpoint: str | None = field(default_factory=lambda: os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
    """An OpenTelemetry collector: when set, the worker exports its traces there (OTLP over HTTP)."""
    otel_console: bool = field(default_factory=lambda: os.environ.get("OTEL_TRACES_EXPORTER") == "console")
    metrics_port: int | None = field(
        default_factory=lambda: int(os.environ["METRICS_PORT"]) if os.environ.get("METRICS_PORT") else None
    )
    metrics_refresh_seconds: float = field(
        default_factory=lambda: float(os.environ.get("METRICS_REFRESH_SECONDS") or 30)
    )
    """How often the worker recounts the service gauges (cases by stage, overdue, outbox) for METRICS_PORT."""
    api_credential_registry: Path = field(
        default_factory=lambda: Path(os.environ.get("API_CREDENTIAL_REGISTRY") or VAR_DIR / "api-credentials.json")
    )
    """The server's record of the credentials it issued: only a hash of each secret (mode 0600)."""
    notice_credentials: Path = field(
        default_factory=lambda: Path(os.environ.get("NOTICE_CREDENTIALS") or VAR_DIR / "credentials.json")
    )
    """The commands' store of tokens, one per profile (``ncb:FR``, ``reviewer:legal.ana``, ``admin``; mode 0600)."""
    max_cached_workflows: int = field(
        default_factory=lambda: int(os.environ.get("WORKER_MAX_CACHED_WORKFLOWS") or 1000)
    )
    """Workflows a worker keeps in its sticky cache (about 250 KiB each, measured): the memory bound of
    a worker whatever the backlog. A case outside it replays its history (40-150 events, milliseconds of
    CPU) when a reviewer next acts; 1,000 is temporalio's default."""
    max_concurrent_activities: int = field(
        default_factory=lambda: int(os.environ.get("WORKER_MAX_CONCURRENT_ACTIVITIES") or 100)
    )
    """Activities a worker runs at once (temporalio's default 100). The registry's pool holds 15
    connections a process (SQLAlchemy's 5 + 10 overflow): beyond them, registry activities wait for a
    connection while their start-to-close clocks run."""
    claim_hours: float = field(default_factory=lambda: float(os.environ.get("CLAIM_HOURS") or 4))
    """How long a reviewer's claim on a case holds before it lapses (at most 24 hours)."""
    console_session_key: str | None = field(default_factory=lambda: os.environ.get("CONSOLE_SESSION_KEY") or None)
    """Base64 AES-256 key sealing the console's session cookies; unset, each API process draws its own, so
    sessions end when it restarts (set it when several API processes serve the console)."""
    console_session_hours: float = field(default_factory=lambda: float(os.environ.get("CONSOLE_SESSION_HOURS") or 8))
    """How long a console sign-in lasts (an OIDC token's own expiry ends it sooner)."""
    oidc_issuer: str | None = field(default_factory=lambda: os.environ.get("OIDC_ISSUER") or None)
    """The identity provider whose bearer tokens (JWT) the API accepts: their ``iss``."""
    oidc_audience: str | None = field(default_factory=lambda: os.environ.get("OIDC_AUDIENCE") or None)
    """The ``aud`` those tokens must carry."""
    oidc_jwks_url: str | None = field(default_factory=lambda: os.environ.get("OIDC_JWKS_URL") or None)
    """Where the issuer publishes its signing keys; when set, bearer tokens (JWT) are accepted."""
    oidc_client_id: str | None = field(default_factory=lambda: os.environ.get("OIDC_CLIENT_ID") or None)
    """The console's client at the identity provider: when set (with ``OIDC_ISSUER`` and ``OIDC_JWKS_URL``),
    the sign-in page offers the provider's login (authorization code with PKCE)."""
    oidc_client_secret: str | None = field(default_factory=lambda: os.environ.get("OIDC_CLIENT_SECRET") or None)
    """Only for a confidential client: sent to the token endpoint (HTTP Basic); unset, a public client."""
    oidc_redirect_url: str | None = field(default_factory=lambda: os.environ.get("OIDC_REDIRECT_URL") or None)
    """Where the provider sends the browser back (register it there); unset, ``/console/oidc/callback`` on
    the address the browser used (set it behind a proxy that changes the host or scheme)."""
    oidc_scopes: str = field(default_factory=lambda: os.environ.get("OIDC_SCOPES") or "openid")
    """The scopes asked for, space-separated (``openid`` is always among them); add what puts the
    ``ndtf-reviewer`` role and ``preferred_username`` in the access token at your provider (``profile``, ``roles``)."""
    external_screening_url: str | None = field(default_factory=lambda: os.environ.get("EXTERNAL_SCREENING_URL") or None)
    """A screening service speaking yente's ``/match`` API (e.g. ``http://127.0.0.1:8000`` of a yente, or
    ``https://api.opensanctions.org``): when set, screening also asks it about the subject and each alias;
    unset, screening consults no external source."""
    external_screening_dataset: str = field(
        default_factory=lambda: os.environ.get("EXTERNAL_SCREENING_DATASET") or "default"
    )
    """The yente dataset (or collection) matched against: ``/match/<dataset>``."""
    external_screening_api_key: str | None = field(
        default_factory=lambda: os.environ.get("EXTERNAL_SCREENING_API_KEY") or None
    )
    """Sent as ``Authorization: ApiKey <key>`` when set (as the hosted OpenSanctions API expects; a self-hosted
    yente has no authentication of its own)."""
    external_screening_threshold: float = field(
        default_factory=lambda: float(os.environ.get("EXTERNAL_SCREENING_THRESHOLD") or 0.7)
    )
    """The lowest score (yente's, 0 to 1) that becomes a finding; yente's own default is 0.7."""
    external_screening_timeout: float = field(
        default_factory=lambda: float(os.environ.get("EXTERNAL_SCREENING_TIMEOUT") or 10.0)
    )
    """Seconds the whole call may take; past it screening goes on with an ``external.unavailable`` finding."""
    external_screening_algorithm: str = field(
        default_factory=lambda: os.environ.get("EXTERNAL_SCREENING_ALGORITHM") or "best"
    )
    """yente's scoring algorithm (its ``algorithm`` query parameter; ``best`` is yente's default)."""


def settings() -> Settings:
    return Settings()
