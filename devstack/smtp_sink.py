"""A local mail server for `make run`: keeps every message NCBs would receive as a .eml file.

Nothing leaves the machine. Each message is written to ``var/mail/<time>-<n>.eml`` (open it with
any mail reader) and one log line names its kind: the ``X-NDTF-Message-Kind`` header when the sender
sets one, else the subject. Sender, recipients and body are not logged: they may carry personal data.

    python -m devstack.smtp_sink --port 8025
"""

from __future__ import annotations

import argparse
import itertools
import logging
import signal
import threading
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from runtime.config import VAR_DIR

log = logging.getLogger("smtp-sink")

KIND_HEADER = "X-NDTF-Message-Kind"
"""Set by activities.mail on every message it sends."""


class MailDirHandler:
    """aiosmtpd handler: store, log one line, accept."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook)
        raw: bytes = envelope.original_content or envelope.content
        with self._lock:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            path = self.directory / f"{stamp}-{next(self._counter):04d}.eml"
        path.write_bytes(raw)
        message = message_from_bytes(raw, policy=default_policy)
        kind = message.get(KIND_HEADER) or message.get("Subject") or "(no subject)"
        log.info("mail %s: %s, %d recipient(s)", path.name, kind, len(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def messages(self) -> list[Path]:
        return sorted(self.directory.glob("*.eml"))


class SmtpSink:
    """The sink on its own thread and event loop (aiosmtpd's Controller)."""

    def __init__(self, directory: Path | None = None, host: str = "127.0.0.1", port: int = 8025) -> None:
        self.handler = MailDirHandler(directory or VAR_DIR / "mail")
        self.host, self.port = host, port
        self._controller = Controller(self.handler, hostname=host, port=port)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local SMTP sink writing .eml files")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=VAR_DIR / "mail", help="where to write .eml files")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with SmtpSink(args.dir, args.host, args.port):
        log.info("listening on %s:%d, writing to %s", args.host, args.port, args.dir)
        stop.wait()


if __name__ == "__main__":
    main()
