"""The tanggap Grafana dashboard as code (grafana-foundation-sdk, Grafana 11.6 flavour).

Run `python -m deploy.generate` to rewrite deploy/grafana/tanggap.json; a test fails on drift.
Every query reads a metric a service exposes or a recording rule of deploy/prometheus/alerts.yml.
"""

from __future__ import annotations

import json
from pathlib import Path

from grafana_foundation_sdk.builders import dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import GraphDrawStyle
from grafana_foundation_sdk.models.dashboard import DataSourceRef, VariableRefresh

DASHBOARD_PATH = Path(__file__).parent / "tanggap.json"
UID = "tanggap-overview"
DS = DataSourceRef(type_val="prometheus", uid="${datasource}")
AGENCY = 'agency=~"$agency"'
RATE = "$__rate_interval"


def _query(expr: str, legend: str, ref: str = "A") -> prometheus.Dataquery:
    return prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref).datasource(DS)


def _series(title: str, description: str, unit: str, *queries: tuple[str, str],
            width: int = 12, bars: bool = False) -> timeseries.Panel:
    panel = (timeseries.Panel().title(title).description(description).unit(unit)
             .datasource(DS).height(8).span(width))
    if bars:
        panel = panel.draw_style(GraphDrawStyle.BARS)
    for i, (expr, legend) in enumerate(queries):
        panel = panel.with_target(_query(expr, legend, chr(ord("A") + i)))
    return panel


def _stat(title: str, description: str, expr: str, unit: str = "short") -> stat.Panel:
    return (stat.Panel().title(title).description(description).unit(unit).datasource(DS)
            .height(4).span(6).with_target(_query(expr, "")))


def _pipeline(board: dashboard.Dashboard) -> dashboard.Dashboard:
    board = board.with_row(dashboard.Row("Pipeline health"))
    board = board.with_panel(_stat("Services up", "Scrape targets answering /metrics",
                                   'sum(up{job=~"tanggap-.*"})'))
    board = board.with_panel(_stat("Dead letters (1h)", "Records parked on a .dlq topic",
                                   "sum(increase(tanggap_dead_letters_total[1h]))"))
    board = board.with_panel(_stat("Consumer lag", "Records not yet consumed, all services",
                                   "sum(tanggap_consumer_lag_records)"))
    board = board.with_panel(_stat(
        "Notification failures (1h)", "Deliveries that failed or were refused",
        'sum(increase(notifier_deliveries_total{outcome=~"failed|refused"}[1h]))'))
    board = board.with_panel(_series(
        "Intake: accepted per channel", "Cases opened (new) and redeliveries (duplicate)",
        "reqps",
        (f"sum by (channel, outcome) (rate(intake_complaints_total[{RATE}]))",
         "{{channel}} {{outcome}}")))
    board = board.with_panel(_series(
        "Intake: refused per channel",
        "Webhook items refused or ignored; raw submissions parked as dead letters", "reqps",
        (f"sum by (channel, outcome) (rate(intake_channel_items_total[{RATE}]))",
         "{{channel}} {{outcome}}"),
        (f'sum(rate(tanggap_dead_letters_total{{topic=~".*complaints.submissions"}}[{RATE}]))',
         "submissions dead-lettered")))
    board = board.with_panel(_series(
        "Consumer lag per service", "Records behind the log end, by service and topic: "
        "a growing line means the service needs more instances (up to the partitions)",
        "short", ("sum by (service, topic) (tanggap_consumer_lag_records)",
                  "{{service}} {{topic}}")))
    board = board.with_panel(_series(
        "Dead letters per topic", "Refused records by source topic; inspect with "
        "`tanggap tail <topic>.dlq`", "short",
        (f"sum by (topic) (increase(tanggap_dead_letters_total[{RATE}]))", "{{topic}}"),
        (f"sum by (channel) (increase(notifier_dead_letters_total[{RATE}]))",
         "notifier {{channel}}"), bars=True))
    board = board.with_panel(_series(
        "Notification outcomes", "Deliveries per channel and outcome, and retries", "reqps",
        (f"sum by (channel, outcome) (rate(notifier_deliveries_total[{RATE}]))",
         "{{channel}} {{outcome}}"),
        (f"sum by (channel) (rate(notifier_retries_total[{RATE}]))", "{{channel}} retry")))
    return board.with_panel(_series(
        "Notification latency p95", "From the causing event to the delivered message", "s",
        ("histogram_quantile(0.95, sum by (le, channel) "
         f"(rate(notifier_delivery_latency_seconds_bucket[{RATE}])))", "{{channel}}")))


