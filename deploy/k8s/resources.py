"""Strimzi KafkaTopics and KafkaUsers generated from the topic catalogue and agency directory.

Topics: one KafkaTopic per catalogue topic, replication 3, min.insync.replicas 2. Users: one
SCRAM-SHA-512 KafkaUser per service and per agency, with the ACLs of issue 11: producers Write,
consumers Read (each party exactly its topics), services their own consumer groups and Faust
internal topics, each agency only its own assignment topic in groups `agency.<code>.*`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from schemas.directory import Directory
from schemas.topics import AUDITED, SERVICES, TopicSpec, catalogue

CLUSTER = "tanggap"
REPLICAS = 3
MIN_INSYNC = 2
AGENCY = "agency:"
# Mirrors services/runtime/acl_plan.py of the security change (same names, same rules); once
# both are merged, `users()` can take its ACLs from acl_plan.plan() instead.
SERVICE_GROUPS: dict[str, tuple[str, ...]] = {
    "intake": ("intake-submissions", "intake-status"), "router": ("router",), "sla": ("sla",),
    "notifier": ("notifier",), "audit": ("audit",),
    "console": ("console",), "adapter": (),
}
FAUST_APPS = frozenset({"router", "sla", "notifier"})
READS_OWN_OUTPUT = frozenset({"router"})  # its outbox looks up what Kafka already has
Acl = tuple[str, str, str, str]  # resource type, name, pattern (literal|prefix), operation


def principal(party: str) -> str:
    """The SCRAM user (and KafkaUser name) of a service or `agency:<code>` party."""
    if party.startswith(AGENCY):
        return f"agency-{party[len(AGENCY):]}"
    if party not in SERVICES:
        raise ValueError(f"unknown party {party!r} in the topic catalogue")
    return f"svc-{party}"


def group(service: str) -> str:
    """Consumer group / Faust app id, as RuntimeSettings.group() names it (no prefix)."""
    return f"tanggap-{service}"


def topic_name(spec: TopicSpec) -> str:
    return spec.name


def kafka_topic(spec: TopicSpec) -> dict[str, Any]:
    config: dict[str, Any] = {**spec.config(), "min.insync.replicas": str(MIN_INSYNC)}
    return {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaTopic",
        "metadata": {"name": spec.name, "labels": {"strimzi.io/cluster": CLUSTER}},
        "spec": {"topicName": topic_name(spec), "partitions": spec.partitions,
                 "replicas": REPLICAS, "config": config},
    }


def topics(directory: Directory) -> list[dict[str, Any]]:
    return [kafka_topic(spec) for spec in catalogue(directory)]


def acls_by_user(directory: Directory) -> dict[str, set[Acl]]:
    users: dict[str, set[Acl]] = {principal(s): set() for s in SERVICES}
    users |= {principal(AGENCY + code): set() for code in directory.assignable()}
    for spec in catalogue(directory):
        for party in spec.producers:
            ops = ("Write", "Describe") + (("Read",) if party in READS_OWN_OUTPUT else ())
            users[principal(party)] |= {("topic", spec.name, "literal", op) for op in ops}
        for party in spec.consumers:
            users[principal(party)] |= {("topic", spec.name, "literal", op)
                                        for op in ("Read", "Describe")}
    for service in SERVICES:
        user = users[principal(service)]
        user |= {("group", group(g), "literal", "Read") for g in SERVICE_GROUPS[service]}
        if service in FAUST_APPS:
            user |= {("topic", group(service) + "-", "prefix", op)
                     for op in ("Create", "Read", "Write", "Describe", "DescribeConfigs")}
    # The audit service indexes every topic that carries cases, and their dead letters.
    users[principal("audit")] |= {("topic", name, "literal", op)
                                  for spec in AUDITED
                                  for name in (spec.name, spec.dlq) for op in ("Read", "Describe")}
    for code in directory.assignable():
        # The prefix ends in the delimiter, so `dinas-a` cannot join the groups of `dinas-ab`.
        users[principal(AGENCY + code)].add(("group", f"agency.{code}.", "prefix", "Read"))
    return users


def _strimzi_acls(acls: Iterable[Acl]) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str, str], list[str]] = {}
    for kind, name, pattern, op in sorted(acls):
        merged.setdefault((kind, name, pattern), []).append(op)
    return [{"resource": {"type": kind, "name": name, "patternType": pattern},
             "operations": sorted(ops), "host": "*"}
            for (kind, name, pattern), ops in sorted(merged.items())]


def users(directory: Directory) -> list[dict[str, Any]]:
    """A KafkaUser per principal; Strimzi's User Operator writes its password to a Secret
    of the same name (key `password`), which the Deployments mount: none is committed."""
    return [{
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaUser",
        "metadata": {"name": name, "labels": {"strimzi.io/cluster": CLUSTER}},
        "spec": {"authentication": {"type": "scram-sha-512"},
                 "authorization": {"type": "simple", "acls": _strimzi_acls(acls)}},
    } for name, acls in sorted(acls_by_user(directory).items())]
