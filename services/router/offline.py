"""Routing JSON Lines offline with the router's own judge(): decisions and shadow comparisons."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from services.router.decide import judge
from services.router.rules import RuleSet

FIELDS = ("agency", "disposition", "category", "kecamatan", "flags", "priority", "confidence",
          "decided_by")
COMPARED = ("agency", "disposition", "kecamatan", "flags", "priority")


class BadRecord(ValueError):
    """An input line that is not a complaint record; the message names the line."""


def read_records(lines: Iterable[str | bytes]) -> Iterator[dict[str, Any]]:
    """Parse JSON Lines with at least `id` and `text`; blank lines are skipped."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise BadRecord(f"line {number}: not JSON: {exc}") from None
        if not isinstance(record, dict) or "id" not in record or not isinstance(
                record.get("text"), str):
            raise BadRecord(f"line {number}: needs an object with 'id' and 'text'")
        yield record


def decision_record(record: dict[str, Any], rules: RuleSet) -> dict[str, Any]:
    """One decision as `tanggap route` prints it."""
    _, verdict = judge(record["text"], str(record.get("channel") or "web"), rules,
                       record.get("kecamatan_hint"), record.get("category_hint"))
    return {"id": record["id"], "agency": verdict.agency or rules.center,
            "disposition": verdict.disposition.value, "category": verdict.category,
            "kecamatan": verdict.kecamatan, "flags": [f.value for f in verdict.flags],
            "priority": verdict.priority.value, "confidence": verdict.confidence,
            "decided_by": verdict.decided_by, "rules_version": rules.version}


@dataclass
class ShadowReport:
    """How a candidate rule set would change decisions on the same traffic."""

    current: str
    candidate: str
    total: int = 0
    changes: list[dict[str, Any]] | None = None

    def summary(self) -> dict[str, Any]:
        changed = len(self.changes or [])
        by_field: dict[str, int] = {}
        for change in self.changes or []:
            for name in change["changed"]:
                by_field[name] = by_field.get(name, 0) + 1
        return {"current": self.current, "candidate": self.candidate, "decisions": self.total,
                "changed": changed, "changed_share": round(changed / self.total, 4)
                if self.total else 0.0, "changed_by_field": by_field}


def shadow(records: Iterable[dict[str, Any]], current: RuleSet, candidate: RuleSet
           ) -> ShadowReport:
    """Decide every record under both rule sets; keep the ones whose decision differs."""
    report = ShadowReport(current.version, candidate.version, changes=[])
    assert report.changes is not None
    for record in records:
        report.total += 1
        before = decision_record(record, current)
        after = decision_record(record, candidate)
        changed = [name for name in COMPARED if before[name] != after[name]]
        if changed:
            report.changes.append({
                "id": record["id"], "changed": changed,
                "before": {k: before[k] for k in FIELDS}, "after": {k: after[k] for k in FIELDS}})
    return report
