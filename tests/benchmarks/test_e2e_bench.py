"""`make bench-e2e` in miniature: six requests driven end to end beside the skeleton, ten open cases.

The benchmark starts its own dev server, worker, API and skeleton (so this test is marked ``devserver``);
what is checked is what its user reads: every request reached its scripted end on both systems, the
figures and ratios are there, the history sizes per path, and the open-case queue complete and ordered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.config import PROJECT_ROOT

pytestmark = pytest.mark.devserver

REQUESTS = 6
OPEN_CASES = 10


def test_six_requests_reach_their_end_beside_the_skeleton_and_the_queue_holds_every_open_case(
    tmp_path: Path,
) -> None:
    out = tmp_path / "report.json"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.e2e_bench", "--requests", str(REQUESTS), "--open-cases", str(OPEN_CASES),
         "--batch", "5", "--samples", "2", "--warmup", "0", "--quiet", "--json", str(out)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))

    for system in ("real", "skeleton"):
        part = report[system]
        assert part["errors"] == [], (system, part["errors"])
        assert set(part["ended"]) <= {"published", "denied"}, (system, part["ended"])
        assert sum(part["ended"].values()) == REQUESTS, (system, part["ended"])
        assert part["throughput_rps"] > 0
        assert part["submit_to_queue_s"]["n"] == REQUESTS
        assert part["worker_cpu_ms_per_request"] > 0
        assert {"assess", "decide"} <= set(part["actions_s"])
    real = report["real"]
    for trace in real["traces"]:
        assert trace["stages"][-1] in ("published", "denied"), trace
        assert trace["actions"][-1][0] == "decide", trace
    assert report["skeleton"]["paths"] == real["paths"], "the skeleton took the paths of its real twins"
    started = list(real["started_per_request"].values())
    assert started[0] > 0 and list(report["skeleton"]["started_per_request"].values()) == started, (
        "the skeleton started as many delivery and notice workflows as the real cases")
    assert set(real["history_events"]) == set(real["paths"])
    assert all(v["events"]["min"] > 20 for v in real["history_events"].values())
    for name in ("throughput", "submit_to_queue_p95", "action_p95", "worker_cpu_per_request"):
        assert isinstance(report["ratios"][name], float), name

    scale = report["open"]
    assert scale["open_cases"] == OPEN_CASES
    assert len(scale["batches"]) == 2 and scale["cpu_flatness"] is not None
    assert (scale["queue_missing"], scale["queue_duplicated"], scale["queue_ordered"]) == (0, 0, True)
    assert scale["queue_command_listed"] is not None and scale["queue_command_listed"] >= OPEN_CASES
    assert scale["queue_api_first_page_s"]["p95"] is not None and scale["case_api_s"]["n"] == 2
    assert scale["action_s"]["n"] >= 1
    assert report["worker_memory"]["peak_rss_kib"] > 0
    assert {g["pass"] for g in report["goals"]} <= {True, False, None}
    assert "goals:" in done.stdout and ("PASS" in done.stdout or "FAIL" in done.stdout)
