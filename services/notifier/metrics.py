"""Notifier's Prometheus metrics: deliveries, latency, retries, dead letters."""

from prometheus_client import Counter, Histogram

DELIVERIES = Counter("notifier_deliveries_total", "Notification deliveries finished",
                     ["channel", "outcome"])  # outcome: delivered, failed, refused, duplicate
SEND_SECONDS = Histogram("notifier_send_seconds", "Duration of one delivery, retries included",
                         ["channel"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
LATENCY_SECONDS = Histogram(
    "notifier_delivery_latency_seconds", "From the causing event to the delivered message",
    ["channel"], buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800))
RETRIES = Counter("notifier_retries_total", "Delivery attempts that are retried", ["channel"])
DEAD_LETTERS = Counter("notifier_dead_letters_total", "Undeliverable notifications parked",
                       ["channel"])
RESENDS = Counter("notifier_resends_after_interruption_total",
                  "Deliveries restarted after a crash mid-send (receiver dedupes)", ["channel"])
REPLY_FALLBACKS = Counter(
    "notifier_reply_fallbacks_total",
    "Replies that could not land where the citizen spoke and went another way", ["channel", "to"])
WHATSAPP_TEMPLATES = Counter(
    "notifier_whatsapp_template_messages_total",
    "WhatsApp notices sent as an approved template (outside the 24-hour window)", ["template"])
