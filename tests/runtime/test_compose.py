"""docker-compose.yml starts what the design lists, as a deployment would, and registers exactly our
search attributes.

No Docker engine runs here: ``docker-compose config`` validates the file (with the secrets it requires
set in its environment, and refuses it without them); the structure is checked from the YAML,
interpolated with compose's defaults, either way: the Temporal server's dynamic config, restart
policies, what is published and where, PostgreSQL's TCP healthcheck, job scripts that stop at their
first error. The namespace/search-attribute job's script is run for real against a dev server (it
only needs the `temporal` CLI).
"""

from __future__ import annotations

import asyncio
import json
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
from runtime import metrics
from runtime.search_attributes import registration
from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SECRETS = {"POSTGRES_PASSWORD": "compose-test-password", "PAYLOAD_KEY": "compose-test-key"}
"""What the file requires from the environment (no insecure default): set for `docker-compose config`."""
ONE_SHOT = {"temporal-schema", "temporal-setup", "migrate"}
PUBLISHED = {"temporal-ui": "8080", "api": "8000", "grafana": "3000"}
"""The only services with published ports, by container port: the Web UI and the service's API, and
Grafana under the ``monitoring`` profile."""
MONITORING = {"prometheus", "grafana"}
DEPLOY = ROOT / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "notice-review.json"
DYNAMIC_CONFIG_DIR = "/etc/temporal/config/dynamicconfig"
TYPES = {
    IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD: "Keyword",
    IndexedValueType.INDEXED_VALUE_TYPE_DATETIME: "Datetime",
    IndexedValueType.INDEXED_VALUE_TYPE_INT: "Int",
    IndexedValueType.INDEXED_VALUE_TYPE_BOOL: "Bool",
}
EXPECTED_ATTRIBUTES = {name: TYPES[kind] for name, kind in registration().items()}


_VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def _interpolate(node: Any, env: dict[str, str]) -> Any:
    """Compose's interpolation of the loaded file's strings: ``${VAR}``, ``${VAR:-default}``,
    ``${VAR:?error}`` (a missing required value raises KeyError); ``$$`` is left escaped."""
    if isinstance(node, dict):
        return {key: _interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [_interpolate(value, env) for value in node]
    if not isinstance(node, str):
        return node

    def value(match: re.Match[str]) -> str:
        name, kind, argument = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise KeyError(f"{name}: {argument}")
        return argument if kind == "-" else ""

    return "$$".join(_VARIABLE.sub(value, part) for part in node.split("$$"))


def _load(env: dict[str, str]) -> dict[str, Any]:
    services: dict[str, Any] = _interpolate(yaml.safe_load(COMPOSE.read_text()), env)["services"]
    return services


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    """The services as compose sees them with nothing but the required secrets set."""
    return _load(SECRETS)


def _script(service: dict[str, Any]) -> str:
    command = service["command"]
    return command if isinstance(command, str) else "\n".join(command)


def _long_running(services: dict[str, Any]) -> set[str]:
    return set(services) - ONE_SHOT


def _docker_compose(extra_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        service_missing("docker-compose", "not installed (apt-get install docker-compose); the YAML checks still run")
    env = {key: value for key, value in os.environ.items() if key not in SECRETS and not key.startswith("COMPOSE_")}
    for name in ("UI_BIND", "API_BIND", "GRAFANA_BIND", "CODEC_TOKEN", "GRAFANA_ADMIN_PASSWORD"):
        env.pop(name, None)
    return subprocess.run(
        [binary, *args, "config"], cwd=ROOT, env={**env, **extra_env}, capture_output=True, text=True, timeout=60
    )


def test_compose_file_passes_docker_compose_config():
    result = _docker_compose(SECRETS)
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)["services"]
    published = {name: _bindings(service) for name, service in resolved.items() if service.get("ports")}
    published.pop("grafana", None)  # docker-compose 1.x lists a profile's services too; checked below
    assert published == {
        "temporal-ui": [("127.0.0.1", "8233", "8080")],
        "api": [("127.0.0.1", "8000", "8000")],
    }


def test_the_monitoring_profile_passes_docker_compose_config_and_publishes_grafana_on_loopback():
    result = _docker_compose(SECRETS, "--profile", "monitoring")
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)["services"]
    assert MONITORING <= set(resolved)
    assert _bindings(resolved["grafana"]) == [("127.0.0.1", "3000", "3000")]
    assert "ports" not in resolved["prometheus"], "Prometheus has no sign-in: Grafana reads it on the network"


