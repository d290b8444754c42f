"""`make test`: pytest, then a hard exit with pytest's own code.

A process that used a Temporal client can abort at interpreter shutdown (exit 134, see
temporalio/sdk-python#300) after every test passed; leaving with ``os._exit`` once output is
flushed keeps that from turning a green run red. Exit code 5 (no tests collected) stays a failure.
"""

from __future__ import annotations

import os
import sys

import pytest


def main(argv: list[str] | None = None) -> int:
    code = int(pytest.main(sys.argv[1:] if argv is None else argv))
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("tests.run: no tests were collected: that is a failure, not a pass", file=sys.stderr)
    return code


if __name__ == "__main__":
    exit_code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
