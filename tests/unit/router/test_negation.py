"""Evidence a message takes back: negated, denied and resolved matters, what the speaker did,
dangers that are over or feared, and derived words whose Sastrawi root means something else.

Examples are the development set's kind (tests/unit/router/data/round3-dev.jsonl), never the
held-out set's sentences.
"""

from __future__ import annotations

from schemas.enums import Disposition, Flag
from services.router.lexicon import BOUNDARY
from services.router.negation import sub_clauses
from services.router.rules import RuleSet
from tests.unit.router.conftest import verdict


def test_contrast_words_and_boundaries_open_a_sub_clause() -> None:
    stems = ("lampu", "nyala", "tapi", "jalan", "rusak", BOUNDARY, "tolong")
    assert sub_clauses(stems, frozenset({"tapi"})) == [0, 0, 1, 1, 1, 2, 2]


def test_power_the_speaker_switched_off_in_a_flood_is_no_power_cut(rules: RuleSet) -> None:
    for text in ("air sungai meluap ke rumah, makin tinggi, listrik sudah kami matikan, tolong",
                 "banjir terus naik, meteran listrik udh sy matikan, anak2 mau diungsikan"):
        result = verdict(rules, text)
        assert result.agency == "bpbd" and Flag.EMERGENCY in result.flags, text


def test_a_power_cut_by_someone_else_is_still_the_utilitys(rules: RuleSet) -> None:
    result = verdict(rules, "listrik dimatikan tanpa pemberitahuan dari pagi")
    assert result.agency == "ext-pln"


def test_a_negator_inside_a_phrase_denies_it(rules: RuleSet) -> None:
    result = verdict(rules, "listrik tdk mati kok, cuma air pdam keruh dari kemarin")
    assert result.agency == "perumda-air"


def test_a_negator_before_a_thing_is_a_complaint_about_its_absence(rules: RuleSet) -> None:
    result = verdict(rules, "di gang kami tidak ada lampu jalan, gelap gulita tiap malam")
    assert result.agency == "dinas-perkim"


def test_a_denied_matter_gives_way_to_the_one_complained_of(rules: RuleSet) -> None:
    result = verdict(rules, "bukan masalah sampah pak, parit depan rumah tersumbat lumpur")
    assert result.agency == "dinas-pupr"


def test_a_resolved_matter_gives_way_to_what_is_still_wrong(rules: RuleSet) -> None:
    result = verdict(rules, "lampu jalan sudah nyala lagi, tapi jalan di depan rumah makin "
                            "berlubang")
    assert result.agency == "dinas-pupr"


def test_thanks_for_a_resolved_matter_stay_with_the_center(rules: RuleSet) -> None:
    for text in ("terima kasih sampah sudah diangkut pagi tadi",
                 "lampu merah di simpang sudah diperbaiki, sekarang lancar. terima kasih dishub"):
        result = verdict(rules, text)
        assert result.disposition is Disposition.NO_RESPONSE, text
        assert Flag.NOT_A_COMPLAINT in result.flags


def test_not_yet_finished_is_not_resolved(rules: RuleSet) -> None:
    result = verdict(rules, "mengurus akta kematian di dukcapil sdh 3 minggu blm selesai")
    assert result.agency == "disdukcapil"


def test_a_repair_is_not_praise(rules: RuleSet) -> None:
    assert rules.stemmer.stems(["diperbaiki"]) == rules.stemmer.stems(["perbaikan"])
    assert rules.stemmer.stem("diperbaiki") != rules.stemmer.stem("terbaik")
    assert rules.stemmer.stem("sebelum") != rules.stemmer.stem("belum")
    result = verdict(rules, "kapan jalan ke kampung kami diperbaiki pak, udh berbulan2 rusak")
    assert result.agency == "dinas-pupr" and "courtesy" not in result.reason


def test_a_feared_danger_is_no_emergency(rules: RuleSet) -> None:
    for text in ("tiang listrik di depan sekolah miring, takutnya roboh kena anak2",
                 "kabel pju di gang kami terkelupas, berpotensi kesetrum kalau hujan"):
        assert Flag.EMERGENCY not in verdict(rules, text).flags, text


def test_a_danger_over_in_its_own_clause_is_no_emergency(rules: RuleSet) -> None:
    result = verdict(rules, "banjir sudah surut, tp lumpur dan sampah masih menumpuk di jalan")
    assert Flag.EMERGENCY not in result.flags and result.agency == "dlh"


def test_a_question_about_a_hypothetical_fire_is_for_the_center(rules: RuleSet) -> None:
    result = verdict(rules, "min, kalau mau lapor kebakaran nomor damkar berapa ya?")
    assert Flag.NOT_A_COMPLAINT in result.flags and Flag.EMERGENCY not in result.flags


def test_urgent_words_around_a_live_danger_keep_it_an_emergency(rules: RuleSet) -> None:
    for text, agency in (("tolong cepat sebelum api merembet, rumah sebelah terbakar", "damkar"),
                         ("lansia belum dievakuasi, air sungai meluap masuk rumah", "bpbd"),
                         ("anak tetangga jatuh ke sumur, msh di dalam, tolong damkar", "damkar")):
        result = verdict(rules, text)
        assert Flag.EMERGENCY in result.flags and result.agency == agency, text


def test_a_forest_fire_is_the_disaster_agencys(rules: RuleSet) -> None:
    result = verdict(rules, "kebakaran hutan dekat kampung, api merambat ke kebun, asap tebal")
    assert result.agency == "bpbd" and Flag.EMERGENCY in result.flags


def test_the_aftermath_and_a_late_response_are_no_emergency(rules: RuleSet) -> None:
    for text, agency in (("korban kebakaran di gang kami blm dapat bantuan sembako dr dinsos",
                          "dinsos"),
                         ("damkar datangnya telat 1 jam, rumah tetangga habis terbakar semua",
                          "damkar")):
        result = verdict(rules, text)
        assert Flag.EMERGENCY not in result.flags and result.agency == agency, text


def test_a_yes_no_question_about_an_office_stays_with_the_center(rules: RuleSet) -> None:
    result = verdict(rules, "selamat siang min, kantor disdukcapil hari sabtu buka ga?")
    assert Flag.NOT_A_COMPLAINT in result.flags and result.agency is None
