"""The timeline's order and summaries, on a hand-built case life (no Kafka)."""

from __future__ import annotations

import random

from schemas.codec import encode
from schemas.topics import ASSIGNED
from services.audit.order import Placed, ordered
from services.audit.store import Located
from services.audit.summary import mask_address, summarize
from services.audit.timeline import assemble, to_json, to_lines
from tests.support.lifecycle import EXPECTED_TYPES, T0, case_life


def placed_life(seed: int) -> tuple[list[Located], dict[tuple[str, int, int], bytes]]:
    """The case's records at log positions in a shuffled produce order."""
    life = case_life("c-unit", "KTP-2026-000001")
    random.Random(seed).shuffle(life)
    located, values = [], {}
    for offset, (topic, event) in enumerate(life):
        located.append(Located(topic, 0, offset, event.type, "x"))
        values[(topic, 0, offset)] = encode(event)
    return located, values


def test_a_shuffled_log_reads_back_in_lifecycle_order() -> None:
    for seed in range(20):
        located, values = placed_life(seed)
        timeline = assemble("c-unit", located, values)
        assert tuple(e.type for e in timeline.entries) == EXPECTED_TYPES, seed


def test_equal_times_put_an_effect_after_its_cause() -> None:
    a = Placed(__import__("uuid").uuid4(), None, T0, "z", 5, 9)
    b = Placed(__import__("uuid").uuid4(), a.event_id, T0, "a", 0, 0)
    c = Placed(__import__("uuid").uuid4(), b.event_id, T0, "a", 0, 1)
    assert ordered([c, b, a]) == [a, b, c]


def test_a_cycle_of_causes_does_not_hang() -> None:
    import uuid
    x, y = uuid.uuid4(), uuid.uuid4()
    items = [Placed(x, y, T0, "t", 0, 0), Placed(y, x, T0, "t", 0, 1)]
    assert len(ordered(items)) == 2


def test_summaries_name_redirections_operators_stages_and_notifications() -> None:
    located, values = placed_life(1)
    lines = "\n".join(to_lines(assemble("c-unit", located, values)))
    for needle in ("redirected from dinas-pupr to dinas-perkim", "redirected from dinas-perkim "
                   "to dlh", "operator ani commands: assign to dinas-pupr",
                   "warning at 80%", "breached by dlh", "escalated to head_of_agency",
                   "notification delivered",
                   "failed after 5 attempt(s)", "met by dlh late"):
        assert needle in lines, needle
    assert "6281299990000" not in lines  # the citizen's number is not shown


def test_json_points_each_effect_at_its_cause_line() -> None:
    located, values = placed_life(2)
    doc = to_json(assemble("c-unit", located, values))
    events = doc["events"]
    by_n = {e["n"]: e for e in events}
    for e in events:
        if e["cause_n"] is not None:
            assert by_n[e["cause_n"]]["event_id"] == e["causation_id"]
            assert e["cause_n"] < e["n"]
    assert events[0]["record"]["ticket"] == "KTP-2026-000001"


def test_suppressed_political_disposition_is_named() -> None:
    from schemas.enums import Flag
    from schemas.routing import ComplaintSuppressed
    event = ComplaintSuppressed(complaint_id="c", ticket="K", agency="diskominfo",
                                flags=(Flag.POLITICAL,), rules_version="r1")
    assert summarize(event).startswith("suppressed (political)")


def test_addresses_are_masked_and_codes_kept() -> None:
    assert mask_address("dinas-pupr") == "dinas-pupr"
    assert mask_address("dlh:head") == "dlh:head"
    assert mask_address("warga@example.id") == "w***@example.id"
    assert mask_address("6281299990000") == "***000"
    assert ASSIGNED.name  # the catalogue is importable without a connection


def test_json_masks_citizen_addresses_and_lists_what_the_log_lost() -> None:
    located, values = placed_life(4)
    gone = located[0]
    del values[(gone.topic, gone.partition, gone.offset)]
    doc = to_json(assemble("c-unit", located, values))
    assert "6281299990000" not in str(doc)
    assert doc["missing"] == [{"topic": gone.topic, "partition": 0, "offset": gone.offset}]
    assert len(doc["events"]) == len(located) - 1


def test_a_dead_letter_is_indexed_under_its_key_and_a_keyless_one_is_not() -> None:
    import pytest

    from services.audit.index import DEAD_LETTER, Skipped, dead_letter_row

    row = dead_letter_row("complaints.received.dlq", "p.complaints.received.dlq", 0, 4,
                          b"c-9", 1_780_000_000_000, [("dlq.service", b"router")])
    assert (row.complaint_id, row.type, row.service) == ("c-9", DEAD_LETTER, "router")
    with pytest.raises(Skipped):
        dead_letter_row("complaints.received.dlq", "p.x", 0, 5, None, 0, [])
    with pytest.raises(Skipped):  # raw submissions' dead letters name no case
        dead_letter_row("complaints.submissions.dlq", "p.x", 0, 6, b"k", 0, [])
