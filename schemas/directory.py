"""The tenant's agency directory, read from its one YAML file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

TENANTS_DIR = Path(__file__).resolve().parent.parent / "tenants"
DEFAULT_TENANT = "ketapang"


class Agency(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    code: str
    kind: Literal["agency", "district", "center", "external"]
    name: str
    matters: str | None = None


class Regency(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    code: str
    name: str
    timezone: str
    center: str


class Directory(BaseModel):
    model_config = ConfigDict(frozen=True)

    regency: Regency
    agencies: tuple[Agency, ...]

    def get(self, code: str) -> Agency | None:
        """The agency with this code, if any."""
        return next((a for a in self.agencies if a.code == code), None)

    def codes(self, *kinds: str) -> list[str]:
        """Agency codes, optionally only of the given kinds."""
        return [a.code for a in self.agencies if not kinds or a.kind in kinds]

    def assignable(self) -> list[str]:
        """Codes that can hold a case and therefore have an assignment topic."""
        return self.codes("agency", "district", "center")


def tenant_dir(tenant: str = DEFAULT_TENANT, root: Path | None = None) -> Path:
    """Folder of a tenant's configuration files."""
    return (root or TENANTS_DIR) / tenant


@lru_cache(maxsize=8)
def load_directory(tenant: str = DEFAULT_TENANT, root: Path | None = None) -> Directory:
    """Load and validate a tenant's agencies.yaml."""
    path = tenant_dir(tenant, root) / "agencies.yaml"
    return Directory.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
