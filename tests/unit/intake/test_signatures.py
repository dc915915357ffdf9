"""Webhook signatures over the exact bytes, with the samples' recorded headers."""

from services.intake.channels.signatures import (
    meta_handshake,
    meta_signature_valid,
    x_digest,
    x_signature_valid,
)
from tests.unit.intake.samples import META_SECRET, META_VERIFY_TOKEN, X_SECRET, raw, signed_header


def test_recorded_meta_signatures_verify() -> None:
    for name in ("whatsapp/text", "whatsapp/status-only", "instagram/comment",
                 "instagram/mention", "facebook/feed-comment", "facebook/feed-visitor-post"):
        body = raw(f"{name}.json")
        assert meta_signature_valid(META_SECRET, body, signed_header(f"{name}.headers")), name


def test_reserialised_or_tampered_body_fails() -> None:
    body = raw("whatsapp/text.json")
    header = signed_header("whatsapp/text.headers")
    assert not meta_signature_valid(META_SECRET, body.rstrip(b"\n"), header)
    assert not meta_signature_valid("another-secret", body, header)
    assert not meta_signature_valid(META_SECRET, body, None)
    assert not meta_signature_valid(META_SECRET, body, header.replace("sha256=", "sha1="))


def test_handshake_echoes_challenge_only_for_our_token() -> None:
    assert meta_handshake("subscribe", META_VERIFY_TOKEN, "1735902468", META_VERIFY_TOKEN) \
        == "1735902468"
    assert meta_handshake("subscribe", "wrong", "1", META_VERIFY_TOKEN) is None
    assert meta_handshake("unsubscribe", META_VERIFY_TOKEN, "1", META_VERIFY_TOKEN) is None


def test_x_crc_matches_the_worked_example() -> None:
    token = b"a4b1c2d3-9f8e-4d7c-8b6a-5e4f3d2c1b0a"
    assert x_digest(X_SECRET, token) == "sha256=yO+jeElRS93yAFNWY41B1Hhjz1xeEb52S6xCe2fMD7M="
    assert x_signature_valid(X_SECRET, b"{}", x_digest(X_SECRET, b"{}"))
    assert not x_signature_valid(X_SECRET, b"{}", None)
