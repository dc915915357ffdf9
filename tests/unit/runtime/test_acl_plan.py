"""The ACL plan from the catalogue: each party gets exactly what the catalogue says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from schemas.directory import load_directory
from schemas.topics import AUDITED, LIFECYCLE, SERVICES, catalogue
from services.runtime.acl_plan import (
    Acl,
    agency_acls,
    check_code,
    drift,
    plan,
    service_principal,
)
from services.runtime.settings import RuntimeSettings

ROOT = Path(__file__).resolve().parents[3]
NAMING = RuntimeSettings(topic_prefix="")
DIRECTORY = load_directory()


def test_an_agency_may_read_only_its_own_topic_and_write_nothing() -> None:
    for code in DIRECTORY.assignable():
        acls = agency_acls(NAMING, DIRECTORY, code)
        topics = {a.name for a in acls if a.resource == "topic"}
        assert topics == {f"agency.{code}.assignments"}
        assert {a.operation for a in acls if a.resource == "topic"} == {"read", "describe"}
        [group] = [a for a in acls if a.resource == "group"]
        assert group.pattern == "prefixed" and group.name == f"agency.{code}."


def test_no_agency_appears_on_lifecycle_dead_letter_or_internal_topics() -> None:
    acls = plan(NAMING, DIRECTORY)
    agency_topics = {a.name for a in acls if a.principal.startswith("User:agency-")
                     and a.resource == "topic"}
    assert all(re.fullmatch(r"agency\.[a-z0-9-]+\.assignments", t) for t in agency_topics)


def test_each_service_gets_the_topics_the_catalogue_names() -> None:
    acls = plan(NAMING, DIRECTORY)
    for service in SERVICES:
        user = f"User:{service_principal(NAMING, service)}"
        reads = {a.name for a in acls if a.principal == user and a.operation == "read"
                 and a.resource == "topic" and a.pattern == "literal"}
        writes = {a.name for a in acls if a.principal == user and a.operation == "write"
                  and a.pattern == "literal"}
        specs = catalogue(DIRECTORY)
        assert writes == {s.name for s in specs if service in s.producers}
        consumed = {s.name for s in specs if service in s.consumers}
        if service == "audit":  # it indexes every topic that carries cases
            consumed |= {n for s in AUDITED for n in (s.name, s.dlq)}
        assert consumed <= reads
        if service != "router":  # the router re-reads its outputs after a crash
            assert reads == consumed


def test_only_intake_writes_and_only_the_notifier_reads_contact_requests() -> None:
    acls = plan(NAMING, DIRECTORY)
    on = [a for a in acls if a.name == "notifications.requests"]
    assert {a.principal for a in on if a.operation == "write"} == {"User:svc-intake"}
    assert {a.principal for a in on if a.operation == "read"} == {"User:svc-notifier"}


def test_every_consumed_topic_has_its_consumers_write_its_dead_letters() -> None:
    specs = {s.name: s for s in catalogue(DIRECTORY)}
    for spec in LIFECYCLE:
        assert specs[spec.dlq].producers == spec.consumers
        assert specs[spec.dlq].consumers == ()


def test_codes_with_delimiters_are_refused() -> None:
    for bad in ("dinas.a", "a*", "x,y", ""):
        with pytest.raises(ValueError):
            check_code(bad)


def test_drift_names_missing_and_unplanned_rules() -> None:
    spec = [Acl("User:svc-sla", "group", "tanggap-sla", "literal", "read")]
    live = {Acl("User:agency-x", "topic", "complaints.received", "literal", "read")}
    found = drift(spec, live, NAMING)
    assert found.missing == tuple(spec) and found.extra == tuple(live)


def test_the_broker_bootstraps_every_service_principal() -> None:
    script = (ROOT / "deploy" / "kafka.sh").read_text()
    [users] = re.findall(r'^scram_users="([^"]+)"', script, flags=re.MULTILINE)
    assert users.split() == ["admin"] + [service_principal(NAMING, s) for s in SERVICES]
