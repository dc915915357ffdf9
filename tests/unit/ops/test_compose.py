"""deploy/compose: the compose spec (check-jsonschema), cross-references, Prometheus config."""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from services.intake.settings import IntakeSettings
from services.notifier.settings import NotifierSettings
from services.router.settings import RouterSettings
from services.sla.settings import SlaSettings
from tests.support.ops import DEPLOY, run, tool, venv_tool

COMPOSE_DIR = DEPLOY / "compose"
COMPOSE = COMPOSE_DIR / "compose.yaml"
# Each service's port setting and its default: compose must publish and probe exactly these.
PORTS = {
    "intake": ("TANGGAP_INTAKE_PORT", IntakeSettings.model_fields["intake_port"].default),
    "router": ("TANGGAP_ROUTER_WEB_PORT", RouterSettings.model_fields["router_web_port"].default),
    "sla": ("TANGGAP_SLA_WEB_PORT", SlaSettings.model_fields["sla_web_port"].default),
    "notifier": ("TANGGAP_NOTIFIER_WEB_PORT",
                 NotifierSettings.model_fields["notifier_web_port"].default),
}


def load(path: Path = COMPOSE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def problems(doc: dict[str, Any], base: Path = COMPOSE_DIR) -> list[str]:
    """Cross-references the compose JSON Schema cannot see."""
    found: list[str] = []
    services: dict[str, Any] = doc["services"]
    for name, svc in services.items():
        build = svc.get("build")
        if build and not (base / build["context"] / build["dockerfile"]).is_file():
            found.append(f"{name} builds from missing {build['context']}/{build['dockerfile']}")
        for dep, how in (svc.get("depends_on") or {}).items():
            if dep not in services:
                found.append(f"{name} depends on undefined service {dep}")
                continue
            condition = how.get("condition")
            if condition == "service_healthy" and "healthcheck" not in services[dep]:
                found.append(f"{name} waits for {dep} to be healthy; {dep} has no healthcheck")
            if condition == "service_completed_successfully" and services[dep].get(
                    "restart") != "no":
                found.append(f"{name} waits for {dep} to complete; {dep} restarts")
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                if not (base / source).exists():
                    found.append(f"{name} mounts missing {source}")
            elif source not in (doc.get("volumes") or {}):
                found.append(f"{name} uses undeclared volume {source}")
    for name, (variable, port) in PORTS.items():
        svc = services[name]
        if str(svc["environment"].get(variable)) != str(port):
            found.append(f"{name}: {variable} is not the settings' port {port}")
        published = [str(p).split(":")[-1] for p in svc.get("ports", [])] + [
            str(p) for p in svc.get("expose", [])]
        if str(port) not in published:
            found.append(f"{name}: port {port} is neither published nor exposed")
        if f"127.0.0.1:{port}/healthz" not in " ".join(svc["healthcheck"]["test"]):
            found.append(f"{name}: healthcheck does not probe :{port}/healthz")
    kafka = services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"].split("//")[1]
    database = urlsplit(re.sub(r"\$\{[^}]*\}", "secret", services["intake"]["environment"][
        "DATABASE_URL"]))
    pg = services["postgres"]["environment"]
    for name in PORTS:
        env = services[name]["environment"]
        if env["KAFKA_BOOTSTRAP_SERVERS"] != kafka:
            found.append(f"{name}: KAFKA_BOOTSTRAP_SERVERS is not kafka's listener {kafka}")
    if (database.hostname, database.port, database.path.lstrip("/"), database.username) != (
            "postgres", 5432, pg["POSTGRES_DB"], pg["POSTGRES_USER"]):
        found.append("DATABASE_URL does not match the postgres service")
    return found


def test_compose_file_passes_the_compose_spec() -> None:
    checked = run(venv_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                  COMPOSE)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_compose_spec_rejects_a_bad_dependency_condition(tmp_path: Path) -> None:
    doc = load()
    doc["services"]["intake"]["depends_on"] = {"postgres": {"condition": "service_ready"}}
    broken = tmp_path / "compose.yaml"
    broken.write_text(yaml.safe_dump(doc), encoding="utf-8")
    checked = run(venv_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                  broken)
    assert checked.returncode != 0 and "service_ready" in checked.stdout + checked.stderr


def test_cross_references_hold() -> None:
    assert problems(load()) == []


@pytest.mark.parametrize("breakage, expected", [
    (lambda d: d["services"]["grafana"]["depends_on"].update(
        {"promethe": {"condition": "service_started"}}), "undefined service promethe"),
    (lambda d: d["services"]["sla"]["environment"].update({"TANGGAP_SLA_WEB_PORT": "9002"}),
     "not the settings' port"),
    (lambda d: d["services"]["kafka"].update({"volumes": ["kafka-logs:/var/lib/kafka/data"]}),
     "undeclared volume kafka-logs"),
    (lambda d: d["services"]["topics"].update({"restart": "unless-stopped"}),
     "topics restarts"),
])
def test_cross_reference_check_catches_a_mistake(breakage: Any, expected: str) -> None:
    doc = copy.deepcopy(load())
    breakage(doc)
    assert any(expected in p for p in problems(doc)), problems(doc)


def test_required_variables_are_listed_in_the_example_env() -> None:
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text(encoding="utf-8")))
    listed = {line.split("=")[0] for line in (COMPOSE_DIR / "env.example").read_text(
        encoding="utf-8").splitlines() if "=" in line and not line.startswith("#")}
    assert required and required <= listed