def _sla(board: dashboard.Dashboard) -> dashboard.Dashboard:
    board = board.with_row(dashboard.Row("SLA (2 x 24 jam)"))
    board = board.with_panel(_stat("Open cases", "Cases with an open clock",
                                   f"sum(sla_open_cases{{{AGENCY}}})"))
    board = board.with_panel(_stat("At risk", "Open cases past a warning, not yet breached",
                                   f"sum(sla_cases_at_risk{{{AGENCY}}})"))
    board = board.with_panel(_stat("Overdue", "Open cases past a deadline",
                                   f"sum(sla_cases_overdue{{{AGENCY}}})"))
    board = board.with_panel(_stat(
        "Escalated to the Sekda (24h)", "Escalations to the regional secretary",
        f'sum(increase(sla_escalations_total{{to="regional_secretary", {AGENCY}}}[24h]))'))
    board = board.with_panel(_series(
        "Open and at-risk cases per agency", "Gauges kept by the SLA service", "short",
        (f"sum by (agency) (sla_open_cases{{{AGENCY}}})", "{{agency}} open"),
        (f"sum by (agency) (sla_cases_at_risk{{{AGENCY}}})", "{{agency}} at risk")))
    board = board.with_panel(_series(
        "Breaches per agency", "Deadlines passed without an answer", "short",
        (f"sum by (agency, target) (increase(sla_breaches_total{{{AGENCY}}}[{RATE}]))",
         "{{agency}} {{target}}"), bars=True))
    board = board.with_panel(_series(
        "Escalations", "To the head of agency and to the regional secretary (Sekda)", "short",
        (f"sum by (agency, to) (increase(sla_escalations_total{{{AGENCY}}}[{RATE}]))",
         "{{agency}} to {{to}}"), bars=True))
    board = board.with_panel(_series(
        "Answered within target (7 days)", "Share of decided response clocks met in time "
        "(recording rule agency:sla_response_within_target:ratio_7d); the alert is below 80%",
        "percentunit",
        (f"agency:sla_response_within_target:ratio_7d{{{AGENCY}}}", "{{agency}}")))
    board = board.with_panel(_series(
        "Time to first response p90", "Counted time from assignment to the first answer", "s",
        ("histogram_quantile(0.9, sum by (le, agency) "
         f"(rate(sla_first_response_seconds_bucket{{{AGENCY}}}[1d])))", "{{agency}}")))
    return board.with_panel(_series(
        "Timer lateness", "How long after its due instant a stage fired; alert above 1 s p99",
        "s",
        (f"histogram_quantile(0.99, sum by (le) (rate(sla_timer_lateness_seconds_bucket[{RATE}])))",
         "p99"),
        (f"histogram_quantile(0.5, sum by (le) (rate(sla_timer_lateness_seconds_bucket[{RATE}])))",
         "p50"),
        ("sum(sla_timer_heap_entries)", "heap entries")))


def build() -> dict[str, object]:
    """The dashboard as the JSON object Grafana provisions."""
    board = (dashboard.Dashboard("tanggap: pipeline and SLA").uid(UID)
             .description("Complaint pipeline health and the agencies' SLA; generated by "
                          "deploy/grafana/dashboard.py, do not edit in Grafana")
             .tags(["tanggap"]).refresh("1m").time("now-24h", "now").timezone("browser")
             .editable()
             .with_variable(dashboard.DatasourceVariable("datasource").label("Data source")
                            .type("prometheus"))
             .with_variable(dashboard.QueryVariable("agency").label("Agency")
                            .query("label_values(sla_open_cases, agency)").datasource(DS)
                            .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
                            .multi(True).include_all(True).all_value(".*")))
    board = _sla(_pipeline(board))
    built = json.loads(json.dumps(board.build(), cls=JSONEncoder))
    for number, panel in enumerate(built["panels"], start=1):  # the SDK leaves ids unset
        panel["id"] = number
    return built


def rendered() -> str:
    return json.dumps(build(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
