"""Decision-function speed with and without the learned model, per second of CPU time (one core).

    .venv/bin/python bench/router_decisions.py [--repeat 20]

Prints figures; asserts nothing. The rules-only figure is the baseline of the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from schemas.directory import load_directory  # noqa: E402
from services.router.decide import judge  # noqa: E402
from services.router.rules import load_rules, with_model  # noqa: E402

CORPORA = [ROOT / "tests" / "data" / name for name in
           ("complaints-dev.jsonl", "boundaries-dev.jsonl", "boundaries-heldout.jsonl")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    directory = load_directory()
    with_both = load_rules(ROOT / "tenants" / "ketapang" / "routing.yaml", directory)
    rules_only = with_model(with_both, None)
    texts = [(r["text"], r["channel"]) for path in CORPORA
             for r in map(orjson.loads, path.read_bytes().splitlines()) if r]
    for text, channel in texts:  # warm the stemmer's cache for both
        judge(text, channel, with_both)
    # Numbers make every message new to the stemmer's cache only in the number itself.
    work = [(f"{t} ({i})", c) for i, (t, c) in enumerate(texts * args.repeat)]
    for name, rules in (("rules only", rules_only), ("rules + model", with_both)):
        start = time.process_time()
        by: dict[str, int] = {}
        for text, channel in work:
            _, verdict = judge(text, channel, rules)
            by[verdict.decided_by] = by.get(verdict.decided_by, 0) + 1
        rate = len(work) / (time.process_time() - start)
        print(f"{name:14} {rate:8,.0f} decisions/s on one core ({len(work)} decisions; "
              f"decided by {by})")
    model = with_both.model
    if model is not None:
        start = time.process_time()
        for text, _ in work:
            tokens = with_both.normalizer.tokens(text)
            model.read(tokens, with_both.stemmer.stems(tokens))
        rate = len(work) / (time.process_time() - start)
        print(f"model alone    {rate:8,.0f} readings/s (normalise + stem + n-grams + dot + heads)")


if __name__ == "__main__":
    main()