@pytest.mark.parametrize("secret", sorted(SECRETS))
def test_docker_compose_config_refuses_the_file_without_each_secret(secret: str):
    result = _docker_compose({name: value for name, value in SECRETS.items() if name != secret})
    assert result.returncode != 0
    assert f"set {secret}" in result.stderr


def test_no_secret_has_a_default_in_the_file():
    text = COMPOSE.read_text()
    for secret in (*SECRETS, "CODEC_TOKEN", "GRAFANA_ADMIN_PASSWORD"):
        assert not re.search(rf"\$\{{{secret}:?-[^}}]+\}}", text), f"{secret} has a default"
    for secret in SECRETS:
        with pytest.raises(KeyError, match=secret):
            _load({name: value for name, value in SECRETS.items() if name != secret})


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


def test_api_runs_from_the_image_after_setup_and_migrations(services: dict[str, Any]):
    api = services["api"]
    assert api["image"] == services["worker"]["image"] == "notice-review:local"
    assert api["build"] == "."
    assert api["command"] == ["python", "-m", "api"]
    env = api["environment"]
    assert (env["API_HOST"], env["API_PORT"]) == ("0.0.0.0", "8000"), "what python -m api reads: all interfaces"
    assert env["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert env["DATABASE_URL"] == services["worker"]["environment"]["DATABASE_URL"]
    for job in ("temporal-setup", "migrate"):
        assert api["depends_on"][job]["condition"] == "service_completed_successfully"


def test_temporal_reads_its_dynamic_config_from_the_mounted_folder(services: dict[str, Any]):
    temporal = services["temporal"]
    path = temporal["environment"]["DYNAMIC_CONFIG_FILE_PATH"]
    assert path.startswith(DYNAMIC_CONFIG_DIR + "/")
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in temporal["volumes"]}
    assert mounts[DYNAMIC_CONFIG_DIR] == "./dynamicconfig"
    local = ROOT / "dynamicconfig" / Path(path).relative_to(DYNAMIC_CONFIG_DIR)
    assert local.is_file(), f"{local} is mounted but missing"
    config = yaml.safe_load(local.read_text())
    assert isinstance(config, dict) and config
    for key, values in config.items():
        assert isinstance(values, list) and values, key
        assert all("value" in value for value in values), key
    assert config["system.forceSearchAttributesCacheRefreshOnRead"][0]["value"] is True
    assert config["limit.maxIDLength"][0]["value"] == 255


def test_every_long_running_service_restarts_and_every_job_retries_a_bounded_number_of_times(
    services: dict[str, Any],
):
    for name in _long_running(services):
        assert services[name].get("restart") == "unless-stopped", name
    for name in ONE_SHOT:
        assert re.fullmatch(r"on-failure:\d+", services[name].get("restart", "")), name


def test_one_shot_jobs_stop_at_their_first_error(services: dict[str, Any]):
    for name, service in services.items():
        if "command" not in service or service.get("entrypoint") != ["/bin/sh", "-c"]:
            continue
        script = _script(service)
        assert script.lstrip().startswith("set -eu"), name
        swallowed = re.search(r"\|\|\s*(echo|true|:)(\s|$)|;\s*true\s*$|\|\|\s*exit 0", script, re.M)
        assert swallowed is None, f"{name} swallows an error: {swallowed.group(0) if swallowed else ''}"


