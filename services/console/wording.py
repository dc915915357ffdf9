"""Indonesian words and formats: statuses in plain language, Babel id_ID dates and numbers."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal, format_percent

LOCALE = "id_ID"
# Babel writes "Waktu Indonesia Barat"; people write WIB, WITA or WIT after the time.
ZONES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
         "Asia/Jayapura": "WIT"}

STATUS = {
    "received": "Diterima",
    "triage": "Ditelaah petugas",
    "assigned": "Diteruskan ke instansi",
    "in_progress": "Sedang ditangani",
    "waiting_for_citizen": "Menunggu keterangan pelapor",
    "redirected": "Dialihkan",
    "resolved": "Selesai",
    "not_answered": "Dicatat, tidak ditindaklanjuti",
    "external": "Di luar kewenangan kabupaten",
    "reopened": "Dibuka kembali, ditangani ulang instansi",
    "closed": "Ditutup",
    "withdrawn": "Dicabut pelapor",
}
# What the citizen reads about each public history line.
PUBLIC_LINE = {
    "received": "Aduan Anda kami terima.",
    "triage": "Petugas sedang menelaah aduan Anda.",
    "assigned": "Aduan Anda diteruskan ke instansi yang berwenang.",
    "redirected": "Aduan Anda dialihkan ke instansi lain.",
    "first_response": "Instansi menanggapi aduan Anda.",
    "progress": "Instansi menyampaikan perkembangan.",
    "waiting_for_citizen": "Instansi menunggu keterangan dari Anda.",
    "resolved": "Aduan Anda dinyatakan selesai.",
    "not_answered": "Aduan Anda dicatat.",
    "external": "Aduan Anda di luar kewenangan pemerintah kabupaten.",
    "verdict_solved": "Anda menyatakan aduan sudah selesai.",
    "verdict_not_solved": "Anda menyatakan aduan belum selesai.",
    "reopened": "Aduan Anda dibuka kembali dan ditangani ulang oleh instansi.",
    "closed": "Aduan Anda ditutup.",
    "edited": "Isi aduan Anda diperbarui.",
    "withdrawn": "Aduan Anda dicabut karena pesannya dihapus.",
}
CHANNEL = {"whatsapp": "WhatsApp", "instagram": "Instagram", "facebook": "Facebook", "x": "X",
           "tiktok": "TikTok", "email": "E-mail", "web": "Situs web", "open311": "Open311",
           "call_center": "Telepon/tatap muka", "media": "Pemantauan media"}
KIND = {"first_response": "Tanggapan pertama", "progress": "Perkembangan",
        "waiting_for_citizen": "Menunggu pelapor", "resolved": "Selesai",
        "not_ours": "Bukan wewenang kami"}


NUMBERS = re.compile(r"(?:\+?\d[\d .-]{4,}\d)")


def without_numbers(text: str | None) -> str | None:
    """A public message with phone-like numbers hidden: the status page shows none."""
    return NUMBERS.sub("[nomor]", text) if text else text


def verdict_label(solved: bool | None) -> str | None:
    """How staff read the citizen's verdict on a resolution, e.g. "warga: belum selesai"."""
    if solved is None:
        return None
    return "warga: sudah selesai" if solved else "warga: belum selesai"


def status_label(status: str | None) -> str:
    return STATUS.get(status or "", status or "-")


class Formats:
    """Dates in the regency's time zone and numbers, the Indonesian way."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)
        self.abbreviation = ZONES.get(timezone, "")

    def when(self, moment: datetime | None) -> str:
        """ "20 Nov 2026, 14.05 WIB" """
        if moment is None:
            return "-"
        text = format_datetime(moment, "d MMM y, HH.mm", tzinfo=self.zone, locale=LOCALE)
        return f"{text} {self.abbreviation}".strip()

    def local_date(self, moment: datetime) -> str:
        return format_datetime(moment, "yyyy-MM-dd", tzinfo=self.zone, locale=LOCALE)

    @staticmethod
    def number(value: float | int) -> str:
        """ "1.234.567,5" """
        return format_decimal(value, locale=LOCALE)

    @staticmethod
    def percent(value: float | None) -> str:
        return "-" if value is None else format_percent(value, locale=LOCALE)


# Answer templates an agency starts from (editable before sending).
ANSWER_TEMPLATES = {
    "first_response": "Terima kasih atas laporan Anda. Aduan sudah kami terima dan petugas kami "
                      "akan meninjau lokasi dalam waktu dekat.",
    "progress": "Petugas kami sudah meninjau lokasi. Perbaikan dijadwalkan dan akan kami "
                "kabarkan perkembangannya.",
    "waiting_for_citizen": "Mohon kirimkan keterangan tambahan (lokasi tepat atau foto) agar "
                           "kami dapat menindaklanjuti.",
    "resolved": "Perbaikan sudah selesai dikerjakan. Terima kasih atas laporan Anda.",
}
