"""Settings common to all services, from environment variables and an optional .env file."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.directory import DEFAULT_TENANT, TENANTS_DIR, Directory, load_directory


class RuntimeSettings(BaseSettings):
    """Where Kafka and PostgreSQL are, which tenant, and how topics are named."""

    model_config = SettingsConfigDict(env_prefix="TANGGAP_", env_file=".env", extra="ignore")

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "TANGGAP_KAFKA_BOOTSTRAP_SERVERS"),
    )
    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:54329/tanggap",
        validation_alias=AliasChoices("DATABASE_URL", "TANGGAP_DATABASE_URL"),
    )
    # A namespace for every topic and consumer group: lets tests and tenants share a cluster.
    topic_prefix: str = ""
    tenant: str = DEFAULT_TENANT
    tenants_dir: Path = TENANTS_DIR
    # Local working files (Faust's per-app data directories); git-ignored.
    var_dir: Path = TENANTS_DIR.parent / "var"
    replication_factor: int = 1
    # How clients authenticate (services/runtime/kafka_security.py): PLAINTEXT locally,
    # SASL_PLAINTEXT against the secured local broker, SASL_SSL in production.
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = "SCRAM-SHA-512"
    kafka_username: str | None = None
    kafka_password: SecretStr | None = None
    kafka_password_file: Path | None = None  # preferred: the secret stays out of the environment
    kafka_ca_file: Path | None = None  # SASL_SSL: the cluster's CA, if not in the system store
    # Where `tanggap acl apply` and `tanggap agency onboard` keep generated passwords
    # (default: var/kafka/credentials, beside those deploy/kafka.sh made at format time).
    kafka_credentials_dir: Path | None = None
    # How fast a dead consumer's partitions move to a live one (Kafka's default is 45 s).
    session_timeout_seconds: float = 30.0
    # Batch consume loop: up to `batch_max` records per handler call, gathered for at most
    # `batch_within_seconds` (the latency a quiet topic adds per hop; Faust's take loop also
    # wakes this often while idle, so smaller costs idle CPU).
    batch_max: int = 1000
    batch_within_seconds: float = 0.02
    # Producer batching: one in-flight batch per partition (aiokafka), so its size bounds
    # throughput per partition; the broker's default message.max.bytes (1 MiB) caps it.
    producer_max_batch_bytes: int = 512 * 1024
    producer_linger_ms: int = 5
    producer_compression: str | None = None  # "gzip", "lz4", "zstd" (needs their packages)
    # How long a consumer keeps running a step again while PostgreSQL is unavailable (a
    # restart, a failover) before it crashes before commit (services/runtime/outage.py).
    database_outage_seconds: float = 120.0
    log_level: str = "INFO"
    log_json: bool = False
    # Where the Faust services' /healthz and /metrics listen; 0.0.0.0 in a container.
    web_host: str = "127.0.0.1"

    def topic(self, name: str) -> str:
        """The physical topic name for a catalogue name."""
        return f"{self.topic_prefix}{name}"

    def group(self, service: str) -> str:
        """Consumer group / Faust app id of a service."""
        return f"{self.topic_prefix}tanggap-{service}"

    def directory(self) -> Directory:
        return load_directory(self.tenant, self.tenants_dir)
