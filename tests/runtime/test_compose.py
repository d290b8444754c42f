"""docker-compose.yml starts what the design lists, and registers exactly our search attributes.

No Docker engine runs here: ``docker-compose config`` validates the file when the binary is
installed; the structure is checked from the YAML either way, and the namespace/search-attribute
job's script is run for real against a dev server (it only needs the `temporal` CLI).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client

from devstack.devserver import free_port, start_dev_server
from runtime.search_attributes import registration

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
TYPES = {
    IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD: "Keyword",
    IndexedValueType.INDEXED_VALUE_TYPE_DATETIME: "Datetime",
    IndexedValueType.INDEXED_VALUE_TYPE_INT: "Int",
    IndexedValueType.INDEXED_VALUE_TYPE_BOOL: "Bool",
}
EXPECTED_ATTRIBUTES = {name: TYPES[kind] for name, kind in registration().items()}


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def _script(service: dict[str, Any]) -> str:
    command = service["command"]
    return command if isinstance(command, str) else "\n".join(command)


def test_compose_file_passes_docker_compose_config():
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose); YAML checks below still run")
    result = subprocess.run([binary, "config", "-q"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_compose_has_every_piece_of_the_stack(services: dict[str, Any]):
    assert {"postgresql", "temporal", "temporal-ui", "temporal-setup", "migrate", "worker", "mailpit"} <= set(services)
    assert services["postgresql"]["image"].startswith("postgres:")
    assert services["temporal-ui"]["image"].startswith("temporalio/ui")
    assert services["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_temporal_runs_on_the_postgresql_service(services: dict[str, Any]):
    temporal = services["temporal"]
    assert temporal["image"].startswith("temporalio/")
    assert temporal["environment"]["DB"] == "postgres12"
    assert temporal["environment"]["POSTGRES_SEEDS"] == "postgresql"
    assert services["temporal-schema"]["depends_on"]["postgresql"]["condition"] == "service_healthy"
    assert temporal["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"


def test_worker_waits_for_setup_and_migrations_and_uses_postgresql(services: dict[str, Any]):
    worker = services["worker"]
    assert worker["build"] == "."
    env = worker["environment"]
    assert env["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert env["DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert env["DATABASE_URL"].endswith("@postgresql:5432/notices")
    assert env["SMTP_HOST"] == "mailpit"
    for job in ("temporal-setup", "migrate"):
        assert worker["depends_on"][job]["condition"] == "service_completed_successfully"
        assert "restart" not in services[job], f"{job} is a one-shot job"


def test_setup_job_registers_exactly_our_search_attributes(services: dict[str, Any]):
    registered = dict(re.findall(r"--name (\w+) --type (\w+)", _script(services["temporal-setup"])))
    assert registered == EXPECTED_ATTRIBUTES


def test_dockerfile_builds_the_worker():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert 'CMD ["python", "-m", "worker"]' in dockerfile


@pytest.mark.devserver
async def test_setup_job_script_registers_them_on_a_real_server(services: dict[str, Any]):
    """Run the job's script (compose's `$$` unescaped) against a dev server started without them, twice."""
    shell = shutil.which("sh")
    if shell is None:
        pytest.skip("no /bin/sh")
    script = _script(services["temporal-setup"]).replace("$$", "$")
    with start_dev_server(free_port(), None, search_attributes=False) as server:
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "TEMPORAL_ADDRESS": server.address,
            "NAMESPACE": "default",
        }
        for attempt in ("first run", "re-run"):
            result = await asyncio.to_thread(
                subprocess.run, [shell, "-c", script], env=env, capture_output=True, text=True, timeout=120
            )
            assert result.returncode == 0, f"{attempt}: {result.stdout}\n{result.stderr}"
        client = await Client.connect(server.address)
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace="default")
        )
    custom = {name: TYPES.get(kind, str(kind)) for name, kind in listed.custom_attributes.items()}
    assert {name: custom.get(name) for name in EXPECTED_ATTRIBUTES} == EXPECTED_ATTRIBUTES
