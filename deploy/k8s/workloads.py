"""Deployments and Services of the four services, with ports read from their settings classes.

Each pod authenticates to the Strimzi cluster as its own KafkaUser (password from the Secret
the User Operator makes, mounted as a file), trusts the cluster CA, and is probed on /healthz.
Secrets are referenced by name only: `tanggap-database` (key `url`) and `tanggap-notifier`
(key `webhook-secret`) are created by the operator of the cluster, never committed.
"""

from __future__ import annotations

from typing import Any

from deploy.k8s.resources import CLUSTER, REPLICAS, principal
from services.intake.settings import IntakeSettings
from services.notifier.settings import NotifierSettings
from services.router.settings import RouterSettings
from services.sla.settings import SlaSettings

IMAGE = "tanggap"
PART_OF = "app.kubernetes.io/part-of"
JOB_LABEL = "tanggap.io/job"  # the PodMonitor takes Prometheus' job name from it
PORTS: dict[str, tuple[str, int]] = {
    "intake": ("TANGGAP_INTAKE_PORT", IntakeSettings.model_fields["intake_port"].default),
    "router": ("TANGGAP_ROUTER_WEB_PORT", RouterSettings.model_fields["router_web_port"].default),
    "sla": ("TANGGAP_SLA_WEB_PORT", SlaSettings.model_fields["sla_web_port"].default),
    "notifier": ("TANGGAP_NOTIFIER_WEB_PORT",
                 NotifierSettings.model_fields["notifier_web_port"].default),
}
KAFKA_SECRET_DIR = "/etc/tanggap/kafka"
CA_DIR = "/etc/tanggap/kafka-ca"


def _labels(service: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": service, PART_OF: "tanggap",
            JOB_LABEL: f"tanggap-{service}"}


def _env(service: str) -> list[dict[str, Any]]:
    variable, port = PORTS[service]
    env: list[dict[str, Any]] = [
        {"name": variable, "value": str(port)},
        {"name": "TANGGAP_KAFKA_USERNAME", "value": principal(service)},
        {"name": "TANGGAP_KAFKA_PASSWORD_FILE", "value": f"{KAFKA_SECRET_DIR}/password"},
        {"name": "TANGGAP_KAFKA_CA_FILE", "value": f"{CA_DIR}/ca.crt"},
        {"name": "DATABASE_URL",
         "valueFrom": {"secretKeyRef": {"name": "tanggap-database", "key": "url"}}},
    ]
    if service == "notifier":
        env.append({"name": "TANGGAP_NOTIFIER_WEBHOOK_SECRET", "valueFrom": {
            "secretKeyRef": {"name": "tanggap-notifier", "key": "webhook-secret"}}})
    return env


def _probe(period: int, failures: int) -> dict[str, Any]:
    return {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": period,
            "timeoutSeconds": 3, "failureThreshold": failures}


def deployment(service: str, replicas: int = 1) -> dict[str, Any]:
    _, port = PORTS[service]
    container = {
        "name": service, "image": IMAGE, "args": ["serve", service],
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "envFrom": [{"configMapRef": {"name": "tanggap-config"}}],
        "env": _env(service),
        # Start-up replays changelogs and catches up; give it minutes before liveness counts.
        "startupProbe": _probe(5, 60),
        "readinessProbe": _probe(10, 3),
        "livenessProbe": _probe(20, 3),
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"},
                      "limits": {"memory": "1Gi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [
            {"name": "kafka-user", "mountPath": KAFKA_SECRET_DIR, "readOnly": True},
            {"name": "kafka-ca", "mountPath": CA_DIR, "readOnly": True},
            {"name": "var", "mountPath": "/var/lib/tanggap"},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": service, "labels": _labels(service)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": service, PART_OF: "tanggap"}},
            "template": {
                "metadata": {"labels": _labels(service)},
                "spec": {
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                                        "fsGroup": 10001,
                                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "terminationGracePeriodSeconds": 30,
                    "containers": [container],
                    "volumes": [
                        {"name": "kafka-user", "secret": {"secretName": principal(service)}},
                        {"name": "kafka-ca",
                         "secret": {"secretName": f"{CLUSTER}-cluster-ca-cert",
                                    "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                        {"name": "var", "emptyDir": {}},
                        {"name": "tmp", "emptyDir": {}},
                    ],
                },
            },
        },
    }


def service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "labels": _labels(name)},
        "spec": {"selector": {"app.kubernetes.io/name": name, PART_OF: "tanggap"},
                 "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    }


def config_map() -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "tanggap-config"},
        "data": {
            "KAFKA_BOOTSTRAP_SERVERS": f"{CLUSTER}-kafka-bootstrap:9093",
            "TANGGAP_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "TANGGAP_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "TANGGAP_REPLICATION_FACTOR": str(REPLICAS),
            "TANGGAP_TENANT": "ketapang",
            "TANGGAP_WEB_HOST": "0.0.0.0",
            "TANGGAP_INTAKE_HOST": "0.0.0.0",
            "TANGGAP_LOG_JSON": "true",
            "TANGGAP_VAR_DIR": "/var/lib/tanggap",
        },
    }


def pod_monitor() -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
        "metadata": {"name": "tanggap", "labels": {PART_OF: "tanggap"}},
        "spec": {"selector": {"matchLabels": {PART_OF: "tanggap"}}, "jobLabel": JOB_LABEL,
                 "podMetricsEndpoints": [{"port": "http", "path": "/metrics",
                                          "interval": "15s"}]},
    }


def workloads() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = [config_map()]
    for name in PORTS:
        docs.append(deployment(name))
        docs.append(service(name))
    return docs + [pod_monitor()]
