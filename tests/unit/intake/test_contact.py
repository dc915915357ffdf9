"""What a read of a reporter's contact gives, before anything is looked up."""

from __future__ import annotations

from services.intake.http.contact import outcome_of


def test_contact_outcome_puts_erasure_before_anonymity() -> None:
    assert outcome_of(anonymous=True, has_reporter=True, erased=True) == "erased"
    assert outcome_of(anonymous=True, has_reporter=True, erased=False) == "anonymous"
    assert outcome_of(anonymous=False, has_reporter=True, erased=False) == "shown"
    assert outcome_of(anonymous=False, has_reporter=False, erased=False) == "none"
