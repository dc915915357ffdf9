"""Notifier: tells agencies of their cases and citizens of their tickets and answers."""
