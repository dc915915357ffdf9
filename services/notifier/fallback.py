"""A reply where the citizen spoke; when that channel cannot reach them, the next best way.

A deleted comment, a private account, a post whose author limits replies, an expired token or
a WhatsApp conversation outside the 24-hour window without an approved template: the platform
says so (ReplyImpossible), and the message goes to the citizen's other contact if intake knew
one, else to the center's operators with the reason and the text to pass on by hand. The
provider id returned says which way it went, so the delivery log records it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace

import orjson

from schemas.enums import NotificationChannel
from services.notifier.channel import Channel, Message, PermanentFailure, ReplyImpossible
from services.notifier.contacts import Destination
from services.notifier.metrics import REPLY_FALLBACKS

log = logging.getLogger(__name__)


def operator_note(message: Message, platform: str, reason: str) -> Message:
    """The same message for the center's desk, saying why and where to answer by hand."""
    handle = message.context.get("handle")
    who = f" kepada {handle}" if handle else ""
    body = (f"[Untuk operator: balasan otomatis di {platform}{who} tidak terkirim ({reason}). "
            f"Sampaikan kepada warga:]\n{message.body}")
    document = orjson.loads(message.document) if message.document else {}
    document |= {"text": body, "fallback_reason": reason, "reply_on": platform,
                 "handle": handle, "reply_to": message.reply_to}
    return replace(message, body=body, document=orjson.dumps(document), reply_to=None)


class FallbackChannel(Channel):
    """Wraps a citizen-facing channel; `resolve` turns the center's code into its desk."""

    def __init__(self, primary: Channel, others: Mapping[NotificationChannel, Channel],
                 resolve: Callable[[str], Destination]) -> None:
        self.name = primary.name
        self._primary = primary
        self._others = others
        self._resolve = resolve

    async def send(self, message: Message) -> str | None:
        try:
            return await self._primary.send(message)
        except ReplyImpossible as exc:
            if message.fallback is None:
                raise
            reason = str(exc)
        channel, address = message.fallback
        other = self._others.get(channel)
        if other is None or other is self:
            raise PermanentFailure(f"{reason}; fallback channel {channel} is not configured")
        if channel is NotificationChannel.WEBHOOK:  # the center's operators, by code
            desk = self._resolve(address)
            sent = operator_note(message, self.name.value, reason)
            sent = replace(sent, address=desk.address, trusted_address=desk.trusted)
        else:
            sent = replace(message, address=address, reply_to=None, fallback=None)
        provider_id = await other.send(sent)
        REPLY_FALLBACKS.labels(channel=self.name, to=channel).inc()
        log.warning("reply on %s impossible (%s); sent by %s instead", self.name, reason, channel)
        return f"fallback:{channel}:{provider_id or ''}"[:200]

    async def close(self) -> None:
        await self._primary.close()


class NotConfigured(Channel):
    """A platform this regency has no account token for: replies there go the fallback way."""

    def __init__(self, name: NotificationChannel) -> None:
        self.name = name

    async def send(self, message: Message) -> str | None:
        raise ReplyImpossible(f"no {self.name} account is configured")
