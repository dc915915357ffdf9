"""Dead-letter records: the original bytes, untouched, with why and where from in headers."""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter

from schemas.topics import dead_letter
from services.runtime.producer import EventProducer, RawRecord

DEAD_LETTERS = Counter(
    "tanggap_dead_letters_total", "Records sent to a dead-letter topic", ["topic"]
)


def dead_letter_headers(reason: str, topic: str, partition: int | None,
                        offset: int | None, service: str) -> list[tuple[str, bytes]]:
    """Headers that say why a record was refused and where it came from."""
    return [
        ("dlq.reason", reason.encode()[:4000]),
        ("dlq.source.topic", topic.encode()),
        ("dlq.source.partition", str(partition).encode()),
        ("dlq.source.offset", str(offset).encode()),
        ("dlq.service", service.encode()),
    ]


def dead_letter_record(topic: str, message: Any, reason: str, service: str) -> RawRecord:
    """The `<topic>.dlq` record for a refused message, to send with a batch's outputs."""
    headers = dead_letter_headers(reason, topic, getattr(message, "partition", None),
                                  getattr(message, "offset", None), service)
    return RawRecord(dead_letter(topic), message.key, message.value, headers)


async def send_to_dead_letter(
    producer: EventProducer, topic: str, message: Any, reason: str, service: str
) -> None:
    """Park a refused record on `<topic>.dlq` and wait until it is durable."""
    headers = dead_letter_headers(reason, topic, getattr(message, "partition", None),
                                  getattr(message, "offset", None), service)
    await producer.send_raw(dead_letter(topic), message.key, message.value, headers)
    DEAD_LETTERS.labels(topic=topic).inc()
