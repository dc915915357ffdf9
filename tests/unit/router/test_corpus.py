"""Done-when figures on the labelled corpora: accuracy, triage rate, flag precision and recall.

Lines 1-80 of complaints-dev.jsonl were read while writing the rules (the development split);
lines 81-128 were never read, only their aggregate figures looked at (the untouched split).
fresh-complaints*.jsonl are examples written by the rules' author before running the rules.
boundaries-dev.jsonl / boundaries-heldout.jsonl: complaints at the agencies' borders, written
before the boundary rules; the held-out half was scored once at the end of the first round of
rules, whose later fixes were then measured on boundaries-2-heldout.jsonl (written before them).
fresh-complaints-3.jsonl (held out) was written before round three's changes and is scored as
figures only. fresh-complaints-4.jsonl was held out (another writer, scored twice) and is now
development data, like round4-dev.jsonl (a fourth round's writer) and train-a..g.jsonl (seven
writers who never read the rules, each with a brief of its own: every agency, the borders, what
stays with the center, the stream as it comes, more like the dev corpus, the borders again, the
center's hard calls). fresh-complaints-5.jsonl (held out, 200) is a
fifth writer's, who never read the rules either; its labels and the development sets' were
brought to the README's labelling conventions by a reviewer (markets' buildings are public
works', questions for information stay with the center), and it is scored as figures only.
The committed model was trained on the development parts only (test_model.py checks it).
Items of a held-out set are never printed: figures only.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.directory import Directory
from services.router.duplicates import Candidate, content_words, find_parent
from services.router.evaluation import Labelled, Report, Routed, score
from services.router.offline import decision_record
from services.router.rules import RuleSet

DATA = Path(__file__).resolve().parents[2] / "data"
OWN = Path(__file__).parent / "data"
CORPUS = DATA / "complaints-dev.jsonl"
DEVELOPMENT_SETS = tuple(OWN / name for name in (
    "fresh-complaints.jsonl", "fresh-complaints-2.jsonl", "round3-dev.jsonl", "round4-dev.jsonl",
    "fresh-complaints-4.jsonl", *(f"train-{x}.jsonl" for x in "abcdefg")))
BOUNDARIES_DEV = DATA / "boundaries-dev.jsonl"
BOUNDARIES_HELD_OUT = (DATA / "boundaries-heldout.jsonl", DATA / "boundaries-2-heldout.jsonl")
# Written before the changes they measure; the digests prove they were not edited since (never
# fit a rule or the model to them).
HELD_OUT_3 = OWN / "fresh-complaints-3.jsonl"
HELD_OUT_3_SHA256 = "b235d6e80f6a0ce00fc54c676be35e161bb8bbc99bda443ca53c1de8e3eb4f27"
HELD_OUT_5 = OWN / "fresh-complaints-5.jsonl"
HELD_OUT_5_SHA256 = "31d36d06fb4e36ad14acfe168e4ac56023d9d1c424f60790b6669efbe1654659"
DEVELOPMENT = 80  # the first 80 lines
_NOW = datetime(2026, 5, 4, tzinfo=UTC)  # the corpus has no times: everything is in the window


def load(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def report(items: list[dict[str, Any]], rules: RuleSet, directory: Directory,
           hide_items: bool = False) -> Report:
    decisions = {}
    for item in items:
        d = decision_record(item, rules)
        decisions[item["id"]] = Routed(d["id"], d["agency"], d["disposition"],
                                       frozenset(d["flags"]), d["kecamatan"])
    labels = [Labelled(i["id"], i["expected_agency"], frozenset(i["flags"]), i["kecamatan"])
              for i in items]
    result = score(labels, decisions, directory.codes("external"))
    if hide_items:  # the held-out split stays unread: figures only
        result.misrouted = []
    return result


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    return load(CORPUS)


def test_corpus_figures_meet_the_aims(corpus: list[dict[str, Any]], rules: RuleSet,
                                      directory: Directory, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    everything = report(corpus, rules, directory, hide_items=True)
    development = report(corpus[:DEVELOPMENT], rules, directory)
    held_out = report(corpus[DEVELOPMENT:], rules, directory, hide_items=True)
    own = [report(load(path), rules, directory) for path in (*DEVELOPMENT_SETS, BOUNDARIES_DEV)]
    unseen = [report(load(path), rules, directory, hide_items=True)
              for path in (*BOUNDARIES_HELD_OUT, HELD_OUT_3)]
    independent = report(load(HELD_OUT_5), rules, directory, hide_items=True)
    with capsys.disabled():
        print()
        for title, figures in [(f"complaints-dev.jsonl, all ({rules.version})", everything),
                               ("development split (lines 1-80, read)", development),
                               ("untouched split (lines 81-128, never read)", held_out),
                               *[(f"{p.name} (development: read, model trained on it)", r)
                                 for p, r in zip((*DEVELOPMENT_SETS, BOUNDARIES_DEV), own,
                                                 strict=True)],
                               *[(f"{p.name} (held out: figures only)", r)
                                 for p, r in zip((*BOUNDARIES_HELD_OUT, HELD_OUT_3), unseen,
                                                 strict=True)],
                               (f"{HELD_OUT_5.name} (held out, another writer: figures only)",
                                independent)]:
            print("\n".join(figures.lines(title)))
    assert everything.accuracy >= 0.90
    assert everything.triage_rate <= 0.15
    assert everything.flags["political"].recall >= 0.95
    assert everything.flags["emergency"].recall >= 0.95
    # Recall of political content must stay complete wherever it is measured.
    for figures in (held_out, *unseen, independent):
        assert figures.flags["political"].recall == 1.0
    # The unseen sets are where the router meets text it was not written or trained for; some
    # figures are below the aims (see the note); these floors only catch a regression.
    # Untouched split: 90.0% routed right; 8 of 48 triaged, 5 of them the center's by label.
    assert held_out.accuracy >= 0.87 and held_out.triage_rate <= 0.18
    assert unseen[0].accuracy >= 0.95 and unseen[1].accuracy >= 0.85
    assert unseen[2].accuracy >= 0.90 and unseen[2].triage_rate <= 0.08
    # The fifth writer's set: 94.5% routed right, 9.5% triage, emergency 19/19, thanks 20/21.
    assert independent.accuracy >= 0.93 and independent.triage_rate <= 0.11
    assert independent.flags["emergency"].recall >= 0.95
    assert independent.flags["not_a_complaint"].recall >= 0.90
@pytest.mark.parametrize(("path", "digest", "size"), [(HELD_OUT_3, HELD_OUT_3_SHA256, 80),
                                                     (HELD_OUT_5, HELD_OUT_5_SHA256, 200)])
def test_held_out_sets_are_the_ones_scored_in_the_notes(path: Path, digest: str,
                                                        size: int) -> None:
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    items = load(path)
    assert len(items) >= size and len({i["id"] for i in items}) == len(items)


def test_reports_of_one_incident_are_linked_in_arrival_order(
        corpus: list[dict[str, Any]], rules: RuleSet, directory: Directory,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Each routed item is compared with the earlier open cases of its agency (no timestamps in
    the corpus, so all are inside the window); a link is right if the labels share a group."""
    seen: dict[str, list[Candidate]] = {}
    group = {i["id"]: i["duplicate_group"] for i in corpus}
    links: dict[str, str] = {}
    for item in corpus:
        decision = decision_record(item, rules)
        if decision["disposition"] != "assigned":
            continue
        content = content_words(item["text"], rules)
        earlier = seen.setdefault(decision["agency"], [])
        parent = find_parent(content, decision["kecamatan"], _NOW, earlier, rules)
        if parent is not None:
            links[item["id"]] = parent.complaint_id
        else:
            earlier.append(Candidate(item["id"], item["id"], content, decision["kecamatan"],
                                     _NOW))
    right = sum(group[c] is not None and group[c] == group[p] for c, p in links.items())
    expected = sum(len(list(members)) - 1 for key, members in itertools.groupby(
        sorted(g for g in group.values() if g)))
    with capsys.disabled():
        print(f"near-duplicates: {len(links)} linked, {right} right, "
              f"{expected} expected links in the labelled groups")
    assert right >= len(links) - 1  # at most one wrong link on the whole corpus
    assert right >= expected / 2

