"""The Prometheus rules in deploy/prometheus: valid for promtool, tested, and in step with code."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

import services.sla.metrics  # noqa: F401 - registers the SLA metrics

RULES = Path(__file__).resolve().parents[3] / "deploy" / "prometheus"


def promtool() -> str:
    """promtool from PATH or Debian's location; missing is a setup error, never a skip."""
    found = shutil.which("promtool") or next(
        (p for p in ("/usr/bin/promtool", "/usr/local/bin/promtool") if Path(p).exists()), None)
    assert found, "promtool is not installed: run deploy/install-promtool.sh (make setup does)"
    return found


def run(*args: str) -> str:
    done = subprocess.run([promtool(), *args], cwd=RULES, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_alert_rules_pass_promtool_check() -> None:
    assert "SUCCESS" in run("check", "rules", "alerts.yml")


def test_alert_rules_fire_as_their_unit_tests_expect() -> None:
    assert "SUCCESS" in run("test", "rules", "alerts.test.yml")


def test_rules_only_use_metrics_the_sla_service_exports() -> None:
    exported = {sample_name for metric in REGISTRY.collect() for sample_name in
                [metric.name, *(s.name for s in metric.samples)]}
    exported |= {f"{name}_bucket" for name in exported}  # histograms before first observation
    exported |= {f"{name}_total" for name in exported}  # counters' family name drops _total
    groups = yaml.safe_load((RULES / "alerts.yml").read_text(encoding="utf-8"))["groups"]
    used = {name for group in groups for rule in group["rules"]
            for name in re.findall(r"(?<![:\w])(sla_[a-z_]+)", rule["expr"])}
    assert used and used <= exported, used - exported
