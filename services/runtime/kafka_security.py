"""How every Kafka client authenticates: aiokafka keyword arguments and Faust credentials."""

from __future__ import annotations

import ssl
from typing import Any

from services.runtime.settings import RuntimeSettings

PROTOCOLS = ("PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL")


class KafkaSecurityError(ValueError):
    """The security settings are incomplete or contradictory."""


def kafka_password(settings: RuntimeSettings) -> str | None:
    """The SASL password: from its file if one is named, else from the setting."""
    if settings.kafka_password_file is not None:
        try:
            return settings.kafka_password_file.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise KafkaSecurityError(
                f"TANGGAP_KAFKA_PASSWORD_FILE {settings.kafka_password_file}: {exc}") from exc
    return settings.kafka_password.get_secret_value() if settings.kafka_password else None


def _checked(settings: RuntimeSettings) -> tuple[str, str, str] | None:
    protocol = settings.kafka_security_protocol.upper()
    if protocol not in PROTOCOLS:
        raise KafkaSecurityError(f"TANGGAP_KAFKA_SECURITY_PROTOCOL must be one of {PROTOCOLS}")
    if protocol == "PLAINTEXT":
        return None
    password = kafka_password(settings)
    if not settings.kafka_username or not password:
        raise KafkaSecurityError(f"{protocol} needs TANGGAP_KAFKA_USERNAME and "
                                 "TANGGAP_KAFKA_PASSWORD_FILE (or TANGGAP_KAFKA_PASSWORD)")
    if not password.isascii():
        # aiokafka sends SCRAM passwords as UTF-8 without SASLprep; the broker would disagree.
        raise KafkaSecurityError("the Kafka password must be ASCII")
    return protocol, settings.kafka_username, password


def _ssl_context(settings: RuntimeSettings) -> ssl.SSLContext:
    cafile = str(settings.kafka_ca_file) if settings.kafka_ca_file else None
    return ssl.create_default_context(cafile=cafile)


def kafka_client_options(settings: RuntimeSettings) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient."""
    checked = _checked(settings)
    if checked is None:
        return {}
    protocol, username, password = checked
    options: dict[str, Any] = {
        "security_protocol": protocol, "sasl_mechanism": settings.kafka_sasl_mechanism,
        "sasl_plain_username": username, "sasl_plain_password": password,
    }
    if protocol == "SASL_SSL":
        options["ssl_context"] = _ssl_context(settings)
    return options


def faust_broker_credentials(settings: RuntimeSettings) -> Any:
    """faust.App(broker_credentials=...): the same principal for its consumer, producer, admin."""
    checked = _checked(settings)
    if checked is None:
        return None
    import faust  # imported here: intake never loads Faust

    protocol, username, password = checked
    context = _ssl_context(settings) if protocol == "SASL_SSL" else None
    # Faust picks SASL_SSL exactly when an ssl_context is given.
    return faust.SASLCredentials(username=username, password=password,
                                 mechanism=settings.kafka_sasl_mechanism, ssl_context=context)
