"""`make run` keeps the mail NCBs would receive, and logs no personal data about it."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from devstack.devserver import free_port
from devstack.smtp_sink import KIND_HEADER, SmtpSink


def _send(port: int, kind: str | None) -> None:
    message = EmailMessage()
    message["From"] = "ndtf@notices.example.org"
    message["To"] = "ncb.paris@example.org"
    message["Subject"] = "Request R-FR-1: information needed about MARCHETTI"
    if kind:
        message[KIND_HEADER] = kind
    message.set_content("Dear colleagues, please send the arrest warrant for Lucien Paul MARCHETTI.")
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        smtp.send_message(message)


async def test_each_message_is_kept_as_an_eml_file(tmp_path: Path):
    port = free_port()
    with SmtpSink(tmp_path, port=port) as sink:
        await asyncio.to_thread(_send, port, "clarification_request")
        await asyncio.to_thread(_send, port, "reminder")
        files = sink.handler.messages()
    assert len(files) == 2
    assert b"arrest warrant" in files[0].read_bytes()


async def test_the_log_line_names_the_kind_not_the_person(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    port = free_port()
    with caplog.at_level(logging.INFO, logger="smtp-sink"), SmtpSink(tmp_path, port=port):
        await asyncio.to_thread(_send, port, "clarification_request")
    [line] = [r.getMessage() for r in caplog.records if r.name == "smtp-sink"]
    assert "clarification_request" in line
    assert "MARCHETTI" not in line
    assert "ncb.paris@example.org" not in line
