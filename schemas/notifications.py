"""Events of the notifier: what was asked to be sent, and what became of it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.enums import NotificationChannel
from schemas.envelope import Event


class NotificationRequested(Event):
    """A message should reach a recipient; raised by intake for citizens (carries contact)."""

    type: Literal["NotificationRequested"] = "NotificationRequested"
    channel: NotificationChannel
    recipient: str = Field(max_length=320)  # agency code, or a citizen's address
    template: str = Field(max_length=64)
    context: dict[str, str | int | float | bool | None] = Field(default_factory=dict)


class NotificationDelivered(Event):
    type: Literal["NotificationDelivered"] = "NotificationDelivered"
    source_event_id: str = Field(max_length=64)
    channel: NotificationChannel
    recipient: str = Field(max_length=320)
    attempts: int = Field(ge=1)


class NotificationFailed(Event):
    type: Literal["NotificationFailed"] = "NotificationFailed"
    source_event_id: str = Field(max_length=64)
    channel: NotificationChannel
    recipient: str = Field(max_length=320)
    attempts: int = Field(ge=1)
    reason: str = Field(max_length=2000)
