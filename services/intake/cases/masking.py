"""Mask personal data in complaint text: phone numbers, e-mail addresses, 16-digit NIK."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

PHONE = "[telepon]"
EMAIL = "[email]"
NIK = "[NIK]"
NAME = "[nama]"

# A NIK is exactly 16 digits; matched first so that it is not mistaken for a phone number.
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Indonesian mobile numbers written without separators, also those phonenumbers' metadata does
# not (yet) know as valid, e.g. a new operator prefix.
_MOBILE = re.compile(r"(?<![\d+])(?:\+62|62|0)8\d{7,11}(?!\d)")


def mask_phones(text: str) -> str:
    """Replace every valid phone number (Indonesian formats 08xx, +62, 62...) with PHONE."""
    spans = [(m.start, m.end) for m in PhoneNumberMatcher(text, "ID", leniency=Leniency.VALID)]
    for start, end in reversed(spans):
        text = text[:start] + PHONE + text[end:]
    return _MOBILE.sub(PHONE, text)


def mask_text(text: str, names: tuple[str, ...] = ()) -> str:
    """The text with NIK, e-mail addresses and phone numbers masked, and the given names."""
    masked = _NIK.sub(NIK, text)
    masked = _EMAIL.sub(EMAIL, masked)
    masked = mask_phones(masked)
    for name in names:
        if len(name.strip()) >= 3:
            masked = re.sub(re.escape(name.strip()), NAME, masked, flags=re.IGNORECASE)
    return masked


def normalized_phone(raw: str | None) -> str | None:
    """E.164 (+62...) for a valid number, read as Indonesian when it has no country code."""
    if not raw:
        return None
    candidate = raw.strip()
    if candidate.isdigit() and candidate.startswith("62"):
        candidate = "+" + candidate  # WhatsApp ids and many forms drop the plus
    try:
        number = phonenumbers.parse(candidate, "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
