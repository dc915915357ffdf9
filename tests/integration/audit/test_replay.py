"""The replay engine: recorded inputs through a batch handler, outputs checked against the log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import asyncpg

from schemas.enums import Channel
from schemas.envelope import Event, utcnow
from schemas.intake import ComplaintAcknowledged, ComplaintReceived
from schemas.topics import ACKNOWLEDGED, RECEIVED
from services.runtime.admin import ensure_topics
from services.runtime.producer import Outgoing
from services.runtime.replay import differing_rows, replay, table_checksums
from services.runtime.settings import RuntimeSettings
from tests.support.kafka import produce

ROOT = Path(__file__).resolve().parents[3]


def ack(event: ComplaintReceived, ticket: str | None = None) -> ComplaintAcknowledged:
    return ComplaintAcknowledged(**event.caused("ack"), ticket=ticket or event.ticket,
                                 channel=event.channel)


async def acknowledge(events: Sequence[Event]) -> Sequence[Outgoing]:
    """A stand-in service: acknowledges every case except those from X."""
    return [(ACKNOWLEDGED.name, ack(e)) for e in events
            if isinstance(e, ComplaintReceived) and e.channel is not Channel.X]


async def test_replay_reports_exactly_the_decisions_that_differ(stack: RuntimeSettings) -> None:
    # A namespace of its own: other tests' cases on the session's topics are not ours to judge.
    settings = RuntimeSettings(topic_prefix=f"{stack.topic_prefix}rp{uuid.uuid4().hex[:6]}.")
    await ensure_topics(settings, (RECEIVED, ACKNOWLEDGED))
    cases = [ComplaintReceived(complaint_id=f"rp-{n}", ticket=f"KTP-RP-{n}",
                               channel=Channel.X if n == 7 else Channel.WEB,
                               channel_message_id=f"m-{n}", text="Jalan rusak")
             for n in range(40)]
    await produce(settings, RECEIVED.name, *cases, b"not json")  # a dead letter causes nothing
    logged = [ack(c) for c in cases if c.channel is not Channel.X and c.complaint_id not in
              ("rp-3", "rp-5")]
    # Recorded an hour ago (the emission time is not compared); rp-5's recorded answer differs,
    # rp-3's is missing from the log, and rp-7's (from X) the code would no longer emit.
    logged = [e.model_copy(update={"occurred_at": e.occurred_at - timedelta(hours=1)})
              for e in logged]
    logged += [ack(cases[5], ticket="KTP-OTHER"), ack(cases[7])]
    await produce(settings, ACKNOWLEDGED.name, *logged)
    seen: list[tuple[int, int]] = []
    result = await replay(settings, [RECEIVED], [ACKNOWLEDGED], acknowledge, batch=16,
                          progress=lambda done, total: seen.append((done, total)))
    assert result.inputs == 40 and result.outputs == 39
    assert result.matched == 37
    assert [d["recorded"]["complaint_id"] for d in result.differing] == ["rp-5"]
    assert [u["event"]["complaint_id"] for u in result.unrecorded] == ["rp-3"]
    assert [n["recorded"]["complaint_id"] for n in result.not_reproduced] == ["rp-7"]
    assert not result.reproduced and result.events_per_second > 0
    assert seen and seen[-1] == (41, 41)


async def test_table_checksums_find_the_rows_that_differ(stack: RuntimeSettings) -> None:
    tag = uuid.uuid4().hex[:8]
    live, rebuilt = f"rp_live_{tag}", f"rp_rebuilt_{tag}"
    pool = await asyncpg.create_pool(stack.database_url, min_size=1, max_size=2)
    assert pool is not None
    try:
        for schema in (live, rebuilt):
            await pool.execute(f'CREATE SCHEMA "{schema}"; CREATE TABLE "{schema}".cases '
                               "(id int PRIMARY KEY, status text); INSERT INTO "
                               f'"{schema}".cases SELECT g, \'assigned\' FROM '
                               "generate_series(1, 50) g")
        assert await table_checksums(pool, live) == await table_checksums(pool, rebuilt)
        await pool.execute(f"UPDATE \"{rebuilt}\".cases SET status = 'triage' WHERE id = 9")
        assert (await table_checksums(pool, live))["cases"] != \
            (await table_checksums(pool, rebuilt))["cases"]
        assert sorted(await differing_rows(pool, live, rebuilt, "cases")) == \
            [("live", "(9,assigned)"), ("rebuilt", "(9,triage)")]
    finally:
        for schema in (live, rebuilt):
            await pool.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await pool.close()


async def test_replay_command_rebuilds_a_schema_and_compares_its_tables(
        stack: RuntimeSettings) -> None:
    from tests.integration.audit.conftest import tanggap
    from tests.support import replay_target

    settings = RuntimeSettings(topic_prefix=f"{stack.topic_prefix}rc{uuid.uuid4().hex[:6]}.")
    await ensure_topics(settings, (RECEIVED, ACKNOWLEDGED))
    cases = [ComplaintReceived(complaint_id=f"rc-{n}", ticket=f"KTP-RC-{n}", channel=Channel.WEB,
                               channel_message_id=f"m-{n}", text="Sampah") for n in range(20)]
    await produce(settings, RECEIVED.name, *cases)
    await produce(settings, ACKNOWLEDGED.name, *[replay_target.ack(c) for c in cases])
    live = f"rc_live_{uuid.uuid4().hex[:8]}"
    pool = await asyncpg.create_pool(stack.database_url, min_size=1, max_size=1,
                                     server_settings={"search_path": live})
    assert pool is not None
    env = {replay_target.LIVE_SCHEMA_ENV: live,
           "PYTHONPATH": str(ROOT)}
    args = ("replay", "--target", "tests.support.replay_target:target")
    try:
        await pool.execute(f'CREATE SCHEMA "{live}"')
        await pool.execute(replay_target.TABLE)
        await pool.executemany("INSERT INTO acks VALUES ($1, $2)",
                               [(c.complaint_id, c.ticket) for c in cases])
        same = await tanggap(settings.topic_prefix, *args, env=env)
        assert same.returncode == 0, same.stdout + same.stderr
        assert "20 inputs" in same.stdout and "20 equal to the log" in same.stdout
        assert "table acks: equal" in same.stdout
        await pool.execute("UPDATE acks SET ticket = 'KTP-EDITED' WHERE complaint_id = 'rc-4'")
        edited = await tanggap(settings.topic_prefix, *args, env=env)
        assert edited.returncode == 1, edited.stdout + edited.stderr
        assert "table acks: DIFFERS" in edited.stdout
        assert "(rc-4,KTP-EDITED)" in edited.stdout and "(rc-4,KTP-RC-4)" in edited.stdout
    finally:
        await pool.execute(f'DROP SCHEMA IF EXISTS "{live}" CASCADE')
        await pool.close()


async def test_replay_in_time_order_hands_over_inputs_by_occurred_at_across_topics(
        stack: RuntimeSettings) -> None:
    settings = RuntimeSettings(topic_prefix=f"{stack.topic_prefix}rt{uuid.uuid4().hex[:6]}.")
    await ensure_topics(settings, (RECEIVED, ACKNOWLEDGED))
    start = utcnow() - timedelta(hours=1)
    cases = [ComplaintReceived(complaint_id=f"rt-{n}", ticket=f"KTP-RT-{n}", channel=Channel.WEB,
                               channel_message_id=f"m-{n}", text="Sampah",
                               occurred_at=start + timedelta(seconds=2 * n)) for n in range(6)]
    # Each case's acknowledgement a second after it, on the other topic, produced first.
    acks = [ack(c).model_copy(update={"occurred_at": c.occurred_at + timedelta(seconds=1)})
            for c in cases]
    await produce(settings, ACKNOWLEDGED.name, *acks)
    await produce(settings, RECEIVED.name, *reversed(cases))
    seen: list[list[str]] = []

    async def record(events: Sequence[Event]) -> Sequence[Outgoing]:
        seen.append([e.type for e in events])
        return []

    result = await replay(settings, [RECEIVED, ACKNOWLEDGED], [], record, batch=4,
                          in_time_order=True)
    assert result.inputs == 12 and [len(b) for b in seen] == [4, 4, 4]
    assert [t for b in seen for t in b] == ["ComplaintReceived", "ComplaintAcknowledged"] * 6
