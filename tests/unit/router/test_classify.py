"""The routing verdict on Indonesian complaints: agencies, ambiguous words, flags, triage."""

from __future__ import annotations

import pytest

from schemas.enums import Disposition, Flag, Priority
from services.router.rules import RuleSet, with_model
from tests.unit.router.conftest import verdict


@pytest.mark.parametrize(("text", "agency"), [
    ("lampu jalan di gang kami mati seminggu", "dinas-perkim"),  # PJU
    ("lampu merah di simpang empat mati, kendaraan saling serobot", "dishub"),  # traffic light
    ("mati lampu dari pagi, kapan nyala?", "ext-pln"),  # power cut
    ("air PDAM tidak mengalir sejak kemarin", "perumda-air"),  # piped water
    ("banjir setinggi lutut, rumah kami terendam", "bpbd"),  # flood
    ("parit tersumbat, air got meluap tiap hujan", "dinas-pupr"),  # drainage
    ("jalan kabupaten rusak berlubang, motor jatuh", "dinas-pupr"),  # road
])
def test_ambiguous_words_go_where_their_context_says(rules: RuleSet, text: str,
                                                      agency: str) -> None:
    # The rules' reading of context. With the model, a sure rule may still be doubted; a doubt
    # towards the center sends the case to triage, never to another agency's desk.
    assert verdict(with_model(rules, None), text).agency == agency
    learned = verdict(rules, text)
    assert learned.agency == agency or learned.disposition is Disposition.TRIAGE


def test_walking_is_not_a_road_matter(rules: RuleSet) -> None:
    result = verdict(rules, "trotoar penuh lapak PKL, jalan kaki aja susah")
    assert result.agency == "satpol-pp"


def test_bare_ambiguous_word_goes_to_triage(rules: RuleSet) -> None:
    result = verdict(rules, "@pemkabketapang air nya gimana ini pak")
    assert result.disposition is Disposition.TRIAGE and result.agency is None
    assert result.confidence < rules.source.thresholds.triage_confidence


def test_decisive_owner_outranks_the_subject(rules: RuleSet) -> None:
    result = verdict(rules, "jalan provinsi rusak parah banyak lubang")
    assert result.disposition is Disposition.EXTERNAL and result.agency == "ext-provinsi"
    assert Flag.EXTERNAL in result.flags


def test_patient_insurance_does_not_take_a_hospital_case_away(rules: RuleSet) -> None:
    text = "pasien BPJS di rawat inap RSUD disuruh beli obat sendiri di apotek luar"
    assert verdict(rules, text).agency == "rsud"


def test_administrative_matter_goes_to_the_kecamatan_office(rules: RuleSet) -> None:
    result = verdict(rules, "urus SKTM di kantor camat Marau dipersulit")
    assert result.agency == "kec-marau" and result.kecamatan == "kec-marau"
    unknown = verdict(rules, "urus SKTM di kantor camat dipersulit")
    assert unknown.disposition is Disposition.TRIAGE


def test_political_content_is_suppressed_to_the_center(rules: RuleSet) -> None:
    result = verdict(rules, "Pilih paslon nomor urut 2 di pilkada, butuh pemimpin baru!")
    assert result.disposition is Disposition.NO_RESPONSE and result.agency is None
    assert result.flags == (Flag.POLITICAL,) and result.priority is Priority.LOW


def test_political_context_of_an_answerable_matter_keeps_the_agency(rules: RuleSet) -> None:
    result = verdict(rules, "ASN ikut kampanye pakai kaos partai calon bupati, katanya netral")
    assert result.agency == "bkpsdm" and Flag.POLITICAL in result.flags


def test_spam_and_abuse_are_recorded_not_answered(rules: RuleSet) -> None:
    spam = verdict(rules, "Slot gacor maxwin hari ini, link di bio, depo 10rb")
    assert spam.disposition is Disposition.NO_RESPONSE and spam.flags == (Flag.SPAM,)
    abuse = verdict(rules, "dasar pejabat g0blok, bangsat semua")
    assert abuse.disposition is Disposition.NO_RESPONSE and Flag.ABUSE in abuse.flags
    routed = verdict(rules, "jalan rusak parah gak diperbaiki, goblok semua")
    assert routed.agency == "dinas-pupr" and Flag.ABUSE in routed.flags


def test_words_that_stem_into_an_insult_are_not_abuse(rules: RuleSet) -> None:
    result = verdict(rules, "Sekolah Dasar di pedalaman kekurangan tenaga pengajar")
    assert Flag.ABUSE not in result.flags and result.agency == "disdik"


def test_thanks_is_not_a_complaint_but_sarcastic_thanks_is(rules: RuleSet) -> None:
    thanks = verdict(rules, "Terima kasih Dinas PUPR, jalan depan rumah sudah diaspal mulus")
    assert thanks.flags == (Flag.NOT_A_COMPLAINT,)
    assert thanks.disposition is Disposition.NO_RESPONSE
    sarcasm = verdict(rules, "Terima kasih PDAM, sudah seminggu kami dilatih hidup hemat air")
    assert sarcasm.agency == "perumda-air"


