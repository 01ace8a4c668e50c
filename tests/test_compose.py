"""compose.yaml and the Dockerfile, read as files: the deployment they describe, and that it installs as documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.app import create_app
from gateway.config import Settings

ROOT = Path(__file__).resolve().parent.parent
FEEDGATE_SERVICES = ("migrate", "gateway", "worker")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Each dependency and the condition it waits for."""
    return {name: spec["condition"] for name, spec in service.get("depends_on", {}).items()}


def healthcheck_command(service: dict[str, Any]) -> str:
    return " ".join(service["healthcheck"]["test"])


def test_the_deployment_has_its_five_services(services: dict[str, Any]):
    assert set(services) == {"postgres", "migrate", "gateway", "lb", "worker"}


def test_every_service_has_a_health_check(services: dict[str, Any]):
    for name, service in services.items():
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no health check"


def test_postgres_keeps_its_data_in_a_named_volume_and_reports_readiness(compose: dict[str, Any]):
    postgres = compose["services"]["postgres"]

    [mount] = postgres["volumes"]
    volume, target = mount.split(":")
    assert target == "/var/lib/postgresql/data" and volume in compose["volumes"]
    assert "pg_isready" in healthcheck_command(postgres)


def test_migrations_run_once_after_postgres_is_healthy(services: dict[str, Any]):
    migrate = services["migrate"]

    assert migrate["command"] == ["feedgate", "db", "upgrade"]
    assert depends_on(migrate) == {"postgres": "service_healthy"}
    assert migrate["restart"] == "no"


@pytest.mark.parametrize("name", ["gateway", "worker"])
def test_gateway_and_worker_start_only_after_the_migration_succeeded(services: dict[str, Any], name: str):
    assert depends_on(services[name])["migrate"] == "service_completed_successfully"


def test_the_gateway_scales_behind_the_load_balancer(services: dict[str, Any]):
    gateway, lb = services["gateway"], services["lb"]

    # A fixed host port would clash between replicas of `--scale gateway=3`.
    assert "ports" not in gateway
    assert gateway["expose"] == ["8080"]
    assert gateway["command"] == ["feedgate", "serve"]
    assert gateway["environment"]["FEEDGATE_HOST"] == "0.0.0.0"
    assert [port.rsplit(":", 1)[1] for port in lb["ports"]] == ["8080"]
    assert depends_on(lb) == {"gateway": "service_healthy"}


def test_the_scaled_gateway_replicas_share_the_feedback_rate_limits(services: dict[str, Any]):
    # Each replica runs one process by default, where `auto` would count in memory: 3 replicas, 3x the rate.
    scope = services["gateway"]["environment"]["FEEDGATE_RATE_LIMIT_SCOPE"]

    assert scope == "${FEEDGATE_RATE_LIMIT_SCOPE:-database}"


def test_the_load_balancer_sends_every_path_to_the_gateway_replicas_unbuffered(compose: dict[str, Any]):
    [config] = compose["services"]["lb"]["configs"]
    nginx = compose["configs"][config["source"]]["content"]

    assert config["target"] == "/etc/nginx/nginx.conf"
    assert "listen 8080;" in nginx
    # Compose turns $$ into $; the replicas are re-resolved through Docker's DNS.
    assert "set $$gateway http://gateway:8080;" in nginx and "proxy_pass $$gateway;" in nginx
    assert "resolver 127.0.0.11" in nginx
    assert "proxy_buffering off;" in nginx


def test_the_worker_runs_clustering_passes(services: dict[str, Any]):
    assert services["worker"]["command"] == ["feedgate", "worker"]
    assert "FEEDGATE_CLUSTER_INTERVAL" in services["worker"]["environment"]


def test_the_worker_health_check_asks_the_port_the_worker_serves_its_metrics_on(services: dict[str, Any]):
    worker = services["worker"]
    port = worker["environment"]["FEEDGATE_WORKER_METRICS_PORT"]

    assert f"http://127.0.0.1:{port}/healthz" in healthcheck_command(worker)
    assert worker["expose"] == [port]
    assert worker["environment"]["FEEDGATE_WORKER_METRICS_HOST"] == "0.0.0.0"


