"""Audit: where every case's events sit in the log, read back as a timeline, plus log tools."""
