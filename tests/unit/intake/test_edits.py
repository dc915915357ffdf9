"""Edits and completed mentions of open cases: the new text is masked like the original,
the reporter's name too."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.enums import Channel
from schemas.intake import ComplaintSubmission
from services.intake.cases.amend import Known, edited_event
from services.intake.cases.pending import from_json, to_json
from services.intake.channels.inbound import Amendment
from services.intake.enrichment.job import enriched_event

NOW = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)
CASE = Known("c-1", "KTP-2026-000001", "Saya [nama] dari Sampit, jalan berlubang.", "open",
             reporter_name="Rusdiana Pardomuan")


def edit(text: str, author: str | None = None) -> Amendment:
    opens = ComplaintSubmission(channel=Channel.FACEBOOK, channel_message_id="k1", text=text,
                                reporter={"name": author, "handle": "100"}) if author else None
    return Amendment("edit", Channel.FACEBOOK, "k1", "edited:2", text=text, opens=opens)


def test_edited_text_masks_the_registered_reporters_name() -> None:
    event = edited_event(CASE, edit("Saya Rusdiana dari Sampit, jalan berlubang di SDN 3. "
                                    "Hubungi 081234567890."), "ketapang", NOW)
    assert event is not None
    assert "Rusdiana" not in event.text and "081234567890" not in event.text
    assert event.text.startswith("Saya [nama] dari Sampit")


def test_edited_text_masks_the_name_the_edit_came_with() -> None:
    unnamed = Known(CASE.complaint_id, CASE.ticket, CASE.description, CASE.status)
    event = edited_event(unnamed, edit("Saya Wahyuningsih Lubis, jalan berlubang di SDN 3.",
                                       "Wahyuningsih Lubis"), "ketapang", NOW)
    assert event is not None and "Wahyuningsih" not in event.text and "Lubis" not in event.text


def test_an_edit_back_to_the_same_masked_text_changes_nothing() -> None:
    assert edited_event(CASE, edit("Saya Rusdiana dari Sampit, jalan berlubang."), "ketapang",
                        NOW) is None


def test_a_completed_mention_is_masked_for_the_reporters_name() -> None:
    event = enriched_event("c-1", "KTP-1", "17900001", {"text": "Saya Rina, jalan rusak"},
                           "ketapang", NOW, ("Rina",))
    assert "Rina" not in event.text and "jalan rusak" in event.text


def test_a_change_kept_for_a_message_not_seen_yet_reads_back_as_it_came() -> None:
    revoke = Amendment("withdraw", Channel.WHATSAPP, "wamid.A", "wamid.R", reason="revoke",
                       occurred_at=NOW)
    assert from_json(to_json(revoke)) == revoke
    edited = Amendment("edit", Channel.EMAIL, "<a@x>", "<b@x>", text="Ralat: Jl. Pahlawan",
                       reporter_identity="mailto:warga@example.id")
    assert from_json(to_json(edited)) == edited
    # What an edit opens is not kept: by then the original opens the case itself.
    assert from_json(to_json(edit("baru", "Rina"))).opens is None
