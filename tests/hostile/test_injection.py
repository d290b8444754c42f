"""Text that tries to escape its field: into a mail's headers, or into the lines of a log.

There is no CSV export anywhere in the service (the audit trail is read through ``GET
/v1/audit/verification``; ``ndtf`` prints tables and ``--json``; nothing writes CSV), so formula cells
(``=``, ``+``, ``-``, ``@``) have nowhere to land; reference lists are CSV going in only, and a cell there
holding a control character is refused (tests/hostile/test_reference_data.py).
"""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from email.parser import BytesParser
from email.policy import default

from hypothesis import given
from hypothesis import strategies as st

from activities.mail import MailActivities
from models.case import ReviewStage
from registry.tables import OutboxDeliveryRow, OutboxRow
from runtime.config import PROJECT_ROOT, Settings
from runtime.logs import FORMAT, OneLineFormatter
from tests.api.conftest import Api, eventually
from tests.hostile.conftest import hostile
from tests.hostile.test_actions import in_stage, submit

BREAKS = st.sampled_from(["\r\n", "\n", "\r", "\u2028", "\x85", "\x0b", "\x0c", "\r\n\r\n", "\x00", "\x1b[2J"])
INJECTED = st.builds(
    lambda before, br, header, after: f"{before}{br}{header}{after}",
    st.text(max_size=30),
    BREAKS,
    st.sampled_from(["Bcc: spy@evil.example", "To: spy@evil.example", "Content-Type: text/html", "X-Forged: 1",
                     "", "Subject: forged"]),
    st.text(max_size=30),
)
HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "X-NDTF-Message-Key", "X-NDTF-Message-Kind",
           "Content-Type", "Content-Transfer-Encoding", "MIME-Version"]
"""The headers a message to an NCB has, and no other."""


def _compose(subject: str, body: str = "Body.", address: str = "ncb.fr@ncb.example.org") -> bytes:
    mail = MailActivities(db=None, settings=Settings(database_url="unused"))  # type: ignore[arg-type]
    message = OutboxRow(message_key="R-FR-1/msg/1", kind="publication", subject=subject, body=body,
                        created_at=datetime(2026, 1, 1, tzinfo=UTC))
    delivery = OutboxDeliveryRow(message_key="R-FR-1/msg/1", ncb="FR", address=address)
    return mail._email(message, delivery).as_bytes()  # noqa: SLF001 - what goes on the wire


@hostile
@given(subject=INJECTED, body=INJECTED)
def test_a_subject_or_body_with_line_breaks_adds_no_header(subject: str, body: str) -> None:
    parsed = BytesParser(policy=default).parsebytes(_compose(subject, body))
    assert sorted(parsed.keys()) == sorted(HEADERS), parsed.keys()
    assert "spy@evil.example" not in str(parsed["To"])
    shown = str(parsed["Subject"])
    assert not re.search(r"[\r\n\x00\x0b\x0c\x1b\x85\u2028]", shown), repr(shown)


async def test_a_question_written_to_forge_headers_reaches_the_ncb_in_the_body_only(hostile_api: Api) -> None:
    """End to end: a reviewer's question (which may run over lines) with header lines in it; the NCB's
    mail has its own headers only, goes to the NCB alone, and carries the question in its body."""
    request_id = await submit(hostile_api, "red-notice-fraud.json", "FR")
    await in_stage(hostile_api, request_id, ReviewStage.LEGAL_ASSESSMENT)
    question = "Is the warrant in force?\r\nBcc: spy@evil.example\r\nSubject: forged\r\n\r\nForged body."
    asked = await hostile_api.call("reviewer:legal.ana", "POST", f"/v1/cases/{request_id}/info-requests",
                                   json={"question": question, "due_days": 14})
    assert asked.status_code == 200, asked.text
    mailbox = hostile_api.mailbox
    assert mailbox is not None

    async def delivered() -> list[Message]:
        return [m for m in mailbox.to("ncb.fr@") if "information requested" in str(m["Subject"])]

    [received] = await eventually(delivered, "the question's mail")
    names = {name for name in received.keys() if name != "X-Envelope-To"}
    assert names <= {*HEADERS, "X-Peer", "X-MailFrom", "X-RcptTo"}, names
    assert received["X-Envelope-To"] == "ncb.fr@ncb.example.org"
    assert "forged" not in str(received["Subject"]).lower()
    payload = message_from_bytes(received.as_bytes()).get_payload(decode=True)
    assert isinstance(payload, bytes)
    body = payload.decode()
    assert "Bcc: spy@evil.example" in body and "Forged body." in body


# --- log lines --------------------------------------------------------------------------------------

RECORD = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} \S+ ")


def _lines_of(output: str) -> list[str]:
    assert output.endswith("\n")
    return output[:-1].split("\n")


@hostile
@given(field=INJECTED, other=INJECTED)
def test_a_logged_field_cannot_start_a_line_of_its_own(field: str, other: str) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(OneLineFormatter(FORMAT))
    logger = logging.getLogger("notice.hostile")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("external screening at %s unavailable: %s", field, other)
        try:
            raise ValueError(other)
        except ValueError:
            logger.exception("could not audit a refused %s", field)
    finally:
        logger.removeHandler(handler)
    lines = _lines_of(stream.getvalue())
    records = [line for line in lines if not line.startswith("  ")]
    assert len(records) == 2 and all(RECORD.match(line) for line in records), lines
    assert not any(re.search(r"[\r\x00\x0b\x0c\x1b\x85\u2028]", line) for line in lines), lines


def test_the_worker_logs_through_the_one_line_formatter() -> None:
    """The worker's own configuration (``python -m worker``), failing at once on an address that is not
    one: its record is one line and its traceback indented under it."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TEMPORAL_ADDRESS": "127.0.0.1:notaport\r\nforged",
           "PAYLOAD_KEY": "", "DATABASE_URL": "sqlite+aiosqlite:///:memory:"}
    run = subprocess.run([sys.executable, "-m", "worker"], env=env, capture_output=True, text=True, timeout=120,
                         cwd=PROJECT_ROOT, check=False)
    assert run.returncode == 1, run.stderr
    lines = [line for line in _lines_of(run.stderr) if "temporalio_sdk_core" not in line]
    assert RECORD.match(lines[0]) and lines[0].endswith("worker failed"), lines[:3]
    assert all(line.startswith("  ") for line in lines[1:]), lines
