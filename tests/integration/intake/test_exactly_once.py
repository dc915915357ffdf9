"""One case and one event per channel message: redelivery, concurrency, restarts, crashes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from schemas.envelope import utcnow
from schemas.intake import ComplaintSubmission
from schemas.topics import ACKNOWLEDGED, NOTIFY_REQUESTS, RECEIVED
from services.intake.cases.accept import new_case
from services.intake.cases.registry import Case, open_case_retrying
from tests.integration.intake.conftest import EnvFor
from tests.integration.intake.topic_end import caught_up
from tests.support.kafka import Watcher
from tests.support.processes import ServiceProcess, free_port


def message(message_id: str) -> dict[str, object]:
    return {"channel": "whatsapp", "channel_message_id": message_id,
            "text": "Air PDAM mati tiga hari di Jl. Gajah Mada",
            "reporter": {"phone": "6281390417726", "name": "Rahmat"}}


async def deliver(url: str, key: str, message_id: str) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        answer = await http.post("/v1/complaints", json=message(message_id),
                                 headers={"X-API-Key": key})
    assert answer.status_code == 202, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def published_once(watch: Watcher, complaint_id: str) -> None:
    """Exactly one ComplaintReceived, one acknowledgement and one notice for the case."""
    for topic in (RECEIVED.name, ACKNOWLEDGED.name, NOTIFY_REQUESTS.name):
        await watch.wait_event(topic, lambda e: e.complaint_id == complaint_id)
        await caught_up(watch, topic)
        assert len([e for e in watch.events(topic) if e.complaint_id == complaint_id]) == 1, topic


@pytest.fixture
async def second_intake(intake_env: EnvFor) -> AsyncIterator[ServiceProcess]:
    port = free_port()
    process = await ServiceProcess("intake", port, intake_env(port), tag="it-intake-2").start()
    yield process
    process.stop()


async def test_redelivered_message_keeps_one_case(
        intake: ServiceProcess, keys: dict[str, str], watch: Watcher) -> None:
    message_id = f"wamid.{uuid.uuid4().hex}"
    first = await deliver(intake.url, keys["whatsapp"], message_id)
    again = await deliver(intake.url, keys["whatsapp"], message_id)
    assert again == {**first, "duplicate": True}
    await published_once(watch, str(first["complaint_id"]))


async def test_concurrent_duplicate_posts_on_two_processes_keep_one_case(
        intake: ServiceProcess, second_intake: ServiceProcess, keys: dict[str, str],
        watch: Watcher, intake_pool: asyncpg.Pool) -> None:
    message_id = f"wamid.{uuid.uuid4().hex}"
    answers = await asyncio.gather(*(
        deliver(process.url, keys["whatsapp"], message_id)
        for process in [intake, second_intake] * 8))
    assert len({(a["complaint_id"], a["ticket"]) for a in answers}) == 1
    assert sum(not a["duplicate"] for a in answers) == 1
    assert await intake_pool.fetchval(
        "SELECT count(*) FROM cases WHERE channel_message_id = $1", message_id) == 1
    await published_once(watch, str(answers[0]["complaint_id"]))


async def test_intake_restart_between_two_deliveries_keeps_one_case(
        second_intake: ServiceProcess, keys: dict[str, str], watch: Watcher) -> None:
    message_id = f"wamid.{uuid.uuid4().hex}"
    first = await deliver(second_intake.url, keys["whatsapp"], message_id)
    second_intake.kill()
    await second_intake.start()
    again = await deliver(second_intake.url, keys["whatsapp"], message_id)
    assert again == {**first, "duplicate": True}
    await published_once(watch, str(first["complaint_id"]))


async def stored_unpublished(pool: asyncpg.Pool, message_id: str) -> Case:
    """The first half of accepting: the transaction committed, then the process died before
    Kafka acknowledged the events."""
    submission = ComplaintSubmission.model_validate(message(message_id))
    now = utcnow()
    case = await open_case_retrying(pool, "KTP", now.year,
                                    new_case(submission, "ketapang", "diskominfo", now))
    assert case.created and case.pending
    return case


async def test_case_stored_before_a_crash_is_published_at_start_exactly_once(
        intake_env: EnvFor, intake_pool: asyncpg.Pool, keys: dict[str, str],
        watch: Watcher) -> None:
    """The next intake to start sends the events; the channel's redelivery then finds the
    same case and sends nothing more."""
    message_id = f"wamid.{uuid.uuid4().hex}"
    case = await stored_unpublished(intake_pool, message_id)
    port = free_port()
    restarted = await ServiceProcess("intake", port, intake_env(port),
                                     tag="it-intake-crash").start()
    try:
        [received] = await watch.wait_event(RECEIVED.name,
                                            lambda e: e.complaint_id == case.complaint_id)
        assert received.event_id == case.event.event_id
        assert "re-sent 3 events left unpublished" in restarted.log_path.read_text()
        again = await deliver(restarted.url, keys["whatsapp"], message_id)
        assert again == {"complaint_id": case.complaint_id, "ticket": case.ticket,
                         "duplicate": True}
        await published_once(watch, case.complaint_id)
    finally:
        restarted.stop()


async def test_events_left_unpublished_while_running_are_sent_by_the_sweep(
        intake_env: EnvFor, intake_pool: asyncpg.Pool, watch: Watcher) -> None:
    """Kafka refused the send (or the request died) and the channel never redelivers."""
    port = free_port()
    sweeper = await ServiceProcess("intake", port,
                                   intake_env(port, TANGGAP_OUTBOX_SWEEP_SECONDS="1"),
                                   tag="it-intake-sweep").start()
    try:
        case = await stored_unpublished(intake_pool, f"wamid.{uuid.uuid4().hex}")
        await published_once(watch, case.complaint_id)
        assert await intake_pool.fetchval(
            "SELECT count(*) FROM outbox WHERE complaint_id = $1 AND published_at IS NULL",
            case.complaint_id) == 0
    finally:
        sweeper.stop()
