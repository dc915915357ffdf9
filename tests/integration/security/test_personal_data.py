"""Generated citizens' personal data, sent through the channels, is nowhere it does not belong.

Searched: every Kafka topic of this run's prefix (only notifications.requests may carry a
recipient), the services' log files, their metric labels, dead-letter records, error
responses and the agencies' webhooks. Zero raw hits.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas.topics import NOTIFY_OUTCOMES, NOTIFY_REQUESTS, SUBMISSIONS, agency_topic
from services.runtime.kafka_security import kafka_client_options
from services.runtime.settings import RuntimeSettings
from tests.support.kafka import Watcher, produce
from tests.support.processes import ServiceProcess, free_port, stop_all, tanggap_bin
from tests.support.receiver import Receiver
from tests.support.stack import service_env

SEED = 20261201
FIRST = ["Rusdiana", "Wahyuningsih", "Sumarjono", "Hendrawati", "Kusnadiharja", "Marlinda",
         "Suryaningrum", "Bambangsutejo"]
LAST = ["Pardomuan", "Simanjuntakia", "Wiraatmaja", "Kartasasmita", "Lubisantara", "Nainggolanu"]
META_SECRET = "uji-rahasia-meta-pii"
SECRET = "uji-rahasia-webhook"
OWN_MAIL = "aduan@ketapangkab.example.go.id"


@dataclass(frozen=True)
class Citizen:
    first: str
    last: str
    national: str  # 8xxxxxxxxx: the digits every written form of the number contains
    email: str
    nik: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def phone(self, form: int) -> str:
        n = self.national
        return [f"+62{n}", f"0{n}", f"+62 {n[:3]}-{n[3:7]}-{n[7:]}", f"0{n[:3]} {n[3:7]} {n[7:]}",
                f"62{n}"][form % 5]

    def text(self, form: int) -> str:
        return (f"Saya {self.first} dari Kelurahan Sampit. Jalan berlubang besar di depan SDN 3, "
                f"banyak lubang. Hubungi {self.phone(form + 1)} atau {self.email}, "
                f"NIK {self.nik}.")

    @property
    def handle(self) -> str:
        return f"{self.first.lower()}.{self.last.lower()}_ig"

    def raw(self) -> list[re.Pattern[str]]:
        """What counts as a raw hit: the number's digits, the address, the NIK, the names,
        the social-media handle."""
        digits = r"[\s.-]?".join(self.national)
        return [re.compile(digits), re.compile(re.escape(self.email), re.I),
                re.compile(self.nik), re.compile(rf"\b{self.first}\b", re.I),
                re.compile(rf"\b{self.last}\b", re.I), re.compile(re.escape(self.handle))]


def citizens(count: int) -> list[Citizen]:
    rng = random.Random(SEED)
    made = []
    for i in range(count):
        first, last = FIRST[i % len(FIRST)], rng.choice(LAST)
        national = "8" + rng.choice("1235789") + "".join(rng.choice("0123456789")
                                                         for _ in range(8))
        email = f"{first.lower()}.{last.lower()}{rng.randint(10, 99)}@surel.example"
        nik = "6104" + "".join(rng.choice("0123456789") for _ in range(12))
        made.append(Citizen(first, last, national, email, nik))
    return made


PEOPLE = citizens(8)


def hits(text: str, people: list[Citizen] = PEOPLE) -> list[str]:
    return [f"{p.name}: {pattern.pattern}" for p in people for pattern in p.raw()
            if pattern.search(text)]


@pytest.fixture(scope="module")
async def inbox() -> AsyncIterator[Receiver]:
    async with Receiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
async def services(stack: RuntimeSettings, inbox: Receiver
                   ) -> AsyncIterator[dict[str, ServiceProcess]]:
    ports = {name: free_port() for name in ("intake", "router", "sla", "notifier")}
    env = service_env(
        stack.topic_prefix,
        TANGGAP_INTAKE_PORT=str(ports["intake"]), TANGGAP_ROUTER_WEB_PORT=str(ports["router"]),
        TANGGAP_SLA_WEB_PORT=str(ports["sla"]), TANGGAP_NOTIFIER_WEB_PORT=str(ports["notifier"]),
        TANGGAP_NOTIFIER_WEBHOOK_URL=f"{inbox.url}/hooks/{{agency}}",
        TANGGAP_NOTIFIER_WEBHOOK_SECRET=SECRET, TANGGAP_META_APP_SECRET=META_SECRET,
        TANGGAP_EMAIL_OWN_ADDRESSES=json.dumps([OWN_MAIL]))
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


async def test_no_raw_personal_data_outside_its_place(
        stack: RuntimeSettings, services: dict[str, ServiceProcess], inbox: Receiver) -> None:
    async with Watcher(stack, NOTIFY_OUTCOMES.name, agency_topic("dinas-pupr"),
                       SUBMISSIONS.dlq) as watch:
        errors = await send_everything(services["intake"].url, stack)
        # Every case reached its agency and every acknowledgement has an outcome (citizens'
        # channels are not configured here: their notices fail and are dead-lettered).
        await watch.wait_for(lambda r: r.topic == stack.topic(agency_topic("dinas-pupr")),
                             count=6 * len(PEOPLE), timeout=240)
        await watch.wait_for(lambda r: r.topic == stack.topic(NOTIFY_OUTCOMES.name)
                             and b"NotificationFailed" in r.value, count=4 * len(PEOPLE),
                             timeout=240)
        await watch.wait_for(lambda r: r.topic == stack.topic(SUBMISSIONS.dlq),
                             count=len(PEOPLE), timeout=120)

    found = await every_record(stack)
    allowed = {stack.topic(NOTIFY_REQUESTS.name), stack.topic(SUBMISSIONS.name)}
    leaks = {topic: hits("\n".join(values)) for topic, values in found.items()
             if topic not in allowed}
    assert stack.topic(NOTIFY_REQUESTS.dlq) in found and stack.topic(SUBMISSIONS.dlq) in found
    assert {t: h for t, h in leaks.items() if h} == {}
    # The raw-data topics do hold the data: the search would have found it.
    assert hits("\n".join(found[stack.topic(NOTIFY_REQUESTS.name)]))

    async with httpx.AsyncClient(timeout=30) as http:
        metrics = {name: (await http.get(f"{p.url}/metrics")).text
                   for name, p in services.items()}
    assert {name: hits(text) for name, text in metrics.items() if hits(text)} == {}
    assert hits("\n".join(errors)) == []
    assert all("detail" in e for e in errors)
    # The center's own desk is told how to reach a citizen known only by a social-media
    # handle (its operators reply on the platform); the agencies learn nothing of the kind.
    hooks = "\n".join(h.body.decode(errors="replace") for h in inbox.requests
                      if not h.path.startswith("/hooks/diskominfo"))
    assert hooks and hits(hooks) == []
    stop_all(services.values())  # flushed: the whole log is searched, shutdown lines included
    for proc in services.values():
        log = proc.log_path.read_text(errors="replace")
        assert hits(log) == [], f"{proc.log_path}: {hits(log)[:5]}"
