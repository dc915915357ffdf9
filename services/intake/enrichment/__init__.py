"""Deferred look-ups that complete cases opened without their content."""
