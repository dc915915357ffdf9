"""Events of intake: a channel's submission becomes one case with a ticket."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from schemas.enums import Channel, NotificationChannel
from schemas.envelope import Event, Model


class GeoPoint(Model):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    address: str | None = Field(default=None, max_length=500)


class Attachment(Model):
    kind: Literal["image", "video", "audio", "document", "link"]
    url: str | None = Field(default=None, max_length=2000)
    media_id: str | None = Field(default=None, max_length=200)
    caption: str | None = Field(default=None, max_length=2000)
    # Added additively, set by intake once it holds the bytes (a downloaded WhatsApp media):
    # agencies fetch them at GET /v1/cases/{ticket}/media/{sha256}. Adapters never set them.
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    mime_type: str | None = Field(default=None, max_length=200)
    size: int | None = Field(default=None, ge=0)
    stored: bool = False


class FormAnswer(Model):
    """One answer to a form's question (an Open311 `attribute[CODE]`); lists keep every value."""

    code: str = Field(min_length=1, max_length=100)
    values: tuple[str, ...] = Field(default=(), max_length=50)
    label: str | None = Field(default=None, max_length=500)  # the question, as the form asks it


class ComplaintReceived(Event):
    """A new case was opened for one channel message; text is masked, reporter pseudonymous."""

    type: Literal["ComplaintReceived"] = "ComplaintReceived"
    ticket: str = Field(max_length=32)
    channel: Channel
    channel_message_id: str = Field(max_length=300)
    text: str = Field(max_length=10_000)
    reporter_id: str | None = Field(default=None, max_length=64)
    anonymous: bool = False
    confidential: bool = False
    kecamatan: str | None = Field(default=None, max_length=64)
    location: GeoPoint | None = None
    attachments: tuple[Attachment, ...] = ()
    submitted_at: AwareDatetime | None = None
    # Added in schema 1 additively: which of our accounts received it, what the citizen
    # picked on a form (a routing hint) and which channel message this one answers.
    received_by: str | None = Field(default=None, max_length=200)
    category_hint: str | None = Field(default=None, max_length=64)
    in_reply_to: str | None = Field(default=None, max_length=300)
    # Added additively: the answers to the service's form questions, masked like the text.
    attributes: tuple[FormAnswer, ...] = ()


class ComplaintEdited(Event):
    """The citizen (or the source) changed a message that is already a case; text is masked."""

    type: Literal["ComplaintEdited"] = "ComplaintEdited"
    ticket: str = Field(max_length=32)
    channel: Channel
    channel_message_id: str = Field(max_length=300)  # the case's message, as first received
    edit_id: str = Field(max_length=300)  # the channel's id (or digest) of this version
    text: str = Field(max_length=10_000)
    attachments: tuple[Attachment, ...] = ()
    edited_at: AwareDatetime | None = None  # when the channel says it was edited


class ComplaintEnriched(Event):
    """A deferred look-up completed a case that was opened without its content."""

    type: Literal["ComplaintEnriched"] = "ComplaintEnriched"
    ticket: str = Field(max_length=32)
    channel: Channel
    channel_message_id: str = Field(max_length=300)
    lookup: str = Field(max_length=64)  # e.g. instagram_mention
    text: str = Field(max_length=10_000)  # masked
    attachments: tuple[Attachment, ...] = ()
    submitted_at: AwareDatetime | None = None


class ComplaintWithdrawn(Event):
    """The citizen deleted the message a case came from; the case is kept for the record."""

    type: Literal["ComplaintWithdrawn"] = "ComplaintWithdrawn"
    ticket: str = Field(max_length=32)
    channel: Channel
    channel_message_id: str = Field(max_length=300)
    reason: str = Field(max_length=200)  # the channel's own word: revoke, remove, delete
    withdrawn_at: AwareDatetime | None = None


class ComplaintAcknowledged(Event):
    """The citizen should hear their ticket number on the channel the complaint came from."""

    type: Literal["ComplaintAcknowledged"] = "ComplaintAcknowledged"
    ticket: str = Field(max_length=32)
    channel: Channel
    reporter_id: str | None = Field(default=None, max_length=64)
    # How the citizen is told (a NotificationRequested follows), or None: no reachable contact.
    notify_channel: NotificationChannel | None = None


class Reporter(Model):
    """Contact data of the citizen: stays in intake's registry, never travels downstream."""

    name: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=320)
    handle: str | None = Field(default=None, max_length=200)  # social-media account


class ComplaintSubmission(Model):
    """A channel adapter's normalized complaint: the body of POST /v1/complaints and the
    record format of the complaints.submissions topic."""

    channel: Channel
    channel_message_id: str = Field(min_length=1, max_length=300)
    text: str = Field(min_length=1, max_length=10_000)
    reporter: Reporter = Field(default_factory=Reporter)
    anonymous: bool = False
    confidential: bool = False
    kecamatan: str | None = Field(default=None, max_length=64)
    location: GeoPoint | None = None
    attachments: tuple[Attachment, ...] = Field(default=(), max_length=20)
    occurred_at: AwareDatetime | None = None
    received_by: str | None = Field(default=None, max_length=200)  # our account or mailbox
    category_hint: str | None = Field(default=None, max_length=64)  # e.g. Open311 service_code
    in_reply_to: str | None = Field(default=None, max_length=300)  # channel message answered
    attributes: tuple[FormAnswer, ...] = Field(default=(), max_length=50)  # form answers

    @model_validator(mode="before")
    @classmethod
    def _without_nul(cls, data: Any) -> Any:
        # No channel means a NUL character, and PostgreSQL text cannot store one: drop it
        # (the same way on every delivery, so a message id stays one case).
        return _strip_nul(data)

    @model_validator(mode="after")
    def _nothing_stored_yet(self) -> ComplaintSubmission:
        # Only intake can say it holds an attachment's bytes; a submission cannot claim it.
        if any(a.stored for a in self.attachments):
            raise ValueError("attachments[].stored is set by intake once it holds the bytes")
        return self


def _strip_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {k: _strip_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strip_nul(v) for v in value]
    return value
