"""deploy/grafana/tanggap.json: generated, well-formed, and its PromQL parses (promtool)."""

from __future__ import annotations

from pathlib import Path

from deploy import generate
from deploy.grafana import dashboard
from tests.support.ops import load_json, tool
from tests.support.promql import (
    DASHBOARD,
    dashboard_exprs,
    exposed_names,
    metric_names,
    missing_names,
    promtool_check,
    rule_exprs,
)


def test_committed_dashboard_matches_the_code() -> None:
    assert DASHBOARD.read_text(encoding="utf-8") == dashboard.rendered(), (
        "run `python -m deploy.generate`")
    assert "deploy/grafana/tanggap.json" not in generate.drifted()


def test_panels_have_unique_ids_fit_the_grid_and_use_the_datasource_variable() -> None:
    board = load_json(DASHBOARD)
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids)) and all(ids)
    for panel in board["panels"]:
        grid = panel["gridPos"]
        assert 0 < grid["w"] and grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
            assert panel["targets"], panel["title"]
    assert board["uid"] == dashboard.UID and board["schemaVersion"] >= 39


def test_dashboard_covers_pipeline_health_and_sla() -> None:
    names = set().union(*map(metric_names, dashboard_exprs()))
    for needed in ("intake_complaints_total", "intake_channel_items_total",
                   "tanggap_consumer_lag_records", "tanggap_dead_letters_total",
                   "notifier_deliveries_total", "sla_open_cases", "sla_cases_at_risk",
                   "sla_breaches_total", "sla_escalations_total",
                   "agency:sla_response_within_target:ratio_7d",
                   "sla_timer_lateness_seconds_bucket"):
        assert needed in names, needed


def test_every_dashboard_and_alert_expression_parses(tmp_path: Path) -> None:
    exprs = dashboard_exprs() + rule_exprs()
    checked = promtool_check(exprs, tmp_path, tool("promtool"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{len(exprs)} rules found" in checked.stdout


def test_promtool_rejects_a_broken_expression(tmp_path: Path) -> None:
    checked = promtool_check(["sum by (agency (sla_open_cases)"], tmp_path, tool("promtool"))
    assert checked.returncode != 0
    assert "parse error" in checked.stdout + checked.stderr


def test_metric_names_are_cut_out_of_expressions() -> None:
    expr = ('histogram_quantile(0.99, sum by (le) (rate(sla_timer_lateness_seconds_bucket'
            '{job="x", agency=~"$agency"}[$__rate_interval]))) > 1 and on (agency) up == 0')
    assert metric_names(expr) == {"sla_timer_lateness_seconds_bucket", "up"}
    assert metric_names("agency:sla_x:ratio_7d < 0.8") == {"agency:sla_x:ratio_7d"}


def test_exposed_names_include_families_without_samples() -> None:
    text = ("# HELP a_total c\n# TYPE a_total counter\n# TYPE h_seconds histogram\n"
            'h_seconds_bucket{le="1"} 0.0\ng 1.0\n')
    assert {"a_total", "h_seconds_bucket", "h_seconds_sum", "g"} <= exposed_names(text)


def test_a_misspelt_metric_is_reported_missing() -> None:
    exposed = exposed_names("# TYPE sla_open_cases gauge\n")
    assert missing_names(["sum(sla_open_case)", "sum(sla_open_cases)"], exposed) == {
        "sla_open_case"}
