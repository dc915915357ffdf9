"""Every citizen hears the agency's answer where they complained, once, across a kill -9.

Intake and the notifier run as processes on the real stack; the platforms are one local
server speaking each vendor's request and error format (Graph API comment replies, WhatsApp
Cloud API with an approved template outside the 24-hour window, X API v2 reply posts, TikTok
API for Business comment replies) and an SMTP server. The assignment is produced as the router
would publish it, so routing rules do not decide this test.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import unquote_plus

import asyncpg
import httpx
import orjson
import pytest

from schemas.routing import ComplaintAssigned
from schemas.topics import ASSIGNED
from services.runtime.settings import RuntimeSettings
from tests.integration.notifier.conftest import PHONE_NUMBER_ID, notifier_env
from tests.integration.notifier.endpoints import Endpoints, Mailbox, parse_mail
from tests.integration.notifier.test_agency_answer import held_by, tanggap
from tests.support.processes import ServiceProcess, free_port
from tests.support.receiver import Received
from tests.support.stack import service_env

OUTSIDE_WINDOW = "6281200000047"  # this citizen last wrote more than 24 hours ago
GONE = "0404404"  # the comment ids ending so were deleted before the answer came
WA_PATH = f"/graph/v21.0/{PHONE_NUMBER_ID}/messages"
ANSWER = "Lampu jalan sudah diganti petugas hari ini"


def platforms(request: Received) -> tuple[int, dict[str, str], bytes]:
    """One local server for every vendor, answering in each one's documented format."""
    json_type = {"Content-Type": "application/json"}
    if request.path == WA_PATH:
        body = orjson.loads(request.body)
        if body["to"] == OUTSIDE_WINDOW and body["type"] == "text":
            error = {"message": "(#131047) Re-engagement message", "type": "OAuthException",
                     "code": 131047}
            return 400, json_type, orjson.dumps({"error": error})
        return 200, json_type, orjson.dumps({"messaging_product": "whatsapp",
                                             "messages": [{"id": f"wamid.{uuid.uuid4().hex}"}]})
    if request.path.startswith("/graph/"):
        if request.path.endswith(f"{GONE}/replies"):
            error = {"message": "Unsupported post request. Object does not exist",
                     "type": "GraphMethodException", "code": 100, "error_subcode": 33}
            return 400, json_type, orjson.dumps({"error": error})
        return 200, json_type, orjson.dumps({"id": uuid.uuid4().hex})
    if request.path == "/x/2/tweets":
        return 201, json_type, orjson.dumps({"data": {"id": str(uuid.uuid4().int)[:19],
                                                      "text": "ok"}})
    if request.path.startswith("/tiktok/"):
        return 200, json_type, orjson.dumps({"code": 0, "message": "OK", "request_id": "r",
                                             "data": {"comment_id": "7"}})
    return 204, {}, b""


@dataclass(frozen=True)
class Citizen:
    channel: str
    message_id: str
    reporter: dict[str, str]
    where: str  # path prefix at the local server, or "mail:<address>"
    to: str = ""  # a needle naming the recipient where one path serves several (WhatsApp)


def citizens() -> list[Citizen]:
    n = uuid.uuid4().int
    ig, fb = f"18{n % 10**15:015d}", f"{n % 10**9}_{n % 10**8}"
    return [
        Citizen("whatsapp", f"wamid.{n:x}", {"phone": "081200000011"}, WA_PATH,
                '"to":"6281200000011"'),
        Citizen("whatsapp", f"wamid.o{n:x}", {"phone": "081200000047"}, WA_PATH,
                f'"to":"{OUTSIDE_WINDOW}"'),
        Citizen("instagram", ig, {"handle": "@warga_delta"}, f"/graph/v21.0/{ig}/replies"),
        Citizen("facebook", fb, {"handle": "5120"}, f"/graph/v21.0/{fb}/comments"),
        Citizen("x", f"179{n % 10**16:016d}", {"handle": "@wargaktp"}, "/x/2/tweets"),
        Citizen("tiktok", f"729{n % 10**6}:730{n % 10**7}", {"handle": "@warga.tt"}, "/tiktok/"),
        Citizen("email", f"<{n:x}@surel.example>", {"email": "rina@surel.example"},
                "mail:rina@surel.example"),
        Citizen("instagram", f"17{n % 10**8:08d}{GONE}", {"handle": "@sudah_hapus"},
                "/hooks/diskominfo"),
    ]


