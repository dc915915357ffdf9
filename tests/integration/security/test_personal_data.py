"""Generated citizens' personal data, sent through the channels, is nowhere it does not belong.

Channels: the generic API, WhatsApp, Instagram, Facebook (Page comments, their edits, and
Messenger messages that intake does not read), X (signed webhook, and the filtered stream with
edits that intake reads itself), TikTok comments (polled by intake), e-mail, Open311 and the
submissions topic. Searched: every Kafka topic of this run's prefix (only
notifications.requests may carry a recipient, and raw complaints.submissions is what callers
wrote), the services' log files, their metric labels, dead-letter records, error responses
and the agencies' webhooks. Zero raw hits.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas.topics import NOTIFY_OUTCOMES, NOTIFY_REQUESTS, SUBMISSIONS, UPDATED, agency_topic
from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings
from tests.integration.security import social
from tests.integration.security.citizens import PEOPLE, Citizen, hits
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess, free_port, stop_all, tanggap_bin
from tests.support.receiver import Receiver
from tests.support.stack import service_env

META_SECRET = "uji-rahasia-meta-pii"
SECRET = "uji-rahasia-webhook"
OWN_MAIL = "aduan@ketapangkab.example.go.id"
RUN = f"{uuid.uuid4().int % 10**8:08d}"  # message ids of this run (the database is shared)
SOCIAL = {"facebook", "x", "tiktok"}


@pytest.fixture(scope="module")
async def inbox() -> AsyncIterator[Receiver]:
    async with Receiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
async def platforms(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, str]]:
    async with social.platforms(RUN, Path(tmp_path_factory.mktemp("pii"))) as env:
        yield env


@pytest.fixture(scope="module")
async def services(stack: RuntimeSettings, inbox: Receiver, platforms: dict[str, str]
                   ) -> AsyncIterator[dict[str, ServiceProcess]]:
    ports = {name: free_port() for name in ("intake", "router", "sla", "notifier")}
    env = service_env(
        stack.topic_prefix,
        TANGGAP_INTAKE_PORT=str(ports["intake"]), TANGGAP_ROUTER_WEB_PORT=str(ports["router"]),
        TANGGAP_SLA_WEB_PORT=str(ports["sla"]), TANGGAP_NOTIFIER_WEB_PORT=str(ports["notifier"]),
        TANGGAP_NOTIFIER_WEBHOOK_URL=f"{inbox.url}/hooks/{{agency}}",
        TANGGAP_NOTIFIER_WEBHOOK_SECRET=SECRET, TANGGAP_META_APP_SECRET=META_SECRET,
        TANGGAP_EMAIL_OWN_ADDRESSES=json.dumps([OWN_MAIL]), **platforms)
    procs = {name: ServiceProcess(name, port, env, tag=f"pii-{name}")
             for name, port in ports.items()}
    for proc in procs.values():
        proc.log_path.unlink(missing_ok=True)  # only this run's lines are searched
    try:
        for proc in procs.values():
            await proc.start(timeout=120)
        yield procs
    finally:
        stop_all(procs.values())


def key_for(channel: str) -> str:
    made = __import__("subprocess").run(
        [tanggap_bin(), "intake", "keys", "create", channel, "--name",
         f"pii-{channel}-{uuid.uuid4().hex[:6]}"], capture_output=True, text=True, check=True)
    return made.stdout.strip()


def whatsapp(person: Citizen, form: int) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{
        "id": "319028847120553", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "6281120240112",
                         "phone_number_id": "482913570016624"},
            "contacts": [{"profile": {"name": person.name}, "wa_id": f"62{person.national}"}],
            "messages": [{"from": f"62{person.national}", "id": f"wamid.{uuid.uuid4().hex}",
                          "timestamp": "1773018927", "type": "text",
                          "text": {"body": person.text(form)}}]}}]}]}).encode()


def instagram(person: Citizen, form: int) -> bytes:
    return json.dumps({"object": "instagram", "entry": [{
        "id": "17841400000000001", "time": 1773025929, "changes": [{"field": "comments", "value": {
            "from": {"id": str(8273645102937461 + form), "username": person.handle},
            "media": {"id": "18047193826530418", "media_product_type": "FEED"},
            "id": f"181{uuid.uuid4().int % 10**14}", "text": person.text(form)}}]}]}).encode()


def email(person: Citizen, form: int) -> bytes:
    return (f"From: {person.name} <{person.email}>\r\nTo: {OWN_MAIL}\r\n"
            f"Subject: Jalan rusak, {person.first} melapor\r\n"
            f"Message-ID: <{uuid.uuid4().hex}@surel.example>\r\n"
            "Date: Mon, 9 Mar 2026 13:05:39 +0700\r\nContent-Type: text/plain; charset=UTF-8\r\n"
            f"\r\n{person.text(form)}\r\n").encode()


async def send_everything(intake: str, stack: RuntimeSettings) -> list[str]:
    """One complaint per citizen and channel, plus refusals; returns the error bodies."""
    keys = {c: key_for(c) for c in ("web", "call_center", "email", "open311")}
    errors: list[str] = []
    async with httpx.AsyncClient(base_url=intake, timeout=30) as http:
        for i, person in enumerate(PEOPLE):
            reporter = {"name": person.name, "phone": person.phone(i), "email": person.email}
            for channel in ("web", "call_center"):
                answer = await http.post("/v1/complaints", headers={"X-API-Key": keys[channel]},
                                         json={"channel": channel, "reporter": reporter,
                                               "channel_message_id": uuid.uuid4().hex,
                                               "text": person.text(i)})
                assert answer.status_code == 202, answer.text
            body = whatsapp(person, i)
            signature = "sha256=" + hmac.new(META_SECRET.encode(), body,
                                             hashlib.sha256).hexdigest()
            answer = await http.post("/v1/channels/whatsapp", content=body, headers={
                "Content-Type": "application/json", "X-Hub-Signature-256": signature})
            assert answer.status_code == 200, answer.text
            body = instagram(person, i)
            signature = "sha256=" + hmac.new(META_SECRET.encode(), body,
                                             hashlib.sha256).hexdigest()
            answer = await http.post("/v1/channels/instagram", content=body, headers={
                "Content-Type": "application/json", "X-Hub-Signature-256": signature})
            assert answer.status_code == 200, answer.text
            answer = await http.post("/v1/channels/email", content=email(person, i), headers={
                "Content-Type": "message/rfc822", "X-API-Key": keys["email"]})
            assert answer.status_code == 200, answer.text
            answer = await http.post("/open311/v2/requests.json", data={
                "api_key": keys["open311"], "service_code": "PUPR-JALAN",
                "address_string": "Jl. Gajah Mada", "description": person.text(i),
                "first_name": person.first, "last_name": person.last, "email": person.email,
                "phone": person.phone(i)})
            assert answer.status_code == 200, answer.text
            # Refusals that carry the data: a 422 and a dead-lettered raw submission.
            bad = await http.post("/v1/complaints", headers={"X-API-Key": keys["web"]},
                                  json={"channel": "web", "channel_message_id": "x",
                                        "text": person.text(i), "nik": person.nik,
                                        "reporter": {**reporter, "phone": person.phone(i) * 9}})
            assert bad.status_code == 422
            errors.append(bad.text)
            await produce(stack, SUBMISSIONS.name, json.dumps(
                {"channel": "call_center", "channel_message_id": uuid.uuid4().hex,
                 "text": person.text(i), "reporter": reporter}).encode(), key=b"ok")
            await produce(stack, SUBMISSIONS.name, json.dumps(
                {"channel": "call_center", "channel_message_id": uuid.uuid4().hex,
                 "text": person.text(i), "reporter": reporter, "ktp": person.nik}).encode(),
                key=b"refused")
        await social.send_social(http, META_SECRET, RUN)
    return errors


async def every_record(settings: RuntimeSettings) -> dict[str, list[str]]:
    """Every record of every topic of this run's prefix: topic -> decoded key/value/headers."""
    options = kafka_client_options(settings)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers, **options)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(settings.topic_prefix)]
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                group_id=None, enable_auto_commit=False, **options)
    await consumer.start()
    found: dict[str, list[str]] = {}
    try:
        tps = [TopicPartition(t, p) for t in names
               for p in (consumer.partitions_for_topic(t) or await _partitions(consumer, t))]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        pending = [tp for tp in tps if end[tp] > 0]
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=1000)
            for tp, records in batch.items():
                for r in records:
                    found.setdefault(tp.topic, []).append(" ".join(
                        [(r.key or b"").decode(errors="replace"),
                         (r.value or b"").decode(errors="replace")]
                        + [v.decode(errors="replace") for _, v in r.headers]))
            pending = [tp for tp in pending if await consumer.position(tp) < end[tp]]
    finally:
        await consumer.stop()
    return found


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()  # noqa: SLF001 - fresh topics
    return consumer.partitions_for_topic(topic) or {0}


