"""Dead letters: listed without personal data, re-driven exactly once, also after a kill."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from schemas.codec import encode
from schemas.enums import Channel
from schemas.intake import ComplaintReceived
from schemas.topics import RECEIVED
from services.audit.deadletters import REDRIVE_HEADER
from services.runtime.deadletter import dead_letter_headers
from services.runtime.settings import RuntimeSettings
from tests.integration.audit.conftest import OPERATOR_KEY, tanggap
from tests.support.processes import ServiceProcess

PHONE = "081234567890"
EMAIL = "warga.pelapor@example.id"


async def dead_letter(stack: RuntimeSettings, cid: str) -> str:
    """Park a valid case on complaints.received.dlq, as a since-fixed bug would have; its id."""
    event = ComplaintReceived(complaint_id=cid, ticket=f"KTP-{cid}", channel=Channel.WEB,
                              channel_message_id=f"m-{cid}", text=f"Hubungi saya {PHONE}")
    headers = dead_letter_headers(f"ComplaintReceived: field text: refused for {EMAIL} "
                                  f"and {PHONE}", RECEIVED.name, 3, 17, "router")
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        meta = await producer.send_and_wait(stack.topic(RECEIVED.dlq), value=encode(event),
                                            key=cid.encode(), headers=headers)
    finally:
        await producer.stop()
    return f"{meta.partition}:{meta.offset}"


async def copies_on_target(stack: RuntimeSettings, dlq_id: str) -> int:
    """How many records on complaints.received carry this dead letter's redrive header."""
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.kafka_bootstrap_servers, group_id=None,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        from services.audit.logreader import partitions_of, scan

        tps = await partitions_of(stack, stack.topic(RECEIVED.name))
        ends = await consumer.end_offsets(tps)
        wanted = f"{stack.topic(RECEIVED.dlq)}:{dlq_id}".encode()
        return sum([1 async for r in scan(consumer, {tp: (0, ends[tp]) for tp in tps})
                    if (REDRIVE_HEADER, wanted) in list(r.headers or ())])
    finally:
        await consumer.stop()


async def test_dead_letters_are_listed_without_personal_data(stack: RuntimeSettings) -> None:
    letter = await dead_letter(stack, f"dlq-it-{uuid.uuid4().hex[:10]}")
    listed = await tanggap(stack.topic_prefix, "dlq", "list", RECEIVED.name)
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if x.strip().startswith(letter + " "))
    assert "complaints.received/3@17" in line and "router" in line
    assert "[email]" in line and "[number]" in line
    assert PHONE not in listed.stdout and EMAIL not in listed.stdout


async def test_a_redrive_killed_after_sending_and_run_again_sends_each_once(
        stack: RuntimeSettings, audit: ServiceProcess) -> None:
    cids = [f"dlq-it-{uuid.uuid4().hex[:10]}" for _ in range(2)]
    ids = [await dead_letter(stack, cid) for cid in cids]
    only = [arg for i in ids for arg in ("--id", i)]  # other tests' dead letters stay put

    killed = await tanggap(stack.topic_prefix, "dlq", "redrive", RECEIVED.dlq, *only,
                           "--crash-after-send", "1")
    assert killed.returncode == 75, killed.stdout + killed.stderr  # died after the first send
    assert await copies_on_target(stack, ids[0]) == 1
    assert await copies_on_target(stack, ids[1]) == 0

    again = await tanggap(stack.topic_prefix, "dlq", "redrive", RECEIVED.name, *only)
    assert again.returncode == 0, again.stderr
    assert f"interrupted run, now recorded: {ids[0]}" in again.stdout
    assert f"re-driven {ids[1]} ->" in again.stdout
    third = await tanggap(stack.topic_prefix, "dlq", "redrive", RECEIVED.name, *only)
    assert "0 sent, 0 completed, 2 already done" in third.stdout, third.stdout
    for dlq_id in ids:
        assert await copies_on_target(stack, dlq_id) == 1

    # The consumer handles the re-driven records like any other: the audit indexes them.
    async with httpx.AsyncClient(timeout=30) as client:
        for cid in cids:
            deadline = asyncio.get_running_loop().time() + 60
            while True:
                answer = await client.get(f"{audit.url}/v1/cases/KTP-{cid}/timeline",
                                          headers={"X-Operator-Key": OPERATOR_KEY})
                if answer.status_code == 200 and len(answer.json()["cases"][0]["events"]) == 2:
                    break
                assert asyncio.get_running_loop().time() < deadline, answer.text
                await asyncio.sleep(0.3)
            (case,) = answer.json()["cases"]
            # The case was received, refused (the dead letter is part of its story), and its
            # event, re-driven, is the one the log now holds on complaints.received.
            assert [e["type"] for e in case["events"]] == ["ComplaintReceived", "DeadLetter"]
            letter = case["events"][1]
            assert letter["service"] == "router"
            assert letter["summary"].startswith("dead-lettered on complaints.received by router")
            assert PHONE not in str(letter) and EMAIL not in str(letter)

    listed = await tanggap(stack.topic_prefix, "dlq", "list", RECEIVED.name)
    for dlq_id in ids:
        line = next(x for x in listed.stdout.splitlines() if x.strip().startswith(dlq_id + " "))
        assert "[re-driven: " in line
