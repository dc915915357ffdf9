"""Prometheus metrics of the audit service: records indexed and skipped, batches, timelines."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

INDEXED = Counter("audit_records_indexed_total", "Lifecycle records added to the index",
                  ["topic"])
SKIPPED = Counter("audit_records_skipped_total",
                  "Records the index cannot place (their own consumer dead-letters them)",
                  ["topic"])
BATCH = Histogram("audit_batch_seconds", "Time to index one batch (decode and transaction)",
                  buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
TIMELINE = Histogram("audit_timeline_seconds", "Time to build one case timeline from the log",
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
