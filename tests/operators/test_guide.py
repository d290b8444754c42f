"""The README's operators' guide says what is true: every list filter it gives is one the dev server
accepts, and it explains every search attribute and every metric the service defines."""

from __future__ import annotations

import re

import pytest

from runtime import metrics
from runtime.config import PROJECT_ROOT
from runtime.search_attributes import ALL
from tests.operators.conftest import OperatorsServer


def guide() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text()
    start = readme.index("## Operators' guide")
    end = readme.index("\n## ", start + 1)
    return readme[start:end]


def guide_filters() -> list[str]:
    """The filter column of the guide's "List filters that matter" table."""
    section = guide().split("### List filters that matter", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| to find")]
    return [match.group(1) for row in rows if (match := re.search(r"\| `([^`]+)` \|$", row))]


def test_the_guide_gives_the_filters_operators_need() -> None:
    filters = guide_filters()
    assert len(filters) >= 10
    for attribute in ("ReviewStage", "NextDeadline", "Overdue", "Escalated", "RequestingNcb",
                      "TemporalReportedProblems", "ExecutionStatus"):
        assert any(attribute in f for f in filters), attribute
    assert 'ReviewStage="awaiting_clarification" AND NextDeadline < "2026-12-01T00:00:00Z"' in filters


def test_the_guide_explains_every_search_attribute_and_metric() -> None:
    text = guide()
    for key in ALL:
        assert f"`{key.name}`" in text, key.name
    for name in (*metrics.WORKER_METRICS, *metrics.API_METRICS):
        assert f"`{name}`" in text, name


@pytest.mark.devserver
async def test_every_filter_of_the_guide_is_accepted_by_the_dev_server(ui_server: OperatorsServer) -> None:
    client = ui_server.env.client
    for query in guide_filters():
        await client.count_workflows(query)  # an invalid query raises, naming what is wrong
