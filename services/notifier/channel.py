"""The one small interface every delivery channel implements, and how sends fail."""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

from schemas.enums import NotificationChannel


@dataclass(frozen=True)
class Message:
    """One rendered message for one address; `delivery_id` is the idempotency key."""

    delivery_id: uuid.UUID
    address: str
    subject: str
    body: str
    event_type: str = ""
    document: bytes = b""  # webhooks: the JSON document that is sent and signed
    trusted_address: bool = False  # set by the operator: exempt from the address policy
    reply_to: str | None = None  # the citizen's message this answers (wamid, Message-ID)
    template: str = ""  # our template name: WhatsApp maps it to an approved template
    context: dict[str, str | int | float | bool | None] = field(default_factory=dict)
    # The citizen's other contact (channel, address) for when a reply where they spoke cannot
    # land: a deleted comment, a private account, a closed conversation.
    fallback: tuple[NotificationChannel, str] | None = None


class TemporaryFailure(Exception):
    """Worth retrying (timeouts, 5xx, 429); `retry_after` is the receiver's own wish."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """Retrying cannot help (refused address, 4xx, unknown recipient)."""


class ReplyImpossible(PermanentFailure):
    """This channel cannot reach the citizen any more (deleted comment, private account,
    expired token): another contact of theirs, or the center's operators, must be used."""


class Channel(ABC):
    """A way to reach people: webhook, e-mail, WhatsApp. Sends once; the caller retries."""

    name: NotificationChannel

    @abstractmethod
    async def send(self, message: Message) -> str | None:
        """Deliver one message; return the provider's message id if it gives one."""

    async def close(self) -> None:  # noqa: B027 - optional hook, most channels hold nothing
        """Release connections."""


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from an HTTP Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


def classify_status(status: int, retry_after: float | None, detail: str) -> Exception | None:
    """None for success; otherwise the failure an HTTP status means for a retry."""
    if 200 <= status < 300:
        return None
    reason = f"HTTP {status}: {detail[:300]}".rstrip(": ")
    if status in (408, 425, 429) or status >= 500:
        return TemporaryFailure(reason, retry_after)
    return PermanentFailure(reason)