def test_schema_job_runs_every_step_and_stops_at_the_first_failure(services: dict[str, Any], tmp_path: Path):
    """The job's script against a stub `temporal-sql-tool` that logs its calls, then fails one of them."""
    shell = shutil.which("sh")
    if shell is None:
        pytest.skip("no /bin/sh")
    script = _script(services["temporal-schema"]).replace("$$", "$")
    log = tmp_path / "calls"
    stub = tmp_path / "temporal-sql-tool"
    stub.write_text(f'#!/bin/sh\necho "$*" >> {log}\ncase "$*" in *"$FAIL_ON"*) exit 3;; esac\n')
    stub.chmod(0o755)
    env = {
        "PATH": f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}",
        **{key: str(value) for key, value in services["temporal-schema"]["environment"].items()},
    }

    done = subprocess.run([shell, "-c", script], env={**env, "FAIL_ON": "nothing"}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    assert [call.split("--db ")[1] for call in calls] == [
        "temporal create",
        "temporal setup-schema -v 0.0",
        "temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned",
        "temporal_visibility create",
        "temporal_visibility setup-schema -v 0.0",
        "temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned",
    ]
    assert all(call.startswith("--plugin postgres12 --ep postgresql -p 5432 -u notices ") for call in calls)

    log.unlink()
    failed = subprocess.run(
        [shell, "-c", script], env={**env, "FAIL_ON": "temporal update-schema"}, capture_output=True, text=True
    )
    assert failed.returncode == 3
    assert len(log.read_text().splitlines()) == 3, "it went on after the failing step"


def test_postgresql_healthcheck_probes_tcp(services: dict[str, Any]):
    test = services["postgresql"]["healthcheck"]["test"]
    command = test if isinstance(test, str) else " ".join(test)
    assert "pg_isready" in command
    assert re.search(r"-h 127\.0\.0\.1\b", command) and re.search(r"-p 5432\b", command), command


def _bindings(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(host IP, host port, container port) of each published port: short syntax (as written, and as
    docker-compose 1.x prints it) or long syntax (as docker compose 2.x prints it)."""
    bindings = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            bindings.append((str(port.get("host_ip", "")), str(port.get("published", "")), str(port["target"])))
            continue
        parts = str(port).split("/")[0].rsplit(":", 2)
        assert len(parts) == 3, f"{port}: give the host IP"
        bindings.append((parts[0], parts[1], parts[2]))
    return bindings


def test_only_the_ui_and_the_api_are_published_and_on_loopback(services: dict[str, Any]):
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == set(PUBLISHED)
    assert _bindings(services["temporal-ui"]) == [("127.0.0.1", "8233", PUBLISHED["temporal-ui"])]
    assert _bindings(services["api"]) == [("127.0.0.1", "8000", PUBLISHED["api"])]
    assert _bindings(services["grafana"]) == [("127.0.0.1", "3000", PUBLISHED["grafana"])]
    assert services["grafana"]["profiles"] == ["monitoring"], "Grafana is published only when asked for"


def test_the_bind_address_is_overridable():
    widened = _load({**SECRETS, "UI_BIND": "0.0.0.0", "API_BIND": "10.0.0.5", "GRAFANA_BIND": "10.0.0.6"})
    assert _bindings(widened["temporal-ui"])[0][0] == "0.0.0.0"
    assert _bindings(widened["api"])[0][0] == "10.0.0.5"
    assert _bindings(widened["grafana"])[0][0] == "10.0.0.6"


def test_frontend_database_mail_and_codec_server_stay_on_the_compose_network(services: dict[str, Any]):
    for name in ("temporal", "postgresql", "mailpit", "codec-server", "prometheus", "worker"):
        assert "ports" not in services[name], f"{name} is published"
    assert [str(port) for port in services["temporal"]["expose"]] == ["7233"]
    for client in ("worker", "api", "temporal-ui", "temporal-setup"):
        assert services[client]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233", client


def test_codec_server_requires_its_token_when_it_starts(services: dict[str, Any]):
    codec = services["codec-server"]
    assert "--token" not in _script(codec), "the token stays out of the process list"
    assert re.search(r'^: "\$\$\{CODEC_TOKEN:\?', _script(codec), re.M)
    assert "exec python -m devstack.codec_server" in _script(codec)
    assert codec["environment"]["PAYLOAD_KEY"] == SECRETS["PAYLOAD_KEY"]


def test_codec_server_refuses_to_start_without_its_token(services: dict[str, Any]):
    shell = shutil.which("sh")
    if shell is None:
        pytest.skip("no /bin/sh")
    script = _script(services["codec-server"]).replace("$$", "$").replace("exec python", "exec echo python")
    env = {"PATH": os.environ.get("PATH", ""), "UI_ORIGIN": "http://localhost:8233"}
    refused = subprocess.run([shell, "-c", script], env=env, capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0 and "set CODEC_TOKEN" in refused.stderr
    started = subprocess.run(
        [shell, "-c", script], env={**env, "CODEC_TOKEN": "t"}, capture_output=True, text=True, timeout=30
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == [
        "python",
        "-m",
        "devstack.codec_server",
        "--host",
        "0.0.0.0",
        "--port",
        "8081",
        "--origin",
        "http://localhost:8233",
    ]


# --- the monitoring profile: Prometheus and Grafana ----------------------------------------------------


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> host path of a service's bind mounts."""
    found = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        found[target] = source
    return found


def test_monitoring_runs_prometheus_and_grafana_from_the_repositorys_files(services: dict[str, Any]):
    for name in MONITORING:
        assert services[name]["profiles"] == ["monitoring"], name
        assert services[name]["restart"] == "unless-stopped", name
    prometheus, grafana = services["prometheus"], services["grafana"]
    assert prometheus["image"].startswith("prom/prometheus:") and grafana["image"].startswith("grafana/grafana:")
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    assert _mounts(prometheus)["/etc/prometheus"] == "./deploy/prometheus"
    assert _mounts(grafana)["/etc/grafana/provisioning"] == "./deploy/grafana/provisioning"
    assert _mounts(grafana)["/etc/grafana/dashboards"] == "./deploy/grafana/dashboards"
    for source in (*_mounts(prometheus).values(), *_mounts(grafana).values()):
        if source.startswith("./"):
            assert (ROOT / source).is_dir(), f"{source} is mounted but missing"
    env = grafana["environment"]
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false" and env["GF_USERS_ALLOW_SIGN_UP"] == "false"
    assert env["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"] == "/etc/grafana/dashboards/notice-review.json"


def test_prometheus_scrapes_every_worker_and_the_api(services: dict[str, Any]):
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    worker_port = services["worker"]["environment"]["METRICS_PORT"]
    assert [str(port) for port in services["worker"]["expose"]] == [worker_port]
    [workers] = jobs["notice-worker"]["dns_sd_configs"]
    assert workers["names"] == ["worker"] and str(workers["port"]) == worker_port, "every replica of worker"
    api = jobs["notice-api"]
    assert api.get("metrics_path", "/metrics") == "/metrics"
    assert api["static_configs"][0]["targets"] == [f"api:{services['api']['environment']['API_PORT']}"]
    for rules in config["rule_files"]:
        assert (DEPLOY / "prometheus" / Path(rules).relative_to("/etc/prometheus")).is_file(), rules


def test_grafana_provisions_prometheus_and_the_dashboard():
    [source] = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text())["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    [provider] = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/notice-review.yml").read_text())[
        "providers"
    ]
    assert provider["options"]["path"] == "/etc/grafana/dashboards"
    dashboard = json.loads(DASHBOARD.read_text())
    targets = [t for panel in dashboard["panels"] for t in panel.get("targets", [])]
    assert targets and all(t["datasource"]["uid"] == source["uid"] for t in targets)
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == source["uid"], panel["title"]


