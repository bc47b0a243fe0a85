"""How the central reaches the province's system: a TOML file (`kiosk central serve --province FILE`
or $KIOSK_PROVINCE_CONFIG). Secrets stay out of it: the file names environment variables."""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kiosk.contract.config import ConfigError, config_error

Level = Literal["very_satisfied", "satisfied", "unsatisfied"]
LEVELS: tuple[Level, ...] = ("very_satisfied", "satisfied", "unsatisfied")
_NAME = r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$"  # a JSON field name or a header name


def _same_levels() -> dict[Level, str]:
    return {level: str(level) for level in LEVELS}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DossierFields(_Strict):
    """Their JSON field names for a dossier's look-up answer."""
    code: str = Field(default="code", pattern=_NAME)
    status: str = Field(default="status", pattern=_NAME)
    procedure_name: str = Field(default="procedure_name", pattern=_NAME)
    received_date: str = Field(default="received_date", pattern=_NAME)
    due_date: str = Field(default="due_date", pattern=_NAME)
    finished_date: str = Field(default="finished_date", pattern=_NAME)
    new_due_date: str = Field(default="new_due_date", pattern=_NAME)  # a late dossier's new appointment date
    office: str = Field(default="office", pattern=_NAME)
    external_id: str = Field(default="id", pattern=_NAME)


class RatingFields(_Strict):
    """Their JSON field names for a rating push."""
    dossier_code: str = Field(default="dossier_code", pattern=_NAME)
    level: str = Field(default="level", pattern=_NAME)
    reason: str = Field(default="reason", pattern=_NAME)
    reason_code: str = Field(default="reason_code", pattern=_NAME)
    officer: str = Field(default="officer", pattern=_NAME)
    rated_at: str = Field(default="rated_at", pattern=_NAME)
    counter: str = Field(default="counter", pattern=_NAME)
    agency: str = Field(default="agency", pattern=_NAME)


class ProvinceSettings(_Strict):
    base_url: str = Field(pattern=r"^https?://[^\s]+$", description="e.g. https://dvc.camau.gov.vn/api")
    lookup_path: str = Field(default="/dossiers/{code}", pattern=r"^/.*\{code\}")
    rating_path: str = Field(default="/ratings", pattern=r"^/")
    # auth: a fixed header (e.g. X-API-Key, or Authorization = "Bearer ...") read from an env variable,
    # and/or a token fetched from token_path with client credentials, fetched again when it expires or a 401 comes
    auth_header: str = Field(default="Authorization", pattern=_NAME)
    auth_env: str | None = Field(default=None, pattern=_NAME)
    token_path: str | None = Field(default=None, pattern=r"^/")
    client_id_env: str | None = Field(default=None, pattern=_NAME)
    client_secret_env: str | None = Field(default=None, pattern=_NAME)
    timeout_s: float = Field(default=2.0, gt=0, le=60)
    cache_ttl_s: float = Field(default=300, ge=0, le=86400)   # a stored look-up is fresh this long
    miss_ttl_s: float = Field(default=60, ge=0, le=3600)      # "no such dossier" is remembered this long
    push_every_s: float = Field(default=10, gt=0, le=3600)
    push_batch: int = Field(default=50, ge=1, le=1000)
    retry_initial_s: float = Field(default=10, gt=0, le=3600)
    retry_max_s: float = Field(default=900, gt=0, le=86400)
    reason_wait_s: float = Field(default=300, ge=0, le=3600)  # an unsatisfied rating waits this long for its reason
    levels: dict[Level, str] = Field(default_factory=_same_levels)  # ours -> theirs
    dossier_fields: DossierFields = DossierFields()
    rating_fields: RatingFields = RatingFields()
    export_dir: str | None = None             # the daily CSV/XLSX files (None: no daily file)
    export_format: Literal["csv", "xlsx"] = "csv"

    @field_validator("base_url")
    @classmethod
    def _no_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def secret(self, env: str | None) -> str | None:
        return os.environ.get(env) if env else None


def load_settings(path: str | Path) -> ProvinceSettings:
    path = Path(path)
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: province config file not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the province config: {exc}") from None
    section = data.get("province", data)
    try:
        return ProvinceSettings.model_validate(section)
    except ValidationError as exc:
        raise config_error(exc, str(path), ("province",) if "province" in data else ()) from None
