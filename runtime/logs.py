"""How the worker and the API write their logs: one record, one line, whatever a field holds.

A record's message can quote what came from outside (an external service's error, a path, a reference):
a CR/LF there would start a line that reads like another record, and an ESC sequence would rewrite the
terminal of whoever tails the log. The formatter escapes every control character of the message
(``\\n``, ``\\r``, ``\\x1b``...); a traceback keeps its lines, each continuation indented, so no line of
it can pass for a record of its own.
"""

from __future__ import annotations

import logging
import unicodedata

FORMAT = "%(asctime)s %(name)s %(message)s"

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escaped(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with each control character (and U+2028, U+2029) written as an escape."""
    out = []
    for char in text:
        if keep_newlines and char == "\n":
            out.append(char)
        elif char in _NAMED:
            out.append(_NAMED[char])
        elif char in "\u2028\u2029" or unicodedata.category(char) == "Cc":
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


class OneLineFormatter(logging.Formatter):
    """A record on one line; its traceback, if any, on the lines after it, indented."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = escaped(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: object) -> str:  # noqa: N802 - logging's name
        text = super().formatException(ei)  # type: ignore[arg-type]
        return _indented(escaped(text, keep_newlines=True))

    def formatStack(self, stack_info: str) -> str:  # noqa: N802 - logging's name
        return _indented(escaped(stack_info, keep_newlines=True))


def _indented(text: str) -> str:
    return "\n".join("  " + line for line in text.split("\n"))


def configure_logging(level: str | int = "INFO") -> None:
    """The root logger writes to stderr through ``OneLineFormatter`` (what ``basicConfig`` did, escaped)."""
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