@pytest.mark.parametrize(("text", "emergency"), [
    ("ada ular kobra masuk kamar anak, cepat pak", True),
    ("rumah warga terbakar, api merembet ke sebelah", True),
    ("banjir makin parah malam ini, kami mengungsi ke masjid", True),
    ("jembatan putus sejak banjir bulan lalu, anak sekolah naik sampan", False),  # over
    ("tiap hujan selalu banjir di gang kami, parit dangkal", False),  # chronic
    ("elpiji langka, warga kembali pakai kayu bakar", False),
])
def test_emergency_means_acute_danger(rules: RuleSet, text: str, emergency: bool) -> None:
    result = verdict(rules, text)
    assert (Flag.EMERGENCY in result.flags) is emergency
    if emergency:
        assert result.priority is Priority.EMERGENCY


def test_past_disaster_leaves_the_damage_to_its_agency(rules: RuleSet) -> None:
    text = "jembatan di desa kami putus sejak banjir bulan lalu, anak sekolah naik sampan"
    assert verdict(rules, text).agency == "dinas-pupr"


def test_media_monitoring_item_is_negative_news_for_the_agency_head(rules: RuleSet) -> None:
    text = ("Warga Menunggu Berbulan-bulan, Blanko KTP-el Kosong / KETAPANG - Warga yang sudah "
            "perekaman KTP elektronik belum juga menerima kartunya dari Disdukcapil.")
    result = verdict(rules, text, channel="media_monitoring")
    assert result.agency == "disdukcapil" and Flag.NEGATIVE_NEWS in result.flags


def test_a_forms_category_hint_is_evidence(rules: RuleSet) -> None:
    assert verdict(rules, "sudah dua minggu belum ditangani").disposition is Disposition.TRIAGE
    hinted = verdict(rules, "sudah dua minggu belum ditangani", category="DLH-SAMPAH")
    assert hinted.agency == "dlh"


def test_reason_names_the_evidence(rules: RuleSet) -> None:
    result = verdict(rules, "jalan rusak di Kec. Sandai")
    assert "jalan rusak" in result.reason and "sandai" in result.reason


@pytest.mark.parametrize("text", [
    "Min, jam buka kantor Disdukcapil hari Sabtu sampai jam berapa?",
    "mau tanya, syarat bikin SKTM apa saja ya?",
    "mohon info jadwal posyandu bulan depan",
])
def test_a_question_without_a_grievance_stays_with_the_center(rules: RuleSet, text: str) -> None:
    result = verdict(rules, text)
    assert result.disposition is Disposition.NO_RESPONSE and result.agency is None
    assert Flag.NOT_A_COMPLAINT in result.flags


@pytest.mark.parametrize(("text", "agency"), [
    ("mau tanya, KTP saya sudah 3 bulan belum jadi kenapa ya?", "disdukcapil"),
    ("info min, air PDAM di rumah kami mati dari pagi", "perumda-air"),
])
def test_a_question_with_a_grievance_is_a_complaint(rules: RuleSet, text: str,
                                                   agency: str) -> None:
    assert verdict(rules, text).agency == agency


def test_a_question_about_danger_is_still_an_emergency(rules: RuleSet) -> None:
    result = verdict(rules, "info dong, rumah di sebelah terbakar sekarang, nomor damkar berapa?")
    assert Flag.EMERGENCY in result.flags and result.agency == "damkar"


@pytest.mark.parametrize(("text", "agency"), [
    ("atap pasar bocor, lantai los becek", "dinas-pupr"),  # the market's building
    ("sewa kios di pasar naik dua kali lipat", "disperindag"),  # the market's management
    ("lapak PKL makan badan jalan depan sekolah", "satpol-pp"),  # public space occupied
    ("mobil parkir di bahu jalan sampai dua lapis", "dishub"),  # a vehicle standing
    ("trotoar di depan kantor pos pecah dan berlubang", "dinas-pupr"),  # a defect
])
def test_boundaries_are_decided_by_what_is_wrong_with_what(rules: RuleSet, text: str,
                                                           agency: str) -> None:
    assert verdict(rules, text).agency == agency


def test_a_multi_word_place_name_is_no_evidence_for_an_agency(rules: RuleSet) -> None:
    # "Sungai Besar" is a village: its "sungai" is not a river for the environment office.
    result = verdict(rules, "jalan di desa Sungai Besar rusak parah")
    assert result.agency == "dinas-pupr" and result.kecamatan == "kec-matan-hilir-selatan"


def test_political_content_naming_a_matter_in_passing_is_not_routed(rules: RuleSet) -> None:
    result = verdict(rules, "Jalan rusak dibiarkan, pas pilkada baru diaspal. "
                            "Jangan pilih petahana!")
    assert result.disposition is Disposition.NO_RESPONSE and Flag.POLITICAL in result.flags


def test_a_civil_servant_campaigning_is_bkpsdms_case(rules: RuleSet) -> None:
    result = verdict(rules, "PNS di dinas kami ikut jadi timses paslon, tiap malam rapat")
    assert result.agency == "bkpsdm" and Flag.POLITICAL in result.flags


def test_in_an_emergency_the_setting_does_not_compete(rules: RuleSet) -> None:
    result = verdict(rules, "anak ditabrak lari di depan SDN 3 barusan, kepalanya berdarah")
    assert Flag.EMERGENCY in result.flags and result.agency == "ext-polres"
