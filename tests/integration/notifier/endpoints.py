"""Local stand-ins for agencies' webhooks, the WhatsApp Cloud API and an SMTP server."""

from __future__ import annotations

import asyncio
import email
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as email_policy

import orjson
from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.processes import free_port
from tests.support.receiver import Received, Receiver

Rule = Callable[[Received], tuple[int, dict[str, str], bytes]]


def whatsapp_accepted(request: Received) -> tuple[int, dict[str, str], bytes]:
    """What the Cloud API answers to an accepted send-message call."""
    to = orjson.loads(request.body).get("to", "")
    body = {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": f"wamid.{uuid.uuid4().hex}"}]}
    return 200, {"Content-Type": "application/json"}, orjson.dumps(body)


@dataclass
class Endpoints(Receiver):
    """A Receiver that answers by path prefix and can hold a response (a slow receiver)."""

    rules: dict[str, Rule] = field(default_factory=dict)
    hold_seconds: dict[str, float] = field(default_factory=dict)
    arrivals: list[tuple[float, Received]] = field(default_factory=list)

    async def _handle(self, request: web.Request) -> web.Response:
        received = Received(request.method, request.path, dict(request.headers),
                            await request.read())
        self.requests.append(received)
        self.arrivals.append((time.monotonic(), received))
        self._changed.set()
        for prefix, seconds in self.hold_seconds.items():
            if request.path.startswith(prefix):
                await asyncio.sleep(seconds)
        for prefix, rule in self.rules.items():
            if request.path.startswith(prefix):
                status, headers, body = rule(received)
                return web.Response(status=status, headers=headers, body=body)
        return web.Response(status=204)

    def under(self, prefix: str) -> list[Received]:
        return [r for r in self.requests if r.path.startswith(prefix)]

    async def wait_matching(self, prefix: str, needle: bytes | tuple[bytes, ...], count: int = 1,
                            timeout: float = 30.0) -> list[Received]:
        """Wait until `count` requests under `prefix` carry `needle` (all of them) in their body."""
        needles = needle if isinstance(needle, tuple) else (needle,)
        async def found() -> list[Received]:
            while True:
                self._changed.clear()  # before looking, so an arrival in between is not lost
                matching = [r for r in self.under(prefix) if all(n in r.body for n in needles)]
                if len(matching) >= count:
                    return matching
                await self._changed.wait()

        return await asyncio.wait_for(found(), timeout)


class _Collector:
    def __init__(self) -> None:
        self.mails: list[Envelope] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.mails.append(envelope)
        return "250 Message accepted for delivery"


class Mailbox:
    """A real SMTP server (aiosmtpd) on a free local port, keeping every mail it accepts."""

    def __init__(self) -> None:
        self.port = free_port()
        self._collector = _Collector()
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=self.port)

    @property
    def mails(self) -> list[Envelope]:
        return self._collector.mails

    def refuse(self, address: str) -> None:
        self._collector.refuse.add(address)

    def __enter__(self) -> Mailbox:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[Envelope]:
        return [m for m in self.mails if address in m.rcpt_tos]

    async def wait_for(self, address: str, needle: str = "", timeout: float = 30.0
                       ) -> list[EmailMessage]:
        """Wait for mail to `address` whose decoded subject or text contains `needle`."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in map(parse_mail, (e.content for e in self.to(address)))
                     if needle in m["Subject"] + m.get_content()]
            if found:
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"no mail to {address} with {needle!r} in {timeout}s")
            await asyncio.sleep(0.05)


def parse_mail(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email_policy)
    assert isinstance(message, EmailMessage)
    return message
