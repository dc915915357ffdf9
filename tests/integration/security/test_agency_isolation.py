"""On the SASL broker with the generated ACLs, an agency reads its own topic and nothing else."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    TopicAuthorizationFailedError,
)
from aiokafka.structs import OffsetAndMetadata

from schemas.topics import (
    ASSIGNED,
    NOTIFY_REQUESTS,
    RECEIVED,
    RESPONSES,
    SUBMISSIONS,
    SUPPRESSED,
    TRIAGE,
    agency_topic,
    dead_letter,
)
from services.runtime.acl_plan import agency_group_prefix, agency_principal
from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings
from tests.integration.security.conftest import Namespace
from tests.support.kafka import produce

DENIED = (TopicAuthorizationFailedError, GroupAuthorizationFailedError)
SECRET = b'{"case": "rahasia dinas lain"}'


def agency(space: Namespace, code: str) -> RuntimeSettings:
    return space.as_user(agency_principal(space.admin, code))


def group_of(space: Namespace, code: str, name: str = "desk") -> str:
    return agency_group_prefix(space.admin, code) + name


async def read(settings: RuntimeSettings, topic: str, group: str) -> int:
    """How many records a subscriber in `group` receives from `topic` (raises when refused)."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=settings.kafka_bootstrap_servers,
                                group_id=group, auto_offset_reset="earliest",
                                enable_auto_commit=False, **kafka_client_options(settings))
    received = 0
    try:
        await consumer.start()
        for _ in range(3):  # a refusal surfaces on the first fetch; a grant yields records
            batch = await consumer.getmany(timeout_ms=2000)
            received += sum(len(records) for records in batch.values())
            if received:
                break
    except DENIED:
        assert received == 0
        raise
    finally:
        await consumer.stop()
    return received


async def commit(settings: RuntimeSettings, topic: str, group: str) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                group_id=group, enable_auto_commit=False,
                                **kafka_client_options(settings))
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.commit({partition: OffsetAndMetadata(1, "")})
    finally:
        await consumer.stop()


async def write(settings: RuntimeSettings, topic: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                request_timeout_ms=15_000, **kafka_client_options(settings))
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"forged", key=b"x")
    finally:
        await producer.stop()


@pytest.fixture(scope="module")
async def filled(pairs: Namespace) -> Namespace:
    """One record on every agency's topic, so that a successful read would receive it."""
    for code in pairs.admin.directory().assignable():
        await produce(pairs.admin, agency_topic(code), SECRET, key=code.encode())
    return pairs


async def test_each_agency_reads_its_own_topic_in_its_own_group(filled: Namespace) -> None:
    for code in filled.admin.directory().assignable():
        me = agency(filled, code)
        assert await read(me, me.topic(agency_topic(code)), group_of(filled, code)) == 1
        await commit(me, me.topic(agency_topic(code)), group_of(filled, code, "commit"))


async def test_every_pair_of_agencies_is_isolated(filled: Namespace) -> None:
    codes = filled.admin.directory().assignable()
    refused: list[str] = []
    for mine, theirs in itertools.permutations(codes, 2):
        me = agency(filled, mine)
        their_topic = me.topic(agency_topic(theirs))
        with pytest.raises(TopicAuthorizationFailedError):
            await read(me, their_topic, group_of(filled, mine))
        with pytest.raises(GroupAuthorizationFailedError):
            await read(me, me.topic(agency_topic(mine)), group_of(filled, theirs))
        with pytest.raises(DENIED):
            await commit(me, their_topic, group_of(filled, theirs))
        with pytest.raises(TopicAuthorizationFailedError):
            await write(me, their_topic)
        refused.append(f"{mine}->{theirs}")
    assert len(refused) == len(codes) * (len(codes) - 1)


async def test_group_prefix_of_a_longer_code_is_not_shared(filled: Namespace) -> None:
    me = agency(filled, "dinas-a")
    own = me.topic(agency_topic("dinas-a"))
    for group in ("agency.dinas-ab.desk", "agency.dinas-a", "agency.dinas-abdesk",
                  "agency.dinas-a-desk"):
        with pytest.raises(GroupAuthorizationFailedError):
            await read(me, own, filled.prefix + group)


async def test_no_agency_reads_center_raw_or_dead_letter_topics(filled: Namespace) -> None:
    forbidden = [SUBMISSIONS.name, RECEIVED.name, ASSIGNED.name, TRIAGE.name, SUPPRESSED.name,
                 RESPONSES.name, NOTIFY_REQUESTS.name, dead_letter(SUBMISSIONS.name),
                 dead_letter(NOTIFY_REQUESTS.name), dead_letter(ASSIGNED.name)]
    for code in filled.admin.directory().assignable():
        me = agency(filled, code)
        for name in forbidden:
            with pytest.raises(TopicAuthorizationFailedError):
                await read(me, me.topic(name), group_of(filled, code))
        # Faust changelogs and repartition topics of the services
        with pytest.raises(TopicAuthorizationFailedError):
            await read(me, me.group("sla") + "-case-changelog", group_of(filled, code))
        with pytest.raises(TopicAuthorizationFailedError):
            await write(me, me.topic(RESPONSES.name))  # answers go through intake's API


async def test_wrong_password_and_plaintext_are_refused(filled: Namespace) -> None:
    user = agency_principal(filled.admin, "dinas-a")
    wrong = filled.as_user(user, password="bukan-kata-sandinya")
    plain = RuntimeSettings(kafka_bootstrap_servers=wrong.kafka_bootstrap_servers)
    for settings in (wrong, plain):
        consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                    request_timeout_ms=10_000,
                                    **kafka_client_options(settings))
        with pytest.raises(KafkaConnectionError):
            await asyncio.wait_for(consumer.start(), 60)
        await consumer.stop()


async def test_the_broker_matches_the_spec(filled: Namespace) -> None:
    done = filled.broker.tanggap("acl", "diff", env=filled.env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert "broker matches the spec" in done.stdout
    # The refusals above are in the authorizer's log: its silence about services means something.
    assert f"User:{filled.prefix}agency-dinas-a" in filled.broker.denials()


async def test_drift_is_shown_and_apply_repairs_it(filled: Namespace) -> None:
    from services.runtime.acl_admin import AclAdmin
    from services.runtime.acl_plan import Acl

    rogue = Acl(f"User:{agency_principal(filled.admin, 'dinas-b')}", "topic",
                filled.admin.topic(TRIAGE.name), "literal", "read")
    async with AclAdmin(filled.admin) as admin:
        await admin.create([rogue])
    drifted = filled.broker.tanggap("acl", "diff", env=filled.env())
    assert drifted.returncode == 1 and f"- {rogue}" in drifted.stdout
    me = agency(filled, "dinas-b")
    assert await read(me, me.topic(TRIAGE.name), group_of(filled, "dinas-b")) == 0
    repaired = filled.broker.tanggap("acl", "apply", env=filled.env())
    assert repaired.returncode == 0 and "1 removed" in repaired.stdout, repaired.stdout
    assert filled.broker.tanggap("acl", "diff", env=filled.env()).returncode == 0
    # The broker applies ACL changes from its metadata log a moment after acknowledging them.
    for _ in range(60):
        try:
            await read(me, me.topic(TRIAGE.name), group_of(filled, "dinas-b"))
        except TopicAuthorizationFailedError:
            return
        await asyncio.sleep(0.5)
    raise AssertionError("the removed ACL still grants access after 30 s")
