"""`ndtf data load` says how many open cases and notices a load re-screens; `ndtf notice` shows the
re-screening's alerts (from a fake API answering in the API's shape)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
from typer.testing import CliRunner

from admin.cli import app as ndtf
from tests.cli.test_commands import Handler, fake_api, runner, store, write  # noqa: F401 - fixtures used here

LOADED = {
    "kind": "refugees", "rows": 12, "changed": True, "version": 4, "entries_changed": 2, "content_hash": "ab" * 32,
    "rescreen": {"workflow_id": "rescreen-refugees-v4-abababababababab", "started": True, "changed_entries": 2,
                 "open_cases": 3, "published_notices": 1},
}
FINDING = {
    "rule_id": "refugee.persecution_country_requests", "article": "Refugee policy (Art. 2(1))", "severity": "blocking",
    "field": "subject", "message": "Re-screening: entry ref-1 was added to the refugees list (version 4).",
    "source": "reference_data", "evidence": {"list": "refugees", "entry_id": "ref-1"},
}
NOTICE = {
    "notice_id": "N-FR-1", "request_id": "R-FR-1", "kind": "red_notice", "requesting_ncb": "FR",
    "status": "published", "published_at": "2026-01-05T10:00:00Z",
    "reference_alerts": [{"alert_key": "refugees:ref-1:abababab", "finding": FINDING, "at": "2026-03-01T09:00:00Z",
                          "version": 4}],
}


def test_a_load_prints_what_it_re_screens(
    runner: CliRunner, store: Path, fake_api: Callable[[Handler], list[httpx.Request]], tmp_path: Path  # noqa: F811
) -> None:
    seen = fake_api(lambda request: httpx.Response(200, json=LOADED))
    path = write(tmp_path, "refugees.csv", "family_name,forenames\n")
    result = runner.invoke(ndtf, ["data", "load", "refugees", str(path)])
    assert result.exit_code == 0, result.output
    assert "refugees: 12 rows, loaded as version 4" in result.stdout
    assert ("re-screening: 2 entries added or changed, against 3 open cases and 1 published notices "
            "(workflow rescreen-refugees-v4-abababababababab)") in " ".join(result.stdout.split())
    assert (seen[0].method, seen[0].url.path) == ("PUT", "/v1/reference-data/refugees")
    as_json = runner.invoke(ndtf, ["data", "load", "refugees", str(path), "--json"])
    assert json.loads(as_json.stdout)["rescreen"]["open_cases"] == 3


def test_a_retried_load_says_the_re_screening_was_started_before(
    runner: CliRunner, store: Path, fake_api: Callable[[Handler], list[httpx.Request]], tmp_path: Path  # noqa: F811
) -> None:
    again = {**LOADED, "changed": False, "rescreen": {**LOADED["rescreen"], "started": False}}  # type: ignore[dict-item]
    fake_api(lambda request: httpx.Response(200, json=again))
    result = runner.invoke(ndtf, ["data", "load", "refugees", str(write(tmp_path, "r.csv", "a\n"))])
    assert result.exit_code == 0, result.output
    assert "started by an earlier load of this content" in " ".join(result.stdout.split())


def test_the_notice_shows_its_reference_data_alerts(
    runner: CliRunner, store: Path, fake_api: Callable[[Handler], list[httpx.Request]]  # noqa: F811
) -> None:
    fake_api(lambda request: httpx.Response(200, json=NOTICE))
    result = runner.invoke(ndtf, ["notice", "N-FR-1", "--as", "legal.ana"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "Reference-data alerts" in result.stdout
    assert "refugee.persecution_country_requests" in result.stdout and "refugees ref-1" in result.stdout
