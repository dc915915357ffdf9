"""`make bench`: every benchmark, one table, var/bench/results.json.

    .venv/bin/python bench/run.py [--quick] [--pipeline-seconds 180] [--only intake,router]

Needs the stack (`make bench` starts it, or uses KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL).
--quick runs everything small (about two minutes) for development; the default is the full
run the issue asks for (a million open clocks, three minutes of pipeline load). Each figure
stands beside a baseline measured in this run on this machine; the load generator's own CPU
share is reported so figures from shared cores can be read honestly. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson  # noqa: E402

from bench import intake_throughput, pipeline, router_throughput, sla_clocks  # noqa: E402
from bench.common import ROOT, Result, table  # noqa: E402


def sla_args(quick: bool) -> argparse.Namespace:
    if quick:
        return argparse.Namespace(clocks=50_000, overdue=1_000, rates=[50.0, 500.0],
                                  window=4.0, burst=10_000)
    return argparse.Namespace(clocks=1_000_000, overdue=10_000, rates=[50.0, 500.0],
                              window=20.0, burst=100_000)


async def main(args: argparse.Namespace) -> int:
    benches = {
        "intake": lambda: intake_throughput.measure(args.quick),
        "router": lambda: router_throughput.measure(args.quick),
        "pipeline": lambda: pipeline.measure(args.quick, args.pipeline_seconds),
        "sla": lambda: sla_clocks.measure(sla_args(args.quick)),
    }
    chosen = args.only.split(",") if args.only else list(benches)
    results: list[Result] = []
    failed = []
    for name in chosen:
        began = time.monotonic()
        print(f"== {name} ({'quick' if args.quick else 'full'}) ...", flush=True)
        try:
            found = await benches[name]()
        except Exception as exc:  # noqa: BLE001 - one broken bench must not hide the others
            logging.exception("bench %s failed", name)
            failed.append(f"{name}: {exc!r}")
            continue
        results.extend(found)
        print(f"   {name} took {time.monotonic() - began:.0f} s", flush=True)
    print()
    print(f"tanggap bench ({'quick' if args.quick else 'full'}), {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    print(table(results))
    for result in results:
        if result.note:
            print(f"  {result.name}: {result.note}")
    out = ROOT / "var" / "bench" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(orjson.dumps([r.record() for r in results], option=orjson.OPT_INDENT_2))
    print(f"written: {out.relative_to(ROOT)}")
    for failure in failed:
        print(f"FAILED {failure}")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="everything small (~2 minutes)")
    parser.add_argument("--pipeline-seconds", type=float, default=None,
                        help="saturation run of the pipeline (default 180, quick 30)")
    parser.add_argument("--only", default="", help="comma-separated: intake,router,pipeline,sla")
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main(parser.parse_args())))
