"""Normalisation of informal Indonesian and Ketapang Malay before matching."""

from __future__ import annotations

from services.router.lexicon import BOUNDARY, Normalizer, light_stem, segments
from services.router.rules import RuleSet


def test_slang_and_local_malay_become_standard_words(rules: RuleSet) -> None:
    tokens = rules.normalizer.tokens("KTP blm jadi, kamek ndak bise urus. jln rusak bgt")
    assert tokens == ("ktp", "belum", "jadi", BOUNDARY, "kami", "tidak", "bisa", "urus",
                      BOUNDARY, "jalan", "rusak", "sangat")


def test_reduplication_with_digit_2_is_spelled_out() -> None:
    tokens = Normalizer({}).tokens("anak2 nyebrang, gali2 doang, kecil2an")
    assert tokens[:2] == ("anak", "anak")
    assert ("gali", "gali") == tokens[tokens.index("gali"):tokens.index("gali") + 2]
    assert "kecilan" in tokens


def test_malay_nye_suffix_and_censored_insults_are_normalised() -> None:
    normalizer = Normalizer({})
    assert normalizer.tokens("airnye") == ("airnya",)
    assert normalizer.tokens("dasar g0bl0k") == ("dasar", "goblok")
    assert light_stem("bangsatnya") == "bangsat" and light_stem("pdam") == "pdam"


def test_urls_and_mentions_do_not_leak_words() -> None:
    tokens = Normalizer({}).tokens("cek https://bit.ly/abc @pemkabketapang #JalanRusak")
    assert "tautan" in tokens and "bit" not in tokens and "pemkabketapang" in tokens


def test_punctuation_splits_clauses() -> None:
    tokens = Normalizer({}).tokens("lampu mati, jalan gelap")
    assert segments(tokens) == [(0, 2), (3, 5)]


def test_domain_nouns_keep_their_identity_when_stemmed(rules: RuleSet) -> None:
    stem = rules.stemmer.stem
    assert stem("berlubang") == "lubang" and stem("diaspal") == "aspal"
    # Kept whole: otherwise every house would be housing and every place a kecamatan office.
    assert stem("perumahan") == "perumahan" and stem("kecamatan") == "kecamatan"
    assert stem("ngalir") == "alir"  # slang root mapped after stemming


def test_a_negator_ending_a_question_asks_yes_or_no() -> None:
    normalizer = Normalizer({})
    assert normalizer.tokens("kantor buka ga?") == ("kantor", "buka", "kah")
    assert normalizer.tokens("sudah cair belum ya?") == ("sudah", "cair", "kah", "ya")
    assert normalizer.tokens("air tidak ngalir?") == ("air", "tidak", "ngalir")
