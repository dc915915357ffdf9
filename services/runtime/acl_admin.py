"""ACLs and SCRAM users on the live broker, over Kafka's own admin protocol (aiokafka has no API).

aiokafka ships the CreateAcls/DescribeAcls/DeleteAcls structures (v1, which Kafka 4 still
serves); AlterUserScramCredentials is defined here. Requests are sent as the configured
principal, which must be allowed to alter ACLs and users (the admin super user).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError
from aiokafka.protocol.admin import (
    CreateAclsRequest_v1,
    DeleteAclsRequest_v1,
    DescribeAclsRequest_v1,
)
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import (
    CompactArray,
    CompactBytes,
    CompactString,
    Int8,
    Int16,
    Int32,
    Schema,
    TaggedFields,
)
from pydantic import SecretStr

from services.runtime.acl_plan import Acl
from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings

# Kafka's wire codes (org.apache.kafka.common.acl / resource).
RESOURCE = {"topic": 2, "group": 3, "cluster": 4, "transactional_id": 5}
PATTERN = {"literal": 3, "prefixed": 4}
OPERATION = {"all": 2, "read": 3, "write": 4, "create": 5, "delete": 6, "alter": 7,
             "describe": 8, "cluster_action": 9, "describe_configs": 10, "alter_configs": 11,
             "idempotent_write": 12}
ALLOW, ANY = 3, 1
SCRAM_SHA_512 = 2
SCRAM_ITERATIONS = 8192
_NAMES = {kind: {v: k for k, v in table.items()} for kind, table in
          (("resource", RESOURCE), ("pattern", PATTERN), ("operation", OPERATION))}


class AclError(RuntimeError):
    """The broker refused an ACL or credential change."""


class _CreateAcls(Request[CreateAclsRequest_v1]):
    API_KEY = 30

    def __init__(self, creations: list[tuple[Any, ...]]) -> None:
        self._creations = creations

    def build(self, request_struct_class: type[CreateAclsRequest_v1]) -> CreateAclsRequest_v1:
        return request_struct_class(self._creations)


class _DescribeAcls(Request[DescribeAclsRequest_v1]):
    API_KEY = 29

    def build(self, request_struct_class: type[DescribeAclsRequest_v1]) -> DescribeAclsRequest_v1:
        # Everything: any resource, any pattern, any principal, host, operation, permission.
        return request_struct_class(ANY, None, ANY, None, None, ANY, ANY)


class _DeleteAcls(Request[DeleteAclsRequest_v1]):
    API_KEY = 31

    def __init__(self, filters: list[tuple[Any, ...]]) -> None:
        self._filters = filters

    def build(self, request_struct_class: type[DeleteAclsRequest_v1]) -> DeleteAclsRequest_v1:
        return request_struct_class(self._filters)


class AlterUserScramCredentialsResponse_v0(Response):  # noqa: N801 - Kafka's naming
    API_KEY = 51
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("results", CompactArray(("user", CompactString("utf-8")), ("error_code", Int16),
                                 ("error_message", CompactString("utf-8")),
                                 ("tags", TaggedFields))),
        ("tags", TaggedFields),
    )


class AlterUserScramCredentialsRequest_v0(RequestStruct):  # noqa: N801 - Kafka's naming
    FLEXIBLE_VERSION = True
    API_KEY = 51
    API_VERSION = 0
    RESPONSE_TYPE = AlterUserScramCredentialsResponse_v0
    SCHEMA = Schema(
        ("deletions", CompactArray(("name", CompactString("utf-8")), ("mechanism", Int8),
                                   ("tags", TaggedFields))),
        ("upsertions", CompactArray(("name", CompactString("utf-8")), ("mechanism", Int8),
                                    ("iterations", Int32), ("salt", CompactBytes),
                                    ("salted_password", CompactBytes), ("tags", TaggedFields))),
        ("tags", TaggedFields),
    )


class _AlterScram(Request[AlterUserScramCredentialsRequest_v0]):
    API_KEY = 51

    def __init__(self, upsertions: list[tuple[Any, ...]], deletions: list[tuple[Any, ...]]
                 ) -> None:
        self._upsertions, self._deletions = upsertions, deletions

    def build(self, request_struct_class: type[AlterUserScramCredentialsRequest_v0]
              ) -> AlterUserScramCredentialsRequest_v0:
        return request_struct_class(self._deletions, self._upsertions, {})


def _wire(acl: Acl) -> tuple[Any, ...]:
    return (RESOURCE[acl.resource], acl.name, PATTERN[acl.pattern], acl.principal, "*",
            OPERATION[acl.operation], ALLOW)


def salted_password(password: str, salt: bytes, iterations: int = SCRAM_ITERATIONS) -> bytes:
    """SCRAM's Hi(): PBKDF2 with HMAC-SHA-512 (RFC 5802); the broker stores only this."""
    return hashlib.pbkdf2_hmac("sha512", password.encode("ascii"), salt, iterations)