def mounted_prometheus(tmp_path: Path) -> Path:
    """Lay out /etc/prometheus as the compose file mounts it, and return its config."""
    svc = load()["services"]["prometheus"]
    for volume in svc["volumes"]:
        source, _, target = volume.partition(":")
        target = target.split(":")[0]
        if target.startswith("/etc/prometheus/"):
            shutil.copy(COMPOSE_DIR / source, tmp_path / Path(target).name)
    return tmp_path / "prometheus.yml"


def test_prometheus_config_and_its_rules_pass_promtool(tmp_path: Path) -> None:
    config = mounted_prometheus(tmp_path)
    checked = run(tool("promtool"), "check", "config", config)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "rule files found" in checked.stdout + checked.stderr
    jobs = {j["job_name"] for j in yaml.safe_load(config.read_text())["scrape_configs"]}
    assert {f"tanggap-{s}" for s in PORTS} == jobs
    targets = {t for j in yaml.safe_load(config.read_text())["scrape_configs"]
               for c in j["static_configs"] for t in c["targets"]}
    assert targets == {f"{s}:{port}" for s, (_, port) in PORTS.items()}


def test_promtool_rejects_a_broken_prometheus_config(tmp_path: Path) -> None:
    config = mounted_prometheus(tmp_path)
    config.write_text(config.read_text().replace("scrape_interval: 15s", "scrape_interval: 15"))
    checked = run(tool("promtool"), "check", "config", config)
    assert checked.returncode != 0


def test_grafana_provisions_the_dashboard_file_it_mounts() -> None:
    svc = load()["services"]["grafana"]
    provider = yaml.safe_load((COMPOSE_DIR / "grafana/provisioning/dashboards/tanggap.yml")
                              .read_text())["providers"][0]
    mounted = {v.split(":")[1] for v in svc["volumes"]}
    assert f"{provider['options']['path']}/tanggap.json" in mounted



def test_the_dockerfile_copies_what_the_repository_has() -> None:
    build = load()["services"]["intake"]["build"]
    context = (COMPOSE_DIR / build["context"]).resolve()
    dockerfile = (context / build["dockerfile"]).read_text(encoding="utf-8")
    sources = [word for line in dockerfile.splitlines() if line.startswith("COPY ")
               for word in line.split()[1:-1]]
    assert sources and all((context / s).exists() for s in sources), sources
    ignored = (context / ".dockerignore").read_text(encoding="utf-8").split()
    assert not set(sources) & set(ignored)
