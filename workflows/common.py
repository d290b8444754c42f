"""What both long-running workflows share: activity options and the refusal of an action."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

DB_TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(maximum_interval=timedelta(minutes=1))
"""Registry activities retry until they succeed: each is idempotent, and a case must not be lost."""


class Refused(Exception):
    """An action that is not valid now: nothing changes, the refusal is recorded, the sender is told."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