def delivered_on(value: bytes | None) -> str | None:
    """The channel of a NotificationDelivered record, else None."""
    try:
        event = json.loads(value or b"{}")
    except ValueError:
        return None
    return event.get("channel") if event.get("type") == "NotificationDelivered" else None


async def test_no_raw_personal_data_outside_its_place(
        stack: RuntimeSettings, services: dict[str, ServiceProcess], inbox: Receiver) -> None:
    async with Watcher(stack, NOTIFY_OUTCOMES.name, agency_topic("dinas-pupr"),
                       SUBMISSIONS.dlq, UPDATED.name) as watch:
        errors = await send_everything(services["intake"].url, stack)
        # Every case reached its agency and every acknowledgement has an outcome (citizens'
        # channels are not configured here: their notices fail and are dead-lettered).
        await watch.wait_for(lambda r: r.topic == stack.topic(agency_topic("dinas-pupr")),
                             count=10 * len(PEOPLE), timeout=240)
        await watch.wait_for(lambda r: r.topic == stack.topic(NOTIFY_OUTCOMES.name)
                             and b"NotificationFailed" in r.value, count=4 * len(PEOPLE),
                             timeout=240)
        await watch.wait_for(lambda r: r.topic == stack.topic(SUBMISSIONS.dlq),
                             count=len(PEOPLE), timeout=120)
        # Facebook, X and TikTok: each acknowledgement reached the center's desk (no platform
        # token is configured), and the Facebook and X stream edits were applied.
        await watch.wait_for(lambda r: r.topic == stack.topic(NOTIFY_OUTCOMES.name)
                             and delivered_on(r.value) in SOCIAL, count=4 * len(PEOPLE),
                             timeout=240)
        await watch.wait_for(lambda r: r.topic == stack.topic(UPDATED.name)
                             and b"ComplaintEdited" in r.value, count=2 * len(PEOPLE),
                             timeout=120)

    found = await every_record(stack)
    allowed = {stack.topic(NOTIFY_REQUESTS.name), stack.topic(SUBMISSIONS.name)}
    leaks = {topic: hits("\n".join(values)) for topic, values in found.items()
             if topic not in allowed}
    assert stack.topic(NOTIFY_REQUESTS.dlq) in found and stack.topic(SUBMISSIONS.dlq) in found
    assert {t: h for t, h in leaks.items() if h} == {}
    # The raw-data topics do hold the data (the new channels' handles and ids as the
    # acknowledgements' context): the search would have found it.
    requests = "\n".join(found[stack.topic(NOTIFY_REQUESTS.name)])
    assert hits(requests)
    assert all(p.x_handle in requests and p.tiktok_handle in requests
               and p.user_id("facebook") in requests for p in PEOPLE)

    async with httpx.AsyncClient(timeout=30) as http:
        metrics = {name: (await http.get(f"{p.url}/metrics")).text
                   for name, p in services.items()}
    assert {name: hits(text) for name, text in metrics.items() if hits(text)} == {}
    assert hits("\n".join(errors)) == []
    assert all("detail" in e for e in errors)
    # The center's own desk is told how to reach a citizen known only by a social-media
    # handle (its operators reply on the platform); the agencies learn nothing of the kind.
    # Facebook, X and TikTok follow Instagram's rule: the desk's hooks are not searched, and
    # they do carry the handle (a Facebook user's is their page-scoped id).
    hooks = "\n".join(h.body.decode(errors="replace") for h in inbox.requests
                      if not h.path.startswith("/hooks/diskominfo"))
    assert hooks and hits(hooks) == []
    desk = "\n".join(h.body.decode(errors="replace") for h in inbox.requests
                     if h.path.startswith("/hooks/diskominfo"))
    assert all(p.x_handle in desk and p.tiktok_handle in desk and p.user_id("facebook") in desk
               for p in PEOPLE)
    stop_all(services.values())  # flushed: the whole log is searched, shutdown lines included
    for proc in services.values():
        log = proc.log_path.read_text(errors="replace")
        assert hits(log) == [], f"{proc.log_path}: {hits(log)[:5]}"