async def wait_until_accepted(settings: RuntimeSettings, passwords: dict[str, str],
                              limit_seconds: float = 60.0) -> None:
    """Return once the broker accepts each new password: it applies credential changes from
    its metadata log a moment after acknowledging them, and a client that logs in first fails."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + limit_seconds
    quiet = logging.getLogger("aiokafka")  # each refused try logs an error: expected here
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        await _wait(settings, passwords, loop, give_up)
    finally:
        quiet.setLevel(level)


async def _wait(settings: RuntimeSettings, passwords: dict[str, str],
                loop: asyncio.AbstractEventLoop, give_up: float) -> None:
    for user, password in passwords.items():
        as_user = settings.model_copy(update={"kafka_username": user, "kafka_password_file": None,
                                              "kafka_password": SecretStr(password)})
        while True:
            client = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                                         request_timeout_ms=5000,
                                         **kafka_client_options(as_user))
            try:
                await client.start()
                break
            except KafkaConnectionError:
                if loop.time() > give_up:
                    raise AclError(f"the broker refuses the new password of {user}") from None
                await asyncio.sleep(0.5)
            finally:
                await client.close()


class AclAdmin:
    """An admin connection for ACLs and SCRAM users, as the configured (admin) principal."""

    def __init__(self, settings: RuntimeSettings) -> None:
        self._admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                                          **kafka_client_options(settings))

    async def __aenter__(self) -> AclAdmin:
        await self._admin.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._admin.close()

    async def _send(self, request: Request[Any]) -> Any:
        client = self._admin._client  # noqa: SLF001 - the public API has no ACL calls
        node = client.get_random_node()
        return await client.send(node, request)

    async def describe(self) -> set[Acl]:
        """Every allow rule on the broker (deny rules are not ours and are left alone)."""
        response = await self._send(_DescribeAcls())
        if response.error_code:
            raise AclError(f"describe ACLs: error {response.error_code} {response.error_message}")
        found: set[Acl] = set()
        for rtype, rname, ptype, rules in response.resources:
            for principal, _host, op, permission in rules:
                if permission != ALLOW or op not in _NAMES["operation"]:
                    continue
                found.add(Acl(principal, _NAMES["resource"].get(rtype, str(rtype)), rname,
                              _NAMES["pattern"].get(ptype, str(ptype)),
                              _NAMES["operation"][op]))
        return found

    async def create(self, acls: Sequence[Acl]) -> None:
        if not acls:
            return
        response = await self._send(_CreateAcls([_wire(a) for a in acls]))
        errors = [f"{a}: {code} {msg}" for a, (code, msg) in
                  zip(acls, response.creation_responses, strict=True) if code]
        if errors:
            raise AclError("create ACLs: " + "; ".join(errors[:5]))

    async def delete(self, acls: Sequence[Acl]) -> None:
        if not acls:
            return
        response = await self._send(_DeleteAcls([_wire(a) for a in acls]))
        errors = [f"{code} {msg}" for code, msg, _ in response.filter_responses if code]
        if errors:
            raise AclError("delete ACLs: " + "; ".join(errors[:5]))

    async def set_passwords(self, passwords: dict[str, str]) -> None:
        """Create or replace SCRAM-SHA-512 credentials for each user."""
        upserts = []
        for user, password in passwords.items():
            if not password.isascii():
                raise AclError(f"password of {user} must be ASCII")
            salt = secrets.token_bytes(32)
            upserts.append((user, SCRAM_SHA_512, SCRAM_ITERATIONS, salt,
                            salted_password(password, salt), {}))
        await self._alter_scram(upserts, [])

    async def delete_users(self, users: Iterable[str]) -> None:
        await self._alter_scram([], [(u, SCRAM_SHA_512, {}) for u in users])

    async def _alter_scram(self, upserts: list[tuple[Any, ...]],
                           deletions: list[tuple[Any, ...]]) -> None:
        if not upserts and not deletions:
            return
        response = await self._send(_AlterScram(upserts, deletions))
        errors = [f"{user}: {code} {msg}" for user, code, msg, _ in response.results if code]
        if errors:
            raise AclError("SCRAM credentials: " + "; ".join(errors[:5]))


__all__ = ["AclAdmin", "AclError", "salted_password"]
