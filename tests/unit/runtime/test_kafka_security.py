"""Client security options: nothing for PLAINTEXT, complete SASL options or a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.runtime.kafka_security import (
    KafkaSecurityError,
    faust_broker_credentials,
    kafka_client_options,
)
from services.runtime.settings import RuntimeSettings


def test_plaintext_adds_nothing() -> None:
    settings = RuntimeSettings()
    assert kafka_client_options(settings) == {} and faust_broker_credentials(settings) is None


def test_sasl_options_read_the_password_file(tmp_path: Path) -> None:
    secret = tmp_path / "svc-router.password"
    secret.write_text("abc123\n")
    settings = RuntimeSettings(kafka_security_protocol="SASL_PLAINTEXT",
                               kafka_username="svc-router", kafka_password_file=secret)
    assert kafka_client_options(settings) == {
        "security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "svc-router", "sasl_plain_password": "abc123"}
    credentials = faust_broker_credentials(settings)
    assert credentials.username == "svc-router" and credentials.password == "abc123"
    assert str(credentials.mechanism.value) == "SCRAM-SHA-512"


def test_sasl_ssl_brings_a_tls_context() -> None:
    settings = RuntimeSettings(kafka_security_protocol="SASL_SSL", kafka_username="u",
                               kafka_password="p")
    assert kafka_client_options(settings)["ssl_context"] is not None


@pytest.mark.parametrize("override", [
    {"kafka_security_protocol": "SASL_PLAINTEXT"},
    {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_username": "u",
     "kafka_password": "kata-sandi-\u00e9"},
    {"kafka_security_protocol": "KERBEROS", "kafka_username": "u", "kafka_password": "p"},
    {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_username": "u",
     "kafka_password_file": "/nonexistent/secret"},
])
def test_incomplete_or_wrong_settings_are_refused(override: dict[str, str]) -> None:
    with pytest.raises(KafkaSecurityError):
        kafka_client_options(RuntimeSettings(**override))  # type: ignore[arg-type]
