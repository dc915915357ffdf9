"""Masking personal data that intake's masking missed, before text travels to agencies."""

from __future__ import annotations

import re

# Indonesian mobile and landline numbers, with the separators people type.
_PHONE = re.compile(r"(?<!\d)(?:\+?62|0)[\s.-]?8\d(?:[\s.-]?\d){7,11}(?!\d)")
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")  # national identity number
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def mask_personal_data(text: str) -> tuple[str, bool]:
    """Replace phone numbers, NIKs and e-mail addresses; say whether anything was found."""
    masked = _EMAIL.sub("[email]", text)
    masked = _NIK.sub("[NIK]", masked)
    masked = _PHONE.sub("[telepon]", masked)
    return masked, masked != text
