"""What every benchmark returns (a figure beside its baseline), the table, and CPU accounting.

A benchmark measures one figure of tanggap and, in the same run on the same machine, the
figure something simpler reaches (a no-op route, a hand-written loop, the raw client), so a
reader can tell the system's cost from the machine's noise: 2 cores shared by many sessions.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@dataclass
class Result:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    def record(self) -> dict[str, object]:
        data = asdict(self)
        data["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        return data


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1), nearest rank; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value != value:  # nan
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


def table(results: list[Result]) -> str:
    rows = [("figure", "value", "unit", "baseline", "ratio", "baseline is")]
    rows += [(r.name, fmt(r.value), r.unit, fmt(r.baseline), fmt(r.ratio), r.baseline_name)
             for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if i in (0, 2, 5) else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def process_cpu(pid: int | None = None) -> float:
    """User plus system CPU seconds of a process (Linux /proc), this one by default."""
    stat = Path(f"/proc/{pid or os.getpid()}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / tick, sum(values) / tick


class CpuShare:
    """The load generator's (this process's) CPU over an interval, as a share of the
    machine's busy CPU and of all its cores."""

    def __enter__(self) -> CpuShare:
        self.own = process_cpu()
        self.busy, self.total = machine_busy()
        self.wall = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        own = process_cpu() - self.own
        busy, total = machine_busy()
        self.own_seconds = own
        self.of_busy = own / max(1e-9, busy - self.busy)
        self.of_machine = own / max(1e-9, total - self.total)
        self.machine_busy = (busy - self.busy) / max(1e-9, total - self.total)
