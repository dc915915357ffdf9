"""Envelope ids: a redelivered cause yields the same effect id, so consumers can de-duplicate."""

from __future__ import annotations

import uuid

from schemas.envelope import EVENT_NAMESPACE, derived_id
from schemas.intake import ComplaintReceived


def make() -> ComplaintReceived:
    return ComplaintReceived(complaint_id="c-9", ticket="KTP-2026-000009", channel="web",
                             channel_message_id="m-9", text="sampah menumpuk")


def test_derived_id_is_stable_and_step_specific() -> None:
    cause = make()
    assert derived_id(cause.event_id, "assigned") == derived_id(cause.event_id, "assigned")
    assert derived_id(cause.event_id, "assigned") != derived_id(cause.event_id, "triaged")


def test_caused_event_carries_complaint_and_trace() -> None:
    cause = make()
    fields = cause.caused("assigned")
    assert fields["complaint_id"] == "c-9"
    assert fields["causation_id"] == cause.event_id
    assert fields["correlation_id"] == cause.event_id
    assert fields["event_id"] == derived_id(cause.event_id, "assigned")


def test_derived_id_is_the_uuid5_of_its_parts_in_the_event_namespace() -> None:
    cause = make()
    for parts in [(cause.event_id, "assigned"), ("c-9:dlh:response", "started"),
                  (cause.event_id, "deliver", "webhook", "https://x.test/ü"), (7,), ("",)]:
        expected = uuid.uuid5(EVENT_NAMESPACE, ":".join(str(p) for p in parts))
        assert derived_id(*parts) == expected
        assert derived_id(*parts).version == 5 and derived_id(*parts).variant == uuid.RFC_4122
