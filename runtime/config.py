"""Configuration from the environment, in one place, with defaults that work for `make run`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NOTICE_VAR_DIR", PROJECT_ROOT / "var"))


def _default_database_url() -> str:
    return f"sqlite+aiosqlite:///{VAR_DIR / 'notices.db'}"


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
    payload_key: str | None = field(default_factory=lambda: os.environ.get("PAYLOAD_KEY"))
    """Base64 AES key for the payload codec; payloads are encrypted when it is set."""
    otel_endpoint: str | None = field(default_factory=lambda: os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
    """An OpenTelemetry collector: when set, the worker exports its traces there (OTLP over HTTP)."""
    otel_console: bool = field(default_factory=lambda: os.environ.get("OTEL_TRACES_EXPORTER") == "console")
    metrics_port: int | None = field(
        default_factory=lambda: int(os.environ["METRICS_PORT"]) if os.environ.get("METRICS_PORT") else None
    )


def settings() -> Settings:
    return Settings()
