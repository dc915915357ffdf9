"""Personal data never leaves intake in complaint text."""

from services.intake.cases.masking import EMAIL, NAME, NIK, PHONE, mask_text, normalized_phone


def test_indonesian_phone_formats_are_masked() -> None:
    text = "wa 0812-3456-7890, +62 812 3456 7891, 6281390417726 atau 08991234567"
    assert mask_text(text) == f"wa {PHONE}, {PHONE}, {PHONE} atau {PHONE}"


def test_landline_with_area_code_is_masked() -> None:
    assert mask_text("kantor (0534) 32145") == f"kantor {PHONE}"


def test_nik_and_email_are_masked_not_read_as_phone() -> None:
    assert mask_text("NIK 6104012345678901, surel budi.s@surel.example") == \
        f"NIK {NIK}, surel {EMAIL}"


def test_amounts_dates_and_measures_stay() -> None:
    text = "Rp 50.000 pada 6 Maret 2026 pukul 10, lubang 20 meter, RT 03/RW 09, SDN 04"
    assert mask_text(text) == text


def test_anonymous_reporters_name_is_masked() -> None:
    assert mask_text("Hormat saya, Rina Marlina", ("Rina Marlina",)) == f"Hormat saya, {NAME}"


def test_phone_normalised_to_e164() -> None:
    assert normalized_phone("6281390417726") == "+6281390417726"
    assert normalized_phone("0812-3456-7890") == "+6281234567890"
    assert normalized_phone("12") is None


def test_a_named_reporters_name_is_masked_whole_and_by_its_words() -> None:
    text = "Saya Rina, lengkapnya RINA  MARLINA; Marlinapura tetap"
    expected = f"Saya {NAME}, lengkapnya {NAME}; Marlinapura tetap"
    assert mask_text(text, ("Rina Marlina",)) == expected


def test_every_report_masks_the_reporters_name_not_only_anonymous_ones() -> None:
    from schemas.intake import ComplaintSubmission
    from services.intake.cases.accept import masked_fields

    submission = ComplaintSubmission.model_validate({
        "channel": "web", "channel_message_id": "m-1", "text": "Saya Rina minta jalan diperbaiki",
        "reporter": {"name": "Rina Marlina", "phone": "081234567890"}})
    assert masked_fields(submission)["text"] == f"Saya {NAME} minta jalan diperbaiki"


def test_the_name_pre_check_misses_nothing_the_case_insensitive_match_finds() -> None:
    # Dotless and dotted I, the long s and the Kelvin sign match ASCII letters under
    # re.IGNORECASE; the substring pre-check that skips compiling must fold them too.
    for text, name in [("saya R\u0131na", "Rina"), ("R\u0130NA datang", "Rina"),
                       ("\u017fiti melapor", "Siti"), ("Pa\u212a Eko", "Pak Eko"),
                       ("EKO   PRASETYO", "Eko Prasetyo"), ("Abd. Rahman", "Abd. Rahman")]:
        assert "[nama]" in mask_text(text, (name,)), (text, name)
    assert mask_text("jalan rusak di desa", ("Rina Marlina",)) == "jalan rusak di desa"
