"""The ACLs the system needs, planned from the agency directory and the topic catalogue (pure).

One principal per service and per agency. A party gets Write on the topics it produces and Read
on those it consumes, exactly as the catalogue's producers/consumers say, nothing by default:
the broker runs with allow.everyone.if.no.acl.found=false. An agency reads only its own
assignment topic, in consumer groups named `agency.<code>.<anything>`: the prefix ends in the
delimiter, so agency `dinas-a` cannot join the groups of `dinas-ab`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from schemas.directory import Directory
from schemas.topics import AUDITED, SERVICES, TopicSpec, catalogue

AGENCY_PARTY = "agency:"
# Consumer groups of each service, as RuntimeSettings.group() names them.
SERVICE_GROUPS: dict[str, tuple[str, ...]] = {
    "intake": ("intake-submissions", "intake-status"),
    "router": ("router",),
    "sla": ("sla",),
    "notifier": ("notifier",),
    "audit": ("audit",),
    "console": ("console",),
    "adapter": (),
}
# Faust apps create and use internal topics named `<app id>-...` (changelogs, repartitions).
FAUST_APPS = frozenset({"router", "sla", "notifier"})
# The router's outbox looks up, after a crash, whether an output is already in its topic.
READS_OWN_OUTPUT = frozenset({"router"})


class Naming(Protocol):
    topic_prefix: str

    def topic(self, name: str) -> str: ...

    def group(self, service: str) -> str: ...


@dataclass(frozen=True, order=True)
class Acl:
    """One allow rule, in the terms AclCommand prints."""

    principal: str  # User:<name>
    resource: str  # topic | group | cluster | transactional_id
    name: str
    pattern: str  # literal | prefixed
    operation: str  # read | write | create | describe | ...

    def __str__(self) -> str:
        return (f"{self.principal:32} {self.operation:9} {self.resource:6} "
                f"{self.pattern:8} {self.name}")


def service_principal(naming: Naming, service: str) -> str:
    """The SCRAM user name of a service (also the name of its password file)."""
    return f"{naming.topic_prefix}svc-{service}"


def agency_principal(naming: Naming, code: str) -> str:
    """The SCRAM user name of an agency's own Kafka client."""
    return f"{naming.topic_prefix}agency-{code}"


def agency_group_prefix(naming: Naming, code: str) -> str:
    """Consumer groups an agency may use start with this (and end it with a name of its own)."""
    return f"{naming.topic_prefix}agency.{code}."


def check_code(code: str) -> str:
    """Agency codes become principal names and group prefixes: no delimiters inside."""
    if not code or any(c in code for c in ".,=*: ") or not code.isascii():
        raise ValueError(f"agency code {code!r}: use ASCII letters, digits and '-' only")
    return code


def party_principal(naming: Naming, party: str) -> str:
    if party.startswith(AGENCY_PARTY):
        return agency_principal(naming, check_code(party[len(AGENCY_PARTY):]))
    if party not in SERVICES:
        raise ValueError(f"unknown party {party!r} in the topic catalogue")
    return service_principal(naming, party)


def _user(name: str) -> str:
    return f"User:{name}"


def topic_acls(naming: Naming, spec: TopicSpec) -> list[Acl]:
    """Who may write and read one catalogue topic."""
    name = naming.topic(spec.name)
    acls: list[Acl] = []
    for party in spec.producers:
        user = _user(party_principal(naming, party))
        ops = ("write", "describe") + (("read",) if party in READS_OWN_OUTPUT else ())
        acls += [Acl(user, "topic", name, "literal", op) for op in ops]
    for party in spec.consumers:
        user = _user(party_principal(naming, party))
        acls += [Acl(user, "topic", name, "literal", op) for op in ("read", "describe")]
    return acls


def audited(naming: Naming) -> list[str]:
    """What the audit service indexes: every topic that carries cases, and its dead letters."""
    return [naming.topic(n) for s in AUDITED for n in (s.name, s.dlq)]


def service_acls(naming: Naming, service: str) -> list[Acl]:
    """A service's consumer groups and, for a Faust app, its internal topics."""
    user = _user(service_principal(naming, service))
    acls = [Acl(user, "group", naming.group(g), "literal", "read")
            for g in SERVICE_GROUPS[service]]
    if service == "audit":
        acls += [Acl(user, "topic", name, "literal", op)
                 for name in audited(naming) for op in ("read", "describe")]
    if service in FAUST_APPS:
        internal = naming.group(service) + "-"
        acls += [Acl(user, "topic", internal, "prefixed", op)
                 for op in ("create", "read", "write", "describe", "describe_configs")]
    return acls


def agency_acls(naming: Naming, directory: Directory, code: str) -> list[Acl]:
    """Everything one agency may do: read its assignment topic in its own groups."""
    user = _user(agency_principal(naming, check_code(code)))
    own = [a for spec in catalogue(directory) for a in topic_acls(naming, spec)
           if a.principal == user]
    return sorted(own + [Acl(user, "group", agency_group_prefix(naming, code), "prefixed",
                             "read")])


def plan(naming: Naming, directory: Directory) -> list[Acl]:
    """Every ACL of the system, sorted and without duplicates."""
    acls: set[Acl] = set()
    for spec in catalogue(directory):
        acls.update(topic_acls(naming, spec))
    for service in SERVICES:
        acls.update(service_acls(naming, service))
    for code in directory.assignable():
        acls.update(agency_acls(naming, directory, code))
    return sorted(acls)


def principals(naming: Naming, directory: Directory) -> list[str]:
    """Every SCRAM user the plan names: services first, then agencies."""
    return ([service_principal(naming, s) for s in SERVICES]
            + [agency_principal(naming, c) for c in directory.assignable()])


@dataclass(frozen=True)
class Drift:
    missing: tuple[Acl, ...]  # in the spec, not on the broker
    extra: tuple[Acl, ...]  # on the broker, not in the spec

    @property
    def clean(self) -> bool:
        return not self.missing and not self.extra


def drift(spec: Iterable[Acl], live: Iterable[Acl], naming: Naming) -> Drift:
    """Difference between the spec and the broker, over every principal of this namespace
    (all of them without a topic prefix): a rule nobody planned is drift too."""
    wanted = set(spec)
    seen = {a for a in live if a.principal.startswith(_user(naming.topic_prefix))}
    return Drift(tuple(sorted(wanted - seen)), tuple(sorted(seen - wanted)))
