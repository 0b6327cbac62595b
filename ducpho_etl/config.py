"""The run's configuration, and the only module that reads environment variables.

`RunConfig` is built once (by `load_config`, from the CLI's options, the environment and an
optional TOML file, in that order of precedence), validated with clear errors and passed down:
the Prefect flows take it as their one typed parameter, so the UI shows and checks it. The
library below reads what it needs from the functions here (each reads its variable at the call,
so a test or a deployment may set it), never from `os.environ` itself.

It imports nothing of ducpho_etl: every layer may use it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

DEFAULT_DATA_YEAR = 2023
"""The year the extracts refer to unless told: old ward or new commune, ages checked."""
REGISTRY_REFERENCE_YEAR = 2026
"""The year the registry extract describes (its communes are the merged ones)."""
DEFAULT_MAX_WORKERS = 2
"""Sources processed at once. Each is CPU-bound (polars uses every core already), so more
workers mostly cost memory."""

SCHEMAS_ENV = "DUCPHO_SCHEMAS_DIR"
MAX_WORKERS_ENV = "DUCPHO_MAX_WORKERS"
DB_URL_ENV = "DUCPHO_DB_URL"
FOLLOW_SYMLINKS_ENV = "DUCPHO_FOLLOW_SYMLINKS"
PSEUDONYM_KEY_ENV = "DUCPHO_PSEUDONYM_KEY"
NOTIFY_FILE_ENV = "DUCPHO_NOTIFY_FILE"
NOTIFY_URL_ENV = "DUCPHO_NOTIFY_URL"
CONFIG_FILE_ENV = "DUCPHO_CONFIG"
PREFECT_API_URL_ENV = "PREFECT_API_URL"
# Quiet, local Prefect defaults for one-off runs (a user's own settings win). The embedded server
# migrates its database on first use: on a slow or busy laptop that takes longer than Prefect's
# 20 s default, and the first run would fail for nothing.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_TO_API_BATCH_INTERVAL": "0.5",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}


class ConfigError(ValueError):
    """The configuration cannot be used (a bad value, a missing folder): says which and why."""


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


# --- what the library reads from the environment, each at the call ---------------------------

def schemas_override() -> str:
    """$DUCPHO_SCHEMAS_DIR as set ('' for the package's own schemas/)."""
    return _env(SCHEMAS_ENV)


def db_url() -> str | None:
    """$DUCPHO_DB_URL: where the decision store lives (None: not configured)."""
    return _env(DB_URL_ENV) or None


def follow_symlinks() -> bool:
    return _env(FOLLOW_SYMLINKS_ENV).lower() in ("1", "true", "yes")


def pseudonym_key_text(environ: dict[str, str] | None = None) -> str:
    """$DUCPHO_PSEUDONYM_KEY ('' when unset); `environ` stands for the process's in tests."""
    return (environ if environ is not None else os.environ).get(PSEUDONYM_KEY_ENV, "")


def notify_destinations() -> tuple[Path | None, str | None]:
    """(file, url) for failure notices; either may be unset."""
    file = os.environ.get(NOTIFY_FILE_ENV) or None
    return (Path(file) if file else None), (os.environ.get(NOTIFY_URL_ENV) or None)


def limit_override(name: str) -> str:
    """$DUCPHO_<NAME> for one of ingest.limits.Limits ('' when unset)."""
    return _env(limit_env_name(name))


def limit_env_name(name: str) -> str:
    return f"DUCPHO_{name.upper()}"


def prefect_api_url() -> str | None:
    return os.environ.get(PREFECT_API_URL_ENV) or None


def terminal_columns() -> int | None:
    columns = _env("COLUMNS")
    return int(columns) if columns.isdigit() else None


def set_prefect_defaults(home: Path) -> None:
    """Prefect reads its settings when imported: called before any module imports it."""
    for name, value in {**PREFECT_DEFAULTS, "PREFECT_HOME": str(home)}.items():
        os.environ.setdefault(name, value)


def export(values: dict[str, str]) -> None:
    """Put values into this process's environment, for the child processes it starts."""
    os.environ.update(values)


# --- the run's configuration --------------------------------------------------------------------

class RunConfig(BaseModel):
    """Everything one run depends on besides its input files, fixed for the run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input_dir: Path
    output_dir: Path
    sources: tuple[str, ...] | None = Field(
        default=None, description="Only these source keys (None: every source)")
    data_year: Annotated[int, Field(ge=1900, le=2100)] = DEFAULT_DATA_YEAR
    registry_year: Annotated[int, Field(ge=1900, le=2100)] = REGISTRY_REFERENCE_YEAR
    schemas_dir: Path | None = Field(
        default=None, description="A schemas folder of one's own (None: the package's)")
    workers: Annotated[int, Field(ge=1, le=64)] = DEFAULT_MAX_WORKERS
    force: bool = Field(default=False, description="Recompute even unchanged sources")
    cache: bool = Field(default=True, description="Read and write the per-source cache")
    db_url: str | None = Field(default=None, description="The decision store (DUCPHO_DB_URL)")
    # the source contracts of schemas_dir, loaded once for this configuration
    # (contracts.run_contracts); not a parameter: a run in another process loads its own
    _contracts: dict | None = PrivateAttr(default=None)

    @field_validator("schemas_dir")
    @classmethod
    def _schemas_folder(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        path = Path(value).expanduser().resolve()
        if not path.is_dir():
            raise ValueError(f"{value}: not a folder")
        return path

    @property
    def cache_dir(self) -> Path:
        return self.output_dir / ".cache"


def load_config(input_dir: Path | str, output_dir: Path | str, *,
                config_file: Path | None = None, **options) -> RunConfig:
    """The run's configuration: `options` given (not None) win over the environment, which wins
    over the config file (TOML, keys as RunConfig's; $DUCPHO_CONFIG when not given), which wins
    over the defaults. Raises ConfigError naming the setting."""
    values: dict = {}
    config_file = config_file or (Path(_env(CONFIG_FILE_ENV)) if _env(CONFIG_FILE_ENV) else None)
    if config_file is not None:
        try:
            values.update(tomllib.loads(Path(config_file).read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{config_file}: {exc}") from None
    environment = {"schemas_dir": schemas_override() or None, "workers": _env(MAX_WORKERS_ENV),
                   "db_url": db_url()}
    values.update({k: v for k, v in environment.items() if v})
    values.update({k: v for k, v in options.items() if v is not None})
    values.update(input_dir=input_dir, output_dir=output_dir)
    try:
        return RunConfig(**values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        raise ConfigError(f"cấu hình không hợp lệ / invalid configuration: {problems}") from None
