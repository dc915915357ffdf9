"""What an adapter makes of one delivery: submissions, and how many items it skipped and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from schemas.intake import ComplaintSubmission

MAX_TEXT = 10_000


@dataclass
class Inbound:
    submissions: list[ComplaintSubmission] = field(default_factory=list)
    ignored: int = 0  # statuses, reactions, our own posts: nothing to open a case for
    rejected: list[str] = field(default_factory=list)  # items that fail validation, with why

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
