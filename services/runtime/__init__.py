"""Plumbing every service shares: settings, Kafka producer, Faust app, database, metrics."""