@pytest.fixture(scope="module")
async def reply_stack(stack: RuntimeSettings) -> AsyncIterator[tuple[dict[str, ServiceProcess],
                                                                     Endpoints, Mailbox]]:
    with Mailbox() as mailbox:
        async with Endpoints(rules={"/": platforms}) as server:
            ports = {"intake": free_port(), "notifier": free_port()}
            intake_env = service_env(stack.topic_prefix, TANGGAP_INTAKE_PORT=str(ports["intake"]))
            templates = {name: {"name": f"tanggap_{name}", "parameters": ["ticket", "body"]}
                         for name in ("citizen_ack", "citizen_answer")}
            env = notifier_env(
                stack, server, mailbox, ports["notifier"],
                TANGGAP_NOTIFIER_WHATSAPP_TEMPLATES=json.dumps(templates),
                TANGGAP_NOTIFIER_GRAPH_API_URL=f"{server.url}/graph",
                TANGGAP_NOTIFIER_INSTAGRAM_TOKEN="uji-ig",
                TANGGAP_NOTIFIER_FACEBOOK_PAGE_TOKEN="uji-fb",
                TANGGAP_NOTIFIER_X_API_URL=f"{server.url}/x", TANGGAP_NOTIFIER_X_TOKEN="uji-x",
                TANGGAP_NOTIFIER_TIKTOK_API_URL=f"{server.url}/tiktok",
                TANGGAP_NOTIFIER_TIKTOK_BUSINESS_ID="biz-ketapang",
                TANGGAP_NOTIFIER_TIKTOK_TOKEN="uji-tt")
            procs = {"intake": ServiceProcess("intake", ports["intake"], intake_env,
                                              tag="it-replies-intake"),
                     "notifier": ServiceProcess("notifier", ports["notifier"], env,
                                                tag="it-replies-notifier")}
            try:
                for proc in procs.values():
                    await proc.start()
                yield procs, server, mailbox
            finally:
                for proc in procs.values():
                    await asyncio.to_thread(proc.stop)


async def arrived(server: Endpoints, mailbox: Mailbox, citizen: Citizen, *needles: str,
                  count: int) -> list[str]:
    """Wait until `count` messages to this citizen carry every needle; return their texts."""
    async def texts() -> list[str]:
        if citizen.where.startswith("mail:"):
            mails = [parse_mail(m.content) for m in mailbox.to(citizen.where[5:])]
            return [m.get_content() + str(m["In-Reply-To"]) for m in mails]
        bodies = [unquote_plus(r.body.decode("utf-8", "replace"))  # Graph takes form bodies
                  for r in server.under(citizen.where)]
        refused = f'"to":"{OUTSIDE_WINDOW}","type":"text"'  # answered 131047, not delivered
        return [b for b in bodies if refused not in b]

    for _ in range(600):
        found = [t for t in await texts() if all(n in t for n in (*needles, citizen.to))]
        if len(found) >= count:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{citizen.channel} {citizen.message_id}: {needles} never arrived")


