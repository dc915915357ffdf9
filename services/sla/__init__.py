"""SLA: every assigned case runs against its agency's clocks, and every agency is evaluated."""
