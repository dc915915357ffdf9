"""PromQL of the dashboard and the alert rules: gathered, checked by promtool, metric names."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from tests.support.ops import DEPLOY, load_json

ALERTS = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "tanggap.json"
# Series Prometheus makes itself while scraping, not exposed by any service.
SYNTHETIC = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right", "and",
                      "or", "unless", "bool", "offset", "inf", "nan"})
# Grafana's variables, replaced by what a query looks like once Grafana expanded it.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1d",
                     "$agency": ".*"}


def dashboard_exprs(board: dict[str, Any] | None = None) -> list[str]:
    board = board if board is not None else load_json(DASHBOARD)
    return [t["expr"] for p in board["panels"] for t in p.get("targets", []) if t.get("expr")]


def rule_exprs(path: Path = ALERTS) -> list[str]:
    groups = yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    return [r["expr"] for g in groups for r in g["rules"]]


def recorded(path: Path = ALERTS) -> set[str]:
    groups = yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    return {r["record"] for g in groups for r in g["rules"] if "record" in r}


def expand(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def promtool_check(exprs: Iterable[str], workdir: Path, promtool: str
                   ) -> subprocess.CompletedProcess[str]:
    """Parse every expression with Prometheus' own parser: as recording rules, by promtool."""
    rules = [{"record": f"check:expr_{i}", "expr": expand(e)} for i, e in enumerate(exprs)]
    path = workdir / "exprs.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "exprs", "rules": rules}]}),
                    encoding="utf-8")
    return subprocess.run([promtool, "check", "rules", str(path)], capture_output=True,
                          text=True, timeout=60)


def metric_names(expr: str) -> set[str]:
    """Series names an expression selects (a lexical cut: strings, matchers, ranges and
    grouping clauses removed, then every identifier that is not a function or keyword)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expand(expr))
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        following = text[match.end():].lstrip()[:1]
        if following != "(" and match.group(0).lower() not in KEYWORDS:
            names.add(match.group(0))
    return names


def exposed_names(exposition: str) -> set[str]:
    """Every series name a /metrics text can carry, including those of families that have
    no samples yet (labelled metrics before their first use show only HELP and TYPE)."""
    names: set[str] = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(maxsplit=3)
            names.add(name)
            if kind == "histogram":
                names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
            elif kind == "summary":
                names |= {f"{name}_sum", f"{name}_count"}
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    return names


def missing_names(exprs: Iterable[str], exposed: set[str], allowed: Iterable[str] = ()) -> set[str]:
    """Names the expressions select that are neither exposed, recorded by a rule, synthetic
    nor explicitly allowed."""
    wanted = set().union(*map(metric_names, exprs)) if exprs else set()
    return wanted - exposed - recorded() - SYNTHETIC - set(allowed)
