"""Intake's HTTP endpoints: the generic complaint API, vendor webhooks, Open311, operators."""
