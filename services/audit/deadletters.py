"""What a dead letter says (reason, origin, age) without its personal data, and its re-drive."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from schemas.topics import LIFECYCLE

REDRIVE_HEADER = "redrive.source"  # "<dlq topic>:<partition>:<offset>" on a re-driven record
_DLQ_SUFFIX = ".dlq"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_DIGITS = re.compile(r"\+?\d[\d\s-]{6,}\d")  # phone numbers, NIK (16 digits), account numbers


def mask_personal(text: str) -> str:
    """A reason with e-mail addresses and long digit runs (phones, NIK) blanked out."""
    return _DIGITS.sub("[number]", _EMAIL.sub("[email]", text))


def dlq_name(topic: str) -> str:
    """The dead-letter topic for `complaints.received` or `complaints.received.dlq`."""
    return topic if topic.endswith(_DLQ_SUFFIX) else topic + _DLQ_SUFFIX


@dataclass(frozen=True)
class DeadLetter:
    dlq: str  # catalogue name of the dead-letter topic
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @property
    def id(self) -> str:
        """How an operator names it: partition:offset in the dead-letter topic."""
        return f"{self.partition}:{self.offset}"

    def header(self, name: str) -> str | None:
        found = next((v for k, v in self.headers if k == name), None)
        return found.decode(errors="replace") if found is not None else None

    @property
    def source_topic(self) -> str:
        """The catalogue topic it was refused on (the header, else the name without .dlq)."""
        return self.header("dlq.source.topic") or self.dlq.removesuffix(_DLQ_SUFFIX)

    def source_position(self) -> str:
        partition, offset = self.header("dlq.source.partition"), self.header("dlq.source.offset")
        if partition in (None, "None") or offset in (None, "None"):
            return "?"  # refused after processing (e.g. a notification that kept failing)
        return f"{partition}@{offset}"

    def reason(self) -> str:
        return mask_personal(self.header("dlq.reason") or "(no reason recorded)")

    def fingerprint(self) -> str:
        """A short digest of the value: tells records apart without showing them."""
        return hashlib.sha256(self.value or b"").hexdigest()[:12]

    def shown_key(self) -> str:
        """Event topics are keyed by the pseudonymous complaint id; raw topics' keys may be a
        phone number or an account, so those are not shown."""
        spec = next((s for s in LIFECYCLE if s.name == self.source_topic), None)
        if spec is None or spec.raw or self.key is None:
            return "-"
        return mask_personal(self.key.decode(errors="replace"))

    def redrive_id(self, physical_dlq: str) -> str:
        return f"{physical_dlq}:{self.partition}:{self.offset}"

    def redrive_headers(self, physical_dlq: str) -> list[tuple[str, bytes]]:
        """The original record's own headers (not the dead-letter ones) and where it came from."""
        kept = [(k, v) for k, v in self.headers if not k.startswith("dlq.")
                and k != REDRIVE_HEADER]
        return [*kept, (REDRIVE_HEADER, self.redrive_id(physical_dlq).encode())]


def describe(letter: DeadLetter, now_ms: int) -> str:
    """One line for `tanggap dlq list`: id, age, origin, service, key, size, reason."""
    age = max(0, now_ms - letter.timestamp_ms) / 1000
    age_text = f"{age / 86400:.1f}d" if age >= 86400 else (
        f"{age / 3600:.1f}h" if age >= 3600 else f"{age:.0f}s")
    return (f"{letter.id:>8}  {age_text:>6}  {letter.source_topic}/"
            f"{letter.source_position():10} {letter.header('dlq.service') or '?':8} "
            f"key={letter.shown_key()} {len(letter.value or b'')}B #{letter.fingerprint()}  "
            f"{letter.reason()[:160]}")
