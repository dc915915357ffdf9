"""A second, secured broker (SASL/SCRAM + ACLs) for this session, and principals on it.

The shared plain broker is never touched: deploy/kafka.sh starts another instance on free
ports with its own data directory under pytest's tmp, and stops it at the end.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.runtime.settings import RuntimeSettings
from tests.support.processes import free_port, tanggap_bin

ROOT = Path(__file__).resolve().parents[3]
TENANTS = Path(__file__).parent / "tenants"


@dataclass(frozen=True)
class SecuredBroker:
    bootstrap: str
    credentials: Path  # password files: admin's from format time, the rest from the CLI
    logs: Path

    def settings(self, user: str, prefix: str = "", password: str | None = None,
                 **extra: object) -> RuntimeSettings:
        """Settings of a client that authenticates as `user` (password from its file)."""
        secret = ({"kafka_password": password} if password is not None
                  else {"kafka_password_file": self.credentials / f"{user}.password"})
        return RuntimeSettings(kafka_bootstrap_servers=self.bootstrap,
                               kafka_security_protocol="SASL_PLAINTEXT", kafka_username=user,
                               topic_prefix=prefix, kafka_credentials_dir=self.credentials,
                               **secret, **extra)  # type: ignore[arg-type]

    def env(self, user: str, prefix: str, **extra: str) -> dict[str, str]:
        """Environment of a `tanggap` process that authenticates as `user`."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TANGGAP_KAFKA")}
        env.update({"KAFKA_BOOTSTRAP_SERVERS": self.bootstrap, "TANGGAP_TOPIC_PREFIX": prefix,
                    "TANGGAP_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                    "TANGGAP_KAFKA_USERNAME": user,
                    "TANGGAP_KAFKA_PASSWORD_FILE": str(self.credentials / f"{user}.password"),
                    "TANGGAP_KAFKA_CREDENTIALS_DIR": str(self.credentials)})
        env.update(extra)
        return env

    def tanggap(self, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run([tanggap_bin(), *args], env=env, capture_output=True, text=True,
                              timeout=180)

    def denials(self) -> str:
        """What the authorizer refused so far (kafka.authorizer.logger lines)."""
        log = self.logs / "server.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        return "\n".join(line for line in text.splitlines() if "Denied" in line)


@pytest.fixture(scope="session")
def secured_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredBroker]:
    var = tmp_path_factory.mktemp("secured-kafka")
    port, controller = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    env.update({"TANGGAP_VAR": str(var), "TANGGAP_KAFKA_PORT": str(port),
                "TANGGAP_KAFKA_CONTROLLER_PORT": str(controller),
                "TANGGAP_KAFKA_SECURITY": "scram"})
    script = str(ROOT / "deploy" / "kafka.sh")
    subprocess.run([script, "start"], env=env, check=True, timeout=300)
    try:
        yield SecuredBroker(f"127.0.0.1:{port}", var / "kafka" / "credentials",
                            var / "kafka" / "logs")
    finally:
        subprocess.run([script, "stop"], env=env, check=False, timeout=120)


@dataclass(frozen=True)
class Namespace:
    """One tenant's topics and principals on the secured broker, set up by the CLI."""

    broker: SecuredBroker
    prefix: str
    tenant: str
    tenants_dir: Path

    @property
    def admin(self) -> RuntimeSettings:
        return self.broker.settings("admin", self.prefix, tenant=self.tenant,
                                    tenants_dir=self.tenants_dir)

    def as_user(self, user: str, password: str | None = None) -> RuntimeSettings:
        return self.broker.settings(user, self.prefix, password, tenant=self.tenant,
                                    tenants_dir=self.tenants_dir)

    def env(self, user: str = "admin", **extra: str) -> dict[str, str]:
        return self.broker.env(user, self.prefix, TANGGAP_TENANT=self.tenant,
                               TANGGAP_TENANTS_DIR=str(self.tenants_dir), **extra)


async def namespace(broker: SecuredBroker, prefix: str, tenant: str, tenants_dir: Path,
                    onboard: bool) -> Namespace:
    """Topics, service principals and ACLs made the operator's way: `tanggap` commands."""
    space = Namespace(broker, prefix, tenant, tenants_dir)
    for command in (("topics", "create"), ("acl", "apply")):
        done = broker.tanggap(*command, env=space.env())
        assert done.returncode == 0, done.stderr
    if onboard:
        for code in space.admin.directory().assignable():
            done = broker.tanggap("agency", "onboard", code, env=space.env())
            assert done.returncode == 0, done.stderr
    return space


@pytest.fixture(scope="session")
async def pairs(secured_broker: SecuredBroker) -> AsyncIterator[Namespace]:
    """The test tenant with every agency onboarded."""
    yield await namespace(secured_broker, "p.", "pairs", TENANTS, onboard=True)


@pytest.fixture(scope="session")
async def ketapang(secured_broker: SecuredBroker) -> AsyncIterator[Namespace]:
    """The real tenant's topics and service principals, for the services end to end."""
    from schemas.directory import TENANTS_DIR

    yield await namespace(secured_broker, "k.", "ketapang", TENANTS_DIR, onboard=False)
