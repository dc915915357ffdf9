"""Intake's Prometheus metrics."""

from prometheus_client import Counter

COMPLAINTS = Counter("intake_complaints_total", "Complaints accepted", ["channel", "outcome"])
