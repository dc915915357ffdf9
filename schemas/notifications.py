"""Events of the notifier: what was asked to be sent, and what became of it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.enums import NotificationChannel
from schemas.envelope import Event


class NotificationRequested(Event):
    """A message should reach a recipient; raised by intake for citizens (carries contact).

    `recipient` is a citizen's address (WhatsApp number, e-mail, webhook URL) or an agency
    code, which the notifier resolves through the agency directory for `audience`. A citizen
    known only by a social-media handle is acknowledged through the center's operators:
    recipient = the center's code, with `reply_on` and `handle` in the context.
    """

    type: Literal["NotificationRequested"] = "NotificationRequested"
    channel: NotificationChannel
    recipient: str = Field(max_length=320)  # agency code, or a citizen's address
    template: str = Field(max_length=64)
    context: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    # Who at the recipient: "citizen", "agency" (its contacts), "head" (head of agency), or a
    # regency role such as "regional_secretary"; None means citizen, or agency for a code.
    audience: str | None = Field(default=None, max_length=64)


class NotificationDelivered(Event):
    type: Literal["NotificationDelivered"] = "NotificationDelivered"
    source_event_id: str = Field(max_length=64)
    channel: NotificationChannel
    recipient: str = Field(max_length=320)  # agency code and role, or a masked address
    attempts: int = Field(ge=1)
    delivery_id: str | None = Field(default=None, max_length=64)  # the idempotency key sent


class NotificationFailed(Event):
    type: Literal["NotificationFailed"] = "NotificationFailed"
    source_event_id: str = Field(max_length=64)
    channel: NotificationChannel
    recipient: str = Field(max_length=320)
    attempts: int = Field(ge=0)  # 0: refused before any attempt (e.g. a private address)
    reason: str = Field(max_length=2000)
    delivery_id: str | None = Field(default=None, max_length=64)
