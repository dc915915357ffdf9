"""Recognising the kecamatan from kecamatan and village names, spelled as citizens spell them."""

from __future__ import annotations

import pytest

from services.router.rules import RuleSet


def where(rules: RuleSet, text: str) -> str | None:
    return rules.places.find(rules.normalizer.tokens(text)).kecamatan


@pytest.mark.parametrize(("text", "kecamatan"), [
    ("banjir lagi di Kec. Sandai", "kec-sandai"),
    ("pelayanan di kantor camat MHS lambat", "kec-matan-hilir-selatan"),
    ("LPG langka di Kendawangn", "kec-kendawangan"),  # misspelt, found by rapidfuzz
    ("jalan ke desa Randau Jungkal berlumpur", "kec-sandai"),
    ("air ledeng di Tuan-Tuan kecil", "kec-benua-kayong"),
    ("parit di Sei Awan Kiri tersumbat", "kec-muara-pawan"),  # "Sei" is Sungai
    ("sampah di Paya Kumang", "kec-delta-pawan"),  # gazetteer spells it Payah Kumang
])
def test_kecamatan_is_recognised(rules: RuleSet, text: str, kecamatan: str) -> None:
    assert where(rules, text) == kecamatan


def test_village_in_two_kecamatan_prefers_the_capital_kelurahan(rules: RuleSet) -> None:
    assert where(rules, "jalan rusak di depan SDN 3 Sukaharja") == "kec-delta-pawan"


def test_village_in_two_rural_kecamatan_stays_unknown_unless_the_kecamatan_is_named(
        rules: RuleSet) -> None:
    assert where(rules, "di desa Harapan Baru jalan rusak") is None
    assert where(rules, "di desa Harapan Baru, Kec. Sungai Laur") == "kec-sungai-laur"


def test_ordinary_words_are_not_places_without_a_prefix(rules: RuleSet) -> None:
    assert where(rules, "rumah baru di tengah kota, padang rumput") is None
    assert where(rules, "di hulu sungai airnya keruh") is None
    assert where(rules, "di Kecamatan Hulu Sungai jembatan putus") == "kec-hulu-sungai"
    assert where(rules, "Desa Padang banjir") == "kec-benua-kayong"


def test_kecamatan_given_by_a_channel_is_resolved_by_name_or_code(rules: RuleSet) -> None:
    assert rules.places.code_of("Delta Pawan", rules.normalizer) == "kec-delta-pawan"
    assert rules.places.code_of("kec-marau", rules.normalizer) == "kec-marau"
    assert rules.places.code_of("Pontianak", rules.normalizer) is None