def test_grafana_requires_its_admin_password_when_it_starts(services: dict[str, Any]):
    shell = shutil.which("sh")
    if shell is None:
        pytest.skip("no /bin/sh")
    script = _script(services["grafana"]).replace("$$", "$").replace("exec /run.sh", "exec echo started")
    refused = subprocess.run([shell, "-c", script], env={"PATH": os.environ.get("PATH", "")},
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0 and "set GRAFANA_ADMIN_PASSWORD" in refused.stderr
    started = subprocess.run([shell, "-c", script], env={"PATH": os.environ.get("PATH", ""),
                             "GF_SECURITY_ADMIN_PASSWORD": "p"}, capture_output=True, text=True, timeout=30)
    assert started.returncode == 0 and started.stdout.strip() == "started", started.stderr


_METRIC = re.compile(r"\b((?:notice|temporal)_[a-z0-9_]+)")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def metric_names(expr: str) -> set[str]:
    """The metrics a PromQL expression reads (ours and the SDK's), without a histogram's suffixes."""
    names = set(_METRIC.findall(_STRING.sub('""', expr)))
    return {re.sub(r"_(bucket|count|sum)$", "", name) for name in names}


def dashboard_metrics() -> dict[str, set[str]]:
    """Each query of the dashboard and of the alert rules, with the metrics it reads."""
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]
    alerts = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    exprs += [rule["expr"] for group in alerts["groups"] for rule in group["rules"]]
    return {expr: metric_names(expr) for expr in exprs}


