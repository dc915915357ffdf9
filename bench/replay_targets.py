"""Replay speed of the service targets beside plain getmany, in the same run.

    .venv/bin/python bench/replay_targets.py [--cases 5000] [--only sla,notifier,intake,router]

Fills a fresh namespace with the inputs of a few thousand cases (received, assigned, their
clock started, answered), then for each target reads its input topics (a) with plain
aiokafka getmany, (b) with getmany and each record decoded into its event (the floor of any
Python consumer: what pydantic costs), and (c) replays them through the target's handler into
a fresh schema. No live service ran, so the log records no outputs: every output counts as
unrecorded, which costs the same comparison. `--profile DIR` writes a cProfile of each replay.
Needs the stack. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.codec import DecodeError, Decoder, encode  # noqa: E402
from schemas.enums import ResponseKind  # noqa: E402
from schemas.envelope import Event, utcnow  # noqa: E402
from schemas.intake import ComplaintReceived  # noqa: E402
from schemas.responses import AgencyResponded  # noqa: E402
from schemas.routing import ComplaintAssigned  # noqa: E402
from schemas.sla import SlaStarted  # noqa: E402
from schemas.topics import ASSIGNED, RECEIVED, RESPONSES, SLA, TopicSpec, catalogue  # noqa: E402
from services.audit.replay_command import TARGETS, _drop, load_target  # noqa: E402
from services.runtime.admin import ensure_topics  # noqa: E402
from services.runtime.logs import configure_logging  # noqa: E402
from services.runtime.replay import replay_target  # noqa: E402
from services.runtime.replay_log import FETCH, consumer, partitions  # noqa: E402
from services.runtime.settings import RuntimeSettings  # noqa: E402
from tests.support.stack import delete_topics_with_prefix  # noqa: E402

AGENCIES = ("dinas-pupr", "dlh", "dinkes", "dishub")


def case_events(i: int, t0: object) -> list[tuple[TopicSpec, Event]]:
    cid, ticket, agency = f"rt-{i}", f"KTP-RT-{i:07d}", AGENCIES[i % len(AGENCIES)]
    at = t0 + timedelta(seconds=i)  # type: ignore[operator]
    return [
        (RECEIVED, ComplaintReceived(complaint_id=cid, ticket=ticket, channel="web",
                                     channel_message_id=f"m-{i}", occurred_at=at,
                                     text="Jalan rusak berlubang di depan sekolah")),
        (ASSIGNED, ComplaintAssigned(complaint_id=cid, ticket=ticket, agency=agency,
                                     rules_version="bench", occurred_at=at + timedelta(seconds=1),
                                     text="Jalan rusak berlubang di depan sekolah")),
        (SLA, SlaStarted(complaint_id=cid, clock_id=f"{cid}:{agency}:response", agency=agency,
                         due_at=at + timedelta(hours=48), policy_version="bench",
                         started_at=at, occurred_at=at + timedelta(seconds=1))),
        (RESPONSES, AgencyResponded(complaint_id=cid, agency=agency,
                                    occurred_at=at + timedelta(hours=1),
                                    kind=ResponseKind.FIRST_RESPONSE, message="Kami tangani")),
    ]


async def fill(settings: RuntimeSettings, n: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all",
                                linger_ms=20, max_batch_size=512 * 1024)
    await producer.start()
    t0 = utcnow() - timedelta(days=30)
    try:
        pending = []
        for i in range(n):
            for spec, event in case_events(i, t0):
                pending.append(await producer.send(settings.topic(spec.name), encode(event),
                                                   key=event.complaint_id.encode()))
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
    finally:
        await producer.stop()


async def raw(settings: RuntimeSettings, specs: list[TopicSpec], decode: bool
              ) -> tuple[int, float]:
    """(records, records/s) of plain getmany, with the replay's fetch sizes; `decode`: and
    each record validated into its event, as the replay's reader does."""
    reader = consumer(settings)
    decoders = {settings.topic(s.name): Decoder(s.carries) for s in specs}
    await reader.start()
    try:
        tps = await partitions(settings, list(decoders))
        reader.assign(tps)
        await reader.seek_to_beginning(*tps)
        ends = await reader.end_offsets(tps)
        todo, count, started = {tp for tp in tps if ends[tp]}, 0, time.perf_counter()
        while todo:
            for tp, records in (await reader.getmany(*todo, timeout_ms=500,
                                                     max_records=FETCH)).items():
                count += len(records)
                if decode:
                    read = decoders[tp.topic]
                    for record in records:
                        try:
                            read(record.value)
                        except DecodeError:
                            pass
                if records and records[-1].offset >= ends[tp] - 1:
                    todo.discard(tp)
        return count, count / (time.perf_counter() - started)
    finally:
        await reader.stop()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--only", default="sla,notifier,intake,router")
    parser.add_argument("--profile", type=Path, help="write DIR/<service>.prof per replay")
    parser.add_argument("--cli-logging", action="store_true",
                        help="log as `tanggap replay` does (else handlers' logs are off)")
    args = parser.parse_args()
    if args.cli_logging:
        configure_logging("INFO")
    else:
        logging.disable(logging.ERROR)
    # Agency desks by webhook (the notifier's recorders never send); nothing else configured.
    os.environ.setdefault("TANGGAP_NOTIFIER_WEBHOOK_URL", "http://127.0.0.1:9/{agency}")
    settings = RuntimeSettings(topic_prefix=f"rtbench{uuid.uuid4().hex[:6]}.")
    await ensure_topics(settings, catalogue(settings.directory()))
    try:
        await fill(settings, args.cases)
        for service in args.only.split(","):
            factory = load_target(TARGETS[service])
            assert factory is not None, service
            schema = f"{service}_bench_{uuid.uuid4().hex[:6]}"
            target = await factory(settings, schema)
            profile = cProfile.Profile() if args.profile else None
            try:
                count, raw_rate = await raw(settings, list(target.inputs), decode=False)
                _, decoded_rate = await raw(settings, list(target.inputs), decode=True)
                if profile is not None:
                    profile.enable()
                began = time.perf_counter()
                result = await replay_target(settings, target)
                whole = time.perf_counter() - began
            finally:
                if profile is not None:
                    profile.disable()
                    args.profile.mkdir(parents=True, exist_ok=True)
                    profile.dump_stats(args.profile / f"{service}.prof")
                await target.close()
                if target.live_schema is not None:  # such a target leaves it for comparing
                    await _drop(settings, schema)
            rate = result.events_per_second
            print(f"{service}: {count} input records; plain getmany {raw_rate:,.0f}/s; "
                  f"getmany + decode {decoded_rate:,.0f}/s ({decoded_rate / raw_rate:.2f} of "
                  f"raw); replay {rate:,.0f} events/s ({rate / raw_rate:.3f} of raw, "
                  f"{rate / decoded_rate:.2f} of decoded), {result.outputs} outputs in "
                  f"{result.seconds:.1f} s ({whole:.1f} s with reading the log's outputs)",
                  flush=True)
    finally:
        await delete_topics_with_prefix(settings, settings.topic_prefix)


if __name__ == "__main__":
    asyncio.run(main())
