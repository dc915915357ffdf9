"""Intake: channel submissions become cases with tickets, published as ComplaintReceived."""
