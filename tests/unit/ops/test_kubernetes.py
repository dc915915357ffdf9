"""deploy/k8s: kustomize renders, core kinds pass kubernetes-validate --strict, Strimzi kinds
pass the CRD schemas of Strimzi 0.51.0, generated topics and users match the catalogue."""

from __future__ import annotations

import copy
import functools
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from deploy import generate
from deploy.k8s import resources
from schemas.directory import load_directory
from schemas.topics import catalogue
from tests.support.ops import DEPLOY, ROOT, load_json, run, tool, venv_tool

K8S = DEPLOY / "k8s"
STRIMZI = K8S / "schemas" / "strimzi-0.51.0"
KUBERNETES = "1.37.0"  # newest the pinned kubernetes-validate ships; also checked: OLDEST
OLDEST = "1.33.0"
STRIMZI_KINDS = {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"}
PROMETHEUS_OPERATOR_KINDS = {"PodMonitor", "PrometheusRule"}  # no CRD schema offline


def kustomize(path: Path) -> list[dict[str, Any]]:
    """The rendered documents (a fresh copy each call; rendering runs once per folder)."""
    return copy.deepcopy(_rendered(path))


@functools.lru_cache(maxsize=4)
def _rendered(path: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    cmd = [kubectl, "kustomize", path] if kubectl else [
        ROOT / "var" / "bin" / "kustomize", "build", path]
    rendered = run(*cmd)  # type: ignore[arg-type]
    assert rendered.returncode == 0, rendered.stderr
    return [d for d in yaml.safe_load_all(rendered.stdout) if d]


@pytest.fixture(scope="module", params=["base", "overlays/example"])
def docs(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return kustomize(K8S / request.param)


def strimzi_errors(doc: dict[str, Any]) -> list[str]:
    schema = load_json(STRIMZI / f"{doc['kind'].lower()}.json")
    return [f"{'/'.join(map(str, e.path))}: {e.message}"
            for e in jsonschema.Draft7Validator(schema).iter_errors(doc)]


def test_generated_files_match_the_catalogue() -> None:
    assert generate.drifted() == [], "run `python -m deploy.generate`"


def test_kinds_rendered(docs: list[dict[str, Any]]) -> None:
    kinds = {d["kind"] for d in docs}
    core = {"Deployment", "Service", "ConfigMap"}
    assert STRIMZI_KINDS | PROMETHEUS_OPERATOR_KINDS | core <= kinds
    assert "Secret" not in kinds  # referenced, never committed


@pytest.mark.parametrize("version", [OLDEST, KUBERNETES])
def test_core_kinds_pass_kubernetes_validate_strict(version: str, tmp_path: Path) -> None:
    rendered = kustomize(K8S / "base") + kustomize(K8S / "overlays/example")
    core = [d for d in rendered if d["kind"] not in STRIMZI_KINDS | PROMETHEUS_OPERATOR_KINDS]
    path = tmp_path / "core.yaml"
    path.write_text(yaml.safe_dump_all(core), encoding="utf-8")
    checked = run(venv_tool("kubernetes-validate"), "-k", version, "--strict", "--quiet", path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "WARN" not in checked.stdout + checked.stderr  # every core kind had a schema


def test_kubernetes_validate_rejects_an_unknown_field(tmp_path: Path) -> None:
    deployment = next(d for d in kustomize(K8S / "base") if d["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(deployment), encoding="utf-8")
    checked = run(venv_tool("kubernetes-validate"), "-k", KUBERNETES, "--strict", path)
    assert checked.returncode != 0 and "readinessprobe" in checked.stdout + checked.stderr


def test_strimzi_kinds_pass_their_crd_schemas(docs: list[dict[str, Any]]) -> None:
    problems = {f"{d['kind']}/{d['metadata']['name']}": strimzi_errors(d)
                for d in docs if d["kind"] in STRIMZI_KINDS}
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize("kind, breakage", [
    ("KafkaUser", lambda d: d["spec"]["authorization"]["acls"][0].update({"operation": "Read"})),
    ("Kafka", lambda d: d["spec"]["kafka"]["listeners"][0].update({"authentication": {
        "type": "scram"}})),
    ("KafkaNodePool", lambda d: d["spec"].pop("roles")),
    ("KafkaTopic", lambda d: d["spec"].update({"partitions": "six"})),
])
def test_crd_schemas_reject_a_mistake(kind: str, breakage: Any) -> None:
    doc = copy.deepcopy(next(d for d in kustomize(K8S / "base") if d["kind"] == kind))
    breakage(doc)
    assert strimzi_errors(doc), f"{kind}: the CRD schema accepted a broken resource"


def test_kafka_cluster_is_kraft_with_three_replicated_brokers() -> None:
    docs = kustomize(K8S / "base")
    kafka = next(d for d in docs if d["kind"] == "Kafka")
    pool = next(d for d in docs if d["kind"] == "KafkaNodePool")
    assert kafka["apiVersion"] == "kafka.strimzi.io/v1" and kafka["spec"]["kafka"][
        "version"].startswith("4.1.")
    assert pool["spec"]["replicas"] == 3 and set(pool["spec"]["roles"]) == {"broker",
                                                                              "controller"}
    config = kafka["spec"]["kafka"]["config"]
    assert (config["default.replication.factor"], config["min.insync.replicas"]) == (3, 2)


def test_topics_are_exactly_the_catalogue() -> None:
    rendered = [d for d in kustomize(K8S / "base") if d["kind"] == "KafkaTopic"]
    expected = catalogue(load_directory())
    assert sorted(d["spec"]["topicName"] for d in rendered) == sorted(s.name for s in expected)
    for spec in expected:
        topic = next(d for d in rendered if d["spec"]["topicName"] == spec.name)["spec"]
        assert topic["partitions"] == spec.partitions and topic["replicas"] == 3
        assert topic["config"] == {**spec.config(), "min.insync.replicas": "2"}


def _acls(user: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {(a["resource"]["type"], a["resource"]["name"], a["resource"]["patternType"], op)
            for a in user["spec"]["authorization"]["acls"] for op in a["operations"]}


def test_each_agency_reads_only_its_own_topic_in_its_own_groups() -> None:
    users = {d["metadata"]["name"]: d for d in kustomize(K8S / "base") if d["kind"] == "KafkaUser"}
    for code in load_directory().assignable():
        assert _acls(users[f"agency-{code}"]) == {
            ("topic", f"agency.{code}.assignments", "literal", "Read"),
            ("topic", f"agency.{code}.assignments", "literal", "Describe"),
            ("group", f"agency.{code}.", "prefix", "Read")}


def test_each_service_gets_exactly_its_catalogue_topics() -> None:
    users = {d["metadata"]["name"]: d for d in kustomize(K8S / "base") if d["kind"] == "KafkaUser"}
    for service in ("intake", "router", "sla", "notifier"):
        topics = {name for kind, name, pattern, _ in _acls(users[f"svc-{service}"])
                  if kind == "topic" and pattern == "literal"}
        expected = {s.name for s in catalogue(load_directory())
                    if service in s.producers + s.consumers}
        assert topics == expected, service
    assert len(users) == len(resources.acls_by_user(load_directory()))


def test_deployments_probe_healthz_and_reference_secrets_they_do_not_define() -> None:
    docs = kustomize(K8S / "overlays/example")
    users = {d["metadata"]["name"] for d in docs if d["kind"] == "KafkaUser"}
    for deployment in (d for d in docs if d["kind"] == "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["image"].startswith("registry.example.go.id/tanggap:")
        secrets = {v["secret"]["secretName"] for v in pod["volumes"] if "secret" in v}
        assert f"svc-{deployment['metadata']['name']}" in secrets & users
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        monitor = next(d for d in docs if d["kind"] == "PodMonitor")["spec"]
        assert monitor["selector"]["matchLabels"].items() <= labels.items()
        assert labels[monitor["jobLabel"]] == f"tanggap-{deployment['metadata']['name']}"


def test_prometheus_rule_groups_pass_promtool(tmp_path: Path) -> None:
    rule = next(d for d in kustomize(K8S / "base") if d["kind"] == "PrometheusRule")
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}), encoding="utf-8")
    checked = run(tool("promtool"), "check", "rules", path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
