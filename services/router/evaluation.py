"""Scoring routing decisions against a labelled corpus: accuracy, triage rate, flag P/R."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from schemas.enums import Disposition

if TYPE_CHECKING:
    from schemas.directory import Directory
    from services.router.rules import RuleSet


@dataclass(frozen=True)
class Labelled:
    """One corpus item's expected routing."""

    id: str
    expected_agency: str
    flags: frozenset[str]
    kecamatan: str | None


@dataclass(frozen=True)
class Routed:
    """One decision as `tanggap route` prints it."""

    id: str
    agency: str
    disposition: str
    flags: frozenset[str]
    kecamatan: str | None


@dataclass(frozen=True)
class PrecisionRecall:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    total: int
    triaged: int
    correct_non_triaged: int
    kecamatan_found: int
    kecamatan_labelled: int
    flags: dict[str, PrecisionRecall]
    misrouted: list[tuple[str, str, str]] = field(default_factory=list)  # id, expected, got

    @property
    def triage_rate(self) -> float:
        return self.triaged / self.total if self.total else 0.0

    @property
    def accuracy(self) -> float:
        routed = self.total - self.triaged
        return self.correct_non_triaged / routed if routed else 0.0

    def lines(self, title: str) -> list[str]:
        """The figures, one per line, for the test output and the CLI."""
        out = [f"{title}: n={self.total}",
               f"  top-1 agency accuracy on non-triaged: {self.accuracy:.1%} "
               f"({self.correct_non_triaged}/{self.total - self.triaged})",
               f"  triage rate: {self.triage_rate:.1%} ({self.triaged}/{self.total})",
               f"  kecamatan recognised: {self.kecamatan_found}/{self.kecamatan_labelled}"]
        for name, pr in self.flags.items():
            out.append(f"  {name:16} precision {pr.precision:.1%} recall {pr.recall:.1%} "
                       f"(tp={pr.tp} fp={pr.fp} fn={pr.fn})")
        out += [f"  misrouted {i}: expected {e}, got {g}" for i, e, g in self.misrouted]
        return out


FLAGS_REPORTED = ("political", "emergency", "external", "spam", "abuse", "not_a_complaint",
                  "negative_news", "contains_pii")


def score(labels: Sequence[Labelled], decisions: Mapping[str, Routed],
          external_codes: Iterable[str]) -> Report:
    """Compare decisions with labels; `external` is expected when the label is an ext-* code."""
    external = frozenset(external_codes)
    counts = {name: [0, 0, 0] for name in FLAGS_REPORTED}
    triaged = correct = kec_found = kec_labelled = 0
    misrouted: list[tuple[str, str, str]] = []
    for item in labels:
        got = decisions[item.id]
        expected_flags = set(item.flags)
        if item.expected_agency in external:
            expected_flags.add("external")
        for name, c in counts.items():
            want, have = name in expected_flags, name in got.flags
            c[0] += want and have
            c[1] += have and not want
            c[2] += want and not have
        if item.kecamatan:
            kec_labelled += 1
            kec_found += got.kecamatan == item.kecamatan
        if got.disposition == Disposition.TRIAGE:
            triaged += 1
        elif got.agency == item.expected_agency:
            correct += 1
        else:
            misrouted.append((item.id, item.expected_agency, got.agency))
    return Report(len(labels), triaged, correct, kec_found, kec_labelled,
                  {k: PrecisionRecall(*v) for k, v in counts.items()}, misrouted)


def _score_records(records: Sequence[dict[str, Any]], decisions: Mapping[str, dict[str, Any]],
                   external: Iterable[str]) -> Report:
    labels = [Labelled(r["id"], r["expected_agency"], frozenset(r.get("flags", ())),
                       r.get("kecamatan")) for r in records]
    routed = {r["id"]: Routed(r["id"], decisions[r["id"]]["agency"],
                              decisions[r["id"]]["disposition"],
                              frozenset(decisions[r["id"]]["flags"]),
                              decisions[r["id"]]["kecamatan"]) for r in records}
    return score(labels, routed, external)


def evaluate_records(records: Sequence[dict[str, Any]], rules: RuleSet, directory: Directory,
                     folds: int = 0) -> list[str]:
    """The figures `tanggap route --evaluate` prints: overall, per boundary, per deciding part,
    and apart for the records the model was trained on, which prove nothing about it."""
    from services.router.offline import decision_record
    from services.router.training import text_digest

    external = directory.codes("external")
    decisions = {r["id"]: decision_record(r, rules) for r in records}
    out = _score_records(records, decisions, external).lines(f"rules {rules.version}")
    by = Counter(d["decided_by"] for d in decisions.values()
                 if d["disposition"] in (Disposition.ASSIGNED, Disposition.EXTERNAL))
    out.append("  decided by: " + ", ".join(f"{k} {v}" for k, v in sorted(by.items())))
    for part in ("model", "rules+model"):
        mine = [r for r in records if decisions[r["id"]]["decided_by"] == part]
        if mine:
            right = sum(decisions[r["id"]]["agency"] == r["expected_agency"] for r in mine)
            out.append(f"  accuracy where {part} decided: {right}/{len(mine)}")
    if rules.model is not None:
        seen = frozenset(rules.model.meta.get("trained_on", ()))
        unseen = [r for r in records if text_digest(r["text"]) not in seen]
        out.append(f"  model {rules.model.version} was trained on "
                   f"{len(records) - len(unseen)} of these {len(records)} records")
        if unseen and len(unseen) < len(records):
            out += _score_records(unseen, decisions, external).lines(
                "records the model never saw")
    boundaries = sorted({r["boundary"] for r in records if r.get("boundary")})
    for name in boundaries:
        mine = [r for r in records if r.get("boundary") == name]
        report = _score_records(mine, decisions, external)
        out.append(f"boundary {name}: n={report.total} accuracy {report.accuracy:.1%} "
                   f"triage {report.triage_rate:.1%}")
    if folds > 1:
        from threadpoolctl import threadpool_limits

        from services.router.training import Example, cross_validate, cross_validate_router

        examples = [Example(r["text"], r["expected_agency"], "evaluated") for r in records
                    if (a := directory.get(r["expected_agency"])) is not None
                    and a.kind != "district"]
        with threadpool_limits(1):
            out += cross_validate(examples, rules, folds).lines()
            out += cross_validate_router(examples, rules, folds).lines()
    return out
