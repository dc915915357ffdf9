"""What an adapter makes of one delivery: submissions, and how many items it skipped and why."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from schemas.enums import Channel
from schemas.intake import ComplaintSubmission

MAX_TEXT = 10_000
# What a malformed vendor item raises while it is read; anything else is a bug and crashes.
MALFORMED = (TypeError, ValueError, AttributeError, KeyError, IndexError)


@dataclass(frozen=True)
class Amendment:
    """A change to a message that may already be a case: an edit or a withdrawal."""

    kind: Literal["edit", "withdraw"]
    channel: Channel
    target: str  # the case's channel message id (the original message)
    change_id: str  # the channel's id of this change, or a digest of the new version
    text: str | None = None  # an edit's new text
    reason: str | None = None  # a withdrawal's, in the channel's own word
    occurred_at: datetime | None = None
    opens: ComplaintSubmission | None = None  # what an edit of an unknown message opens
    # Channels that do not authenticate the author (e-mail): only the case's own reporter,
    # by this identity (e.g. mailto:warga@example.id), may change it.
    reporter_identity: str | None = None


@dataclass(frozen=True)
class Deferred:
    """A look-up to do after the case opened (one that failed while the item was read, or a
    media download); the job completes the case with it later."""

    lookup: str  # e.g. instagram_mention, whatsapp_media
    params: dict[str, str | None]
    item: str = ""  # which part of the case it completes (a media id); '' for all of it


@dataclass
class Inbound:
    submissions: list[ComplaintSubmission] = field(default_factory=list)
    ignored: int = 0  # statuses, reactions, our own posts: nothing to open a case for
    rejected: list[str] = field(default_factory=list)  # items that fail validation, with why
    amendments: list[Amendment] = field(default_factory=list)
    deferred: dict[str, Deferred] = field(default_factory=dict)  # by channel message id

    @contextmanager
    def item(self, label: object) -> Iterator[None]:
        """Read one item of a batch: a malformed one is refused alone, never the delivery."""
        try:
            yield
        except MALFORMED as exc:
            self.rejected.append(f"{str(label)[:100]}: malformed item ({type(exc).__name__})")

    def amend(self, kind: Literal["edit", "withdraw"], channel: Channel, target: Any,
              change_id: Any, **fields: Any) -> None:
        """Record an edit or withdrawal of the message `target`; without ids it is refused."""
        # NUL never reaches PostgreSQL (text cannot hold it), the same way as for submissions,
        # so an edit's target is the key its original was stored under (a fuzz find).
        target, change_id = (v.replace("\x00", "") if v else v
                             for v in (scalar(target), scalar(change_id)))
        if not target or not change_id or len(target) > 300 or len(change_id) > 300:
            self.rejected.append(f"{target}: {kind} without a usable message id")
            return
        for name in ("text", "reason", "reporter_identity"):
            if isinstance(fields.get(name), str):
                fields[name] = fields[name].replace("\x00", "")
        if isinstance(fields.get("text"), str):
            fields["text"] = fields["text"].strip()[:MAX_TEXT] or None
        self.amendments.append(Amendment(kind, channel, target, change_id, **fields))

    def add(self, **fields: Any) -> None:
        """Validate and keep one item; an invalid one is recorded, never raised to the vendor."""
        if isinstance(fields.get("text"), str):
            fields["text"] = fields["text"].strip()[:MAX_TEXT]
        try:
            self.submissions.append(ComplaintSubmission(**fields))
        except ValidationError as exc:
            self.rejected.append(f"{fields.get('channel_message_id')}: {first_error(exc)}")

    def merge(self, other: Inbound) -> None:
        self.submissions += other.submissions
        self.ignored += other.ignored
        self.rejected += other.rejected
        self.amendments += other.amendments
        self.deferred |= other.deferred


def first_error(exc: ValidationError) -> str:
    """`field.path: message` of a validation error's first problem."""
    first = exc.errors()[0]
    return f"{'.'.join(str(p) for p in first['loc']) or '(root)'}: {first['msg']}"


def obj(value: Any) -> dict[str, Any]:
    """The value if it is a JSON object, else empty: vendor payloads vary and may be partial."""
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[dict[str, Any]]:
    """The JSON objects of a list, skipping anything else."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def scalar(value: Any) -> str | None:
    """An id or a code as a string (vendors send some as numbers); None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def text_of(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def unix_time(value: Any) -> datetime | None:
    """Unix seconds (number or numeric string) as aware UTC, or None."""
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def iso_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp with a zone (Z or +hhmm) as aware UTC, or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None