def test_every_feedgate_service_runs_the_one_image_configured_by_environment(services: dict[str, Any]):
    images = {(services[name]["build"], services[name]["image"]) for name in FEEDGATE_SERVICES}
    assert images == {(".", "feedgate:local")}
    for name in FEEDGATE_SERVICES:
        environment = services[name]["environment"]
        assert "@postgres:5432/" in environment["FEEDGATE_DATABASE_URL"], name
        assert environment["FEEDGATE_ADMIN_TOKEN"].startswith("${FEEDGATE_ADMIN_TOKEN"), name


def test_the_gateway_health_check_asks_a_route_the_gateway_serves(services: dict[str, Any], tmp_path: Path):
    path = re.search(r"http://127\.0\.0\.1:8080(/\w+)", healthcheck_command(services["gateway"]))
    assert path is not None
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/unused.db"), environ={})

    assert path[1] in {route.path for route in app.api.routes}


def install_commands(text: str) -> list[str]:
    """The `pip install` commands in `text`, in order, without flags that only save space."""
    commands = re.findall(r"pip install [^\n`]+", text)
    return [" ".join(command.replace("--no-cache-dir", "").split()) for command in commands]


def test_the_dockerfile_installs_the_package_the_way_the_deployment_page_does():
    dockerfile = install_commands((ROOT / "Dockerfile").read_text())
    deployment = (ROOT / "docs/deployment.md").read_text()
    without_make = deployment[deployment.index("**Without make.**") :]
    documented = install_commands(without_make[: without_make.index("```\n\n")])

    assert dockerfile == documented
    assert dockerfile[0].startswith("pip install torch==2.13.0 ")
    assert dockerfile[-1] == "pip install ."


def test_the_dockerfile_pins_the_torch_the_makefile_installs():
    pin = re.search(r"^TORCH := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert pin is not None

    assert install_commands((ROOT / "Dockerfile").read_text())[0].split()[2] == pin[1]


def test_the_gateway_is_given_longer_to_stop_than_it_gives_the_calls_still_running(services: dict[str, Any]):
    grace = services["gateway"]["stop_grace_period"]
    shutdown_timeout = Settings.model_fields["shutdown_timeout"].default

    assert grace.endswith("s")
    # A few seconds to spare: the interactions are stored after the calls are stopped.
    assert float(grace.removesuffix("s")) >= shutdown_timeout + 3


@pytest.mark.parametrize("name", ["gateway", "worker"])
def test_the_exported_embedding_model_is_kept_in_a_named_volume_the_processes_share(compose: dict[str, Any], name: str):
    # The Dockerfile points FEEDGATE_MODEL_CACHE_DIR there; an anonymous volume would be lost with
    # its container, and the next one would spend 30-80 s exporting the model again.
    dockerfile = (ROOT / "Dockerfile").read_text()
    cache_dir = re.search(r"FEEDGATE_MODEL_CACHE_DIR=(\S+)", dockerfile)
    assert cache_dir is not None
    mounts = dict(reversed(mount.split(":")) for mount in compose["services"][name]["volumes"])

    assert mounts[cache_dir.group(1)] == "models" and "models" in compose["volumes"]


@pytest.mark.parametrize("name", FEEDGATE_SERVICES)
def test_every_feedgate_service_reads_the_optional_settings_file(services: dict[str, Any], name: str):
    # Settings compose.yaml does not list (redaction, retention, CORS origins...) reach every process.
    assert services[name]["env_file"] == [{"path": "feedgate.env", "required": False}]


def test_the_load_balancer_does_not_publish_the_metrics(compose: dict[str, Any]):
    nginx = compose["configs"]["nginx"]["content"]

    blocked = re.search(r"location = /metrics \{\s*return 404;\s*\}", nginx)
    assert blocked is not None


def test_the_image_runs_the_gateway_as_an_unprivileged_user_who_owns_its_state_directory():
    dockerfile = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    owned = re.search(r"chown -R (\S+):\S+ (\S+)", dockerfile)

    assert users and users[-1] not in {"root", "0"}
    assert owned is not None and (owned[1], owned[2]) == (users[-1], "/var/lib/feedgate")
    assert dockerfile.index("USER ") < dockerfile.index("CMD ")