def test_the_dashboard_and_alerts_query_metrics_that_exist():
    """Every metric a panel or an alert reads is one the worker or the API serves (runtime/metrics.py names
    ours; the SDK's the dashboard reads are listed there too, and tests/operators/test_metrics.py scrapes
    them all); and every metric of ours is on the dashboard."""
    served = set(metrics.WORKER_METRICS) | set(metrics.API_METRICS) | set(metrics.SDK_METRICS)
    used: set[str] = set()
    for expr, names in dashboard_metrics().items():
        assert names, f"{expr} reads no metric"
        assert names <= served, f"{expr} reads {sorted(names - served)}, which nothing serves"
        used |= names
    assert set(metrics.WORKER_METRICS) | set(metrics.API_METRICS) <= used, "a metric of ours is on no panel"
    assert set(metrics.SDK_METRICS) <= used, "runtime/metrics.py lists an SDK metric no panel reads"


def test_commented_tls_and_oidc_settings_are_shown(services: dict[str, Any]):
    text = COMPOSE.read_text()
    for setting in (
        "TEMPORAL_AUTH_ENABLED",
        "TEMPORAL_AUTH_PROVIDER_URL",
        "TEMPORAL_AUTH_CLIENT_ID",
        "TEMPORAL_AUTH_CLIENT_SECRET",
        "TEMPORAL_AUTH_CALLBACK_URL",
        "TEMPORAL_TLS_FRONTEND_CERT",
        "TEMPORAL_TLS_FRONTEND_KEY",
        "TEMPORAL_TLS_CLIENT1_CA_CERT",
        "TEMPORAL_TLS_REQUIRE_CLIENT_AUTH",
    ):
        assert re.search(rf"^\s*# {setting}:", text, re.M), f"{setting} is not shown"
        assert not any(setting in service.get("environment", {}) for service in services.values()), setting


def test_setup_job_registers_exactly_our_search_attributes(services: dict[str, Any]):
    registered = dict(re.findall(r"--name (\w+) --type (\w+)", _script(services["temporal-setup"])))
    assert registered == EXPECTED_ATTRIBUTES


def test_dockerfile_builds_the_worker_from_the_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", dockerfile, re.M)
    assert 'CMD ["python", "-m", "worker"]' in dockerfile
    assert "PYTHONDONTWRITEBYTECODE" not in dockerfile, "the worker's sandboxes would recompile workflows"
    assert re.search(r"pip install -r requirements\.lock\b", dockerfile)
    assert "libicu-dev" in dockerfile, "PyICU builds against ICU's headers"
    assert re.search(r"pip install --no-deps -e \.", dockerfile)
    assert "python -m compileall" in dockerfile


@pytest.mark.devserver
async def test_setup_job_script_registers_them_on_a_real_server(services: dict[str, Any]):
    """Run the job's script (compose's `$$` unescaped) against a dev server started without them, twice;
    then on a namespace where one of them already has another type, where it must fail, naming it."""
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
        cli = [str(Path(sys.executable).parent / "temporal"), "operator", "--address", server.address]
        for prepare in (
            ["namespace", "create", "-n", "conflict"],
            ["search-attribute", "create", "-n", "conflict", "--name", "Doubts", "--type", "Keyword"],
        ):
            done = await asyncio.to_thread(subprocess.run, cli + prepare, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
        conflict = await asyncio.to_thread(
            subprocess.run,
            [shell, "-c", script],
            env={**env, "NAMESPACE": "conflict"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert conflict.returncode != 0, conflict.stdout
        assert "search attribute Doubts is registered as Keyword, not Int" in conflict.stderr
        client = await Client.connect(server.address)
        listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace="default"))
    custom = {name: TYPES.get(kind, str(kind)) for name, kind in listed.custom_attributes.items()}
    assert {name: custom.get(name) for name in EXPECTED_ATTRIBUTES} == EXPECTED_ATTRIBUTES
