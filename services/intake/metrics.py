"""Intake's Prometheus metrics."""

from prometheus_client import Counter

COMPLAINTS = Counter("intake_complaints_total", "Complaints accepted", ["channel", "outcome"])
# Webhook items that opened no case: ignored (statuses, reactions, own posts) or refused.
CHANNEL_ITEMS = Counter("intake_channel_items_total", "Channel items that opened no case",
                        ["channel", "outcome"])
# The citizen's verdict on resolutions: via reply, status_page or window (no answer in time).
VERDICTS = Counter("intake_verdicts_total", "Citizens' verdicts on resolutions",
                   ["via", "outcome"])  # outcome: solved, not_solved, no_reply
# Deferred look-ups (Instagram mentions): completed, retried later, or given up.
ENRICHMENTS = Counter("intake_enrichments_total", "Deferred look-ups by outcome", ["outcome"])
# Items read by the pullers (TikTok, X stream, remote Open311, news feeds), by outcome.
PULLED = Counter("intake_pulled_items_total", "Items read by the pullers",
                 ["source", "outcome"])
