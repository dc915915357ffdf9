"""Agencies' answers to the cases they hold, and the keys they answer with."""
