"""SLA: every assigned case runs against a response clock."""
