"""Prometheus metrics of the console (low-cardinality labels only)."""

from prometheus_client import Counter, Gauge

EVENTS_APPLIED = Counter("console_events_applied_total",
                         "Lifecycle events applied to the console's projection", ["topic"])
ACTIONS = Counter("console_actions_total", "Actions sent to Kafka from the console",
                  ["action", "role"])
SIGNINS = Counter("console_signins_total", "Sign-in attempts", ["outcome"])
PROJECTION_LAG = Gauge("console_projection_last_event_age_seconds",
                       "Age of the newest event applied, at the time it was applied")
