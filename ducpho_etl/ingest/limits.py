"""Caps on what one extract file may hold, so a hostile or broken file fails alone, clearly.

A file over a cap fails with a message naming the cap and how to raise it; the process goes on.
Each cap can be raised by an environment variable (DUCPHO_MAX_...) for a genuinely large batch.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from ducpho_etl import config


@dataclass(frozen=True)
class Limits:
    max_cell_chars: int = 32_767
    """Excel's own cell limit: a longer cell is a swallowed file, not a value."""
    max_rows: int = 5_000_000
    """Physical rows per table (a CSV/TXT file or a sheet)."""
    max_columns: int = 2_000
    """Columns per table (extracts have ~10-40)."""
    max_xlsx_uncompressed_bytes: int = 600 * 1024 * 1024
    """Sum of the uncompressed sizes of an XLSX's zip members, checked before anything is read."""
    max_file_bytes: int = 2 * 1024 * 1024 * 1024
    """Bytes of any one extract file on disk."""

    @classmethod
    def from_env(cls) -> Limits:
        """Defaults, each overridable by DUCPHO_<NAME> (e.g. DUCPHO_MAX_ROWS=10000000)."""
        values = {}
        for f in fields(cls):
            raw = config.limit_override(f.name)
            if raw:
                values[f.name] = int(raw.replace("_", ""))
        return cls(**values)

    @staticmethod
    def env_name(name: str) -> str:
        return config.limit_env_name(name)


def over_limit(what: str, value: int, cap_name: str, cap: int) -> str:
    """The message for a file over a cap (no data, only sizes)."""
    return (f"{what} {value:,} exceeds the limit {cap:,} ({Limits.env_name(cap_name)}); "
            f"vượt giới hạn cho phép")
