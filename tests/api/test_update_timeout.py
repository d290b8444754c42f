"""An update the workflow does not answer within the server's own wait is a 504 the client can act on
(read the case, then retry), not a 500: the action may still take effect."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError

from api.problems import ProblemError
from api.routes.access import Door


async def _unanswered() -> Any:
    raise WorkflowUpdateRPCTimeoutOrCancelledError()


async def test_an_update_left_unanswered_is_a_timeout_that_says_to_read_the_case() -> None:
    door = cast(Door, SimpleNamespace(limits=SimpleNamespace(temporal_timeout=5.0)))
    with pytest.raises(ProblemError) as raised:
        await Door.temporal(door, _unanswered(), "case")
    problem = raised.value
    assert problem.status_code == 504 and problem.kind == "TemporalTimeout"
    assert "read the case" in problem.message
