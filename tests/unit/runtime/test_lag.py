"""Consumer lag: summed per catalogue topic, and the alert rules use the gauge the code exports."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

from services.runtime.lag import PartitionLag, by_topic

RULES = Path(__file__).resolve().parents[3] / "deploy" / "prometheus" / "alerts.yml"


def test_lag_is_summed_over_partitions_by_catalogue_topic() -> None:
    rows = [PartitionLag("p.tanggap-router", "p.complaints.received", 0, 5, 9, 4),
            PartitionLag("p.tanggap-router", "p.complaints.received", 1, None, 3, 3),
            PartitionLag("p.tanggap-router", "p.complaints.commands", 0, 7, 7, 0)]
    assert by_topic(rows, "p.") == {"complaints.received": 7, "complaints.commands": 0}


def test_lag_rules_only_use_the_exported_gauge() -> None:
    exported = {s.name for metric in REGISTRY.collect() for s in metric.samples} | {
        metric.name for metric in REGISTRY.collect()}
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    used = {name for group in groups for rule in group["rules"]
            for name in re.findall(r"(?<![:\w])(tanggap_[a-z_]+)", rule["expr"])}
    assert used == {"tanggap_consumer_lag_records"}
    assert used <= exported