async def test_answer_reaches_every_channel_once_across_a_notifier_kill(
        stack: RuntimeSettings,
        reply_stack: tuple[dict[str, ServiceProcess], Endpoints, Mailbox]) -> None:
    procs, server, mailbox = reply_stack
    intake = procs["intake"].url
    agency_key = tanggap("agency-keys", "create", "dinas-perkim", "--label", "it-replies")
    keys = {c.channel: tanggap("intake", "keys", "create", c.channel, "--name", "it-replies")
            for c in citizens()}
    people = citizens()
    tickets: dict[str, str] = {}
    cases: list[str] = []
    async with httpx.AsyncClient(timeout=10) as http:
        for citizen in people:
            posted = await http.post(
                f"{intake}/v1/complaints", headers={"X-API-Key": keys[citizen.channel]},
                json={"channel": citizen.channel, "channel_message_id": citizen.message_id,
                      "text": "Lampu jalan mati sebulan di Jl. Merdeka Delta Pawan",
                      "reporter": citizen.reporter})
            assert posted.status_code == 202, posted.text
            tickets[citizen.message_id] = posted.json()["ticket"]
            ids = posted.json()["complaint_id"]
            cases.append(ids)
            await stack_assign(stack, ids, tickets[citizen.message_id])
        for citizen in people:  # every acknowledgement landed where the citizen spoke
            await arrived(server, mailbox, citizen, tickets[citizen.message_id], count=1)
        # A kill between a provider's answer and the log's record of it sends that message
        # again (WhatsApp takes no idempotency key): at-least-once, by design. This test is
        # about what the log already holds, so it kills once every send is recorded.
        await all_recorded(stack, cases)

        procs["notifier"].kill()  # kill -9: offsets of what it just did may be uncommitted
        for citizen in people:
            ticket = tickets[citizen.message_id]
            await held_by(http, intake, ticket, "dinas-perkim")
            answered = await http.post(
                f"{intake}/v1/cases/{ticket}/responses",
                headers={"Authorization": f"Bearer {agency_key}"},
                json={"kind": "first_response", "message": ANSWER, "responder": "UPT PJU"})
            assert answered.status_code == 202, answered.text
        await procs["notifier"].start()

        for citizen in people:
            ticket = tickets[citizen.message_id]
            await arrived(server, mailbox, citizen, ticket, ANSWER[:20], count=1)
        await asyncio.sleep(2)  # let any duplicate that would come arrive before counting
        for citizen in people:
            ticket = tickets[citizen.message_id]
            answers = await arrived(server, mailbox, citizen, ticket, ANSWER[:20], count=1)
            acks = await arrived(server, mailbox, citizen, ticket, count=1)
            assert len(answers) == 1, (citizen.channel, answers)
            assert len(acks) == 2, (citizen.channel, acks)  # acknowledgement and answer
    outside = [orjson.loads(r.body) for r in server.under(WA_PATH)
               if r.body.find(b'"to":"6281200000047"') >= 0]
    assert [m["type"] for m in outside].count("template") == 2  # ack and answer
    assert all(m["template"]["name"].startswith("tanggap_citizen_")
               for m in outside if m["type"] == "template")
    [mail] = [m for m in map(parse_mail, (e.content for e in mailbox.to("rina@surel.example")))
              if ANSWER[:20] in m.get_content()]
    assert mail["In-Reply-To"] == people[6].message_id  # threaded under the citizen's mail
    [note] = await arrived(server, mailbox, people[7], tickets[people[7].message_id], ANSWER[:20],
                           count=1)
    assert "tidak terkirim" in note and "does not exist" in note


async def all_recorded(stack: RuntimeSettings, cases: list[str]) -> None:
    """Wait until the notifier's log has no send of these cases still marked as under way."""
    conn = await asyncpg.connect(stack.database_url)
    try:
        for _ in range(300):
            sending = await conn.fetchval(
                "SELECT count(*) FROM notifier.delivery_log WHERE complaint_id = ANY($1::text[])"
                " AND status = 'sending'", cases)
            if sending == 0:
                return
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    raise AssertionError(f"{sending} sends still under way after 30 s")


async def stack_assign(stack: RuntimeSettings, complaint_id: str, ticket: str) -> None:
    from tests.support.kafka import produce

    await produce(stack, ASSIGNED.name, ComplaintAssigned(
        complaint_id=complaint_id, ticket=ticket, agency="dinas-perkim", rules_version="test",
        text="Lampu jalan mati sebulan di Jl. Merdeka Delta Pawan"))
