"""Personal data protection in one place: masking of identifiers wherever officers or logs may
see them, owner-only files at rest, and keyed pseudonyms for research copies."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
from pathlib import Path

import polars as pl

from ducpho_etl import config

_DIGIT_RUN = re.compile(r"\d{9,12}")


def mask_id(value: str | None) -> str | None:
    """'051085123456' -> '051******456': keeps the province and the last three digits."""
    if value is None:
        return None
    if len(value) <= 6:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 6) + value[-3:]


def mask_id_expr(expr: pl.Expr) -> pl.Expr:
    length = expr.str.len_chars()
    return pl.when(length <= 6).then(pl.lit("******")).otherwise(
        pl.concat_str(expr.str.slice(0, 3), pl.lit("").str.pad_start(length - 6, "*"),
                      expr.str.slice(-3))
    )


def scrub(text: str) -> str:
    """Mask every 9-to-12-digit run in free text (error messages, log lines)."""
    return _DIGIT_RUN.sub(lambda m: mask_id(m.group(0)) or "", text)


# --- personal data at rest -------------------------------------------------------------------
# Outputs, cache and staging hold names, birth dates and ID numbers: only the account that runs
# the pipeline may read them (Law 91/2025/QH15: access control), whatever the umask of the shell
# or of a Prefect worker process.
OWNER_FILE_MODE = 0o600
OWNER_DIR_MODE = 0o700
OWNER_UMASK = 0o077


def owner_only_umask() -> int:
    """Make every file this process creates from now on owner-only; returns the previous umask."""
    return os.umask(OWNER_UMASK)


def restrict(path: Path) -> None:
    """chmod a file to 0600, or a folder and everything under it to 0700/0600 (symlinks left
    alone). Explicit, so that a process that did not set the umask (a worker) is covered too."""
    path = Path(path)
    if path.is_symlink() or not path.exists():
        return
    if path.is_file():
        path.chmod(OWNER_FILE_MODE)
        return
    path.chmod(OWNER_DIR_MODE)
    for root, dirs, files in os.walk(path):
        for name in dirs:
            child = Path(root, name)
            if not child.is_symlink():
                child.chmod(OWNER_DIR_MODE)
        for name in files:
            child = Path(root, name)
            if not child.is_symlink():
                child.chmod(OWNER_FILE_MODE)


def owner_only_dir(path: Path) -> Path:
    """mkdir -p with mode 0700 for the folder itself (parents as the umask gives them)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if not path.is_symlink():
        path.chmod(OWNER_DIR_MODE)
    return path


# --- pseudonyms for research copies ------------------------------------------------------------
PSEUDONYM_KEY_ENV = config.PSEUDONYM_KEY_ENV
_LETTERS = "abcdefghjkmnpqrstuvwxyz"  # no digits: a pseudonym never looks like an ID number


class PseudonymKeyMissing(RuntimeError):
    """The key for keyed pseudonyms is not set (or too short)."""


def pseudonym_key(environ: dict[str, str] | None = None) -> bytes:
    """The HMAC key from DUCPHO_PSEUDONYM_KEY: kept apart from the data, never written with it."""
    value = config.pseudonym_key_text(environ)
    if len(value) < 16:
        raise PseudonymKeyMissing(
            f"Chưa đặt khóa bí danh: biến môi trường {PSEUDONYM_KEY_ENV} (ít nhất 16 ký tự), giữ "
            f"riêng, không lưu cùng dữ liệu / set {PSEUDONYM_KEY_ENV} (at least 16 characters), "
            "kept apart from the data")
    return value.encode("utf-8")


def pseudonym(key: bytes, kind: str, value: str) -> str:
    """Keyed HMAC-SHA256 of one value, as 20 letters: the same value and key give the same
    pseudonym in every run; without the key it cannot be reversed or recomputed."""
    digest = hmac.new(key, f"{kind}\x1f{value}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:16], "big")
    letters = []
    for _ in range(20):
        number, rest = divmod(number, len(_LETTERS))
        letters.append(_LETTERS[rest])
    return "".join(letters)


def _name_form(value: str) -> str:
    """One spelling per name: NFC, collapsed spaces, upper case."""
    return " ".join(unicodedata.normalize("NFC", value).split()).upper()


def pseudonymise_column(series: pl.Series, key: bytes, kind: str) -> pl.Series:
    """HMAC pseudonyms of a text column, computed once per distinct value (nulls stay null)."""
    text = series.cast(pl.Utf8)
    unique = text.drop_nulls().unique().to_list()
    form = _name_form if kind == "name" else (lambda v: v.strip())
    table = {v: pseudonym(key, kind, form(v)) for v in unique}
    return text.replace_strict(table, default=None, return_dtype=pl.Utf8).alias(series.name)


def birth_year_of(series: pl.Series) -> pl.Series:
    """A birth date as written ('05/03/1980', '1980-03-05', '1980') -> '1980' (or null)."""
    return series.cast(pl.Utf8).str.extract(r"(1[89]\d\d|20\d\d)", 1).alias(series.name)


# Research copies: what happens to each column of reconciliation/ and cleaned/ (any column not
# listed is left out: a new column never leaks by default).
PSEUDONYMISED = {  # identity -> keyed pseudonym (same person, same pseudonym with the same key)
    "person_id": "id", "id12": "id", "raw_so_dinh_danh": "id", "cmnd9": "cmnd",
    "raw_so_cmnd": "cmnd", "so_cmnd": "cmnd", "bhxh10": "bhxh", "raw_ma_bhxh": "bhxh",
    "ma_bhxh": "bhxh", "raw_the_bhyt": "bhyt", "mst10": "mst", "raw_mst": "mst",
    "ma_so_thue": "mst", "name": "name", "raw_ho_ten": "name", "ho_ten": "name",
    "name_key": "name_key",
}
COARSENED = {"raw_ngay_sinh", "ngay_sinh"}  # birth date -> year
KEPT = {"source", "source_file", "sheet", "source_row", "row_kind", "encoding", "status",
        "link_stage", "match_score", "second_score", "candidate_count", "duplicate_of",
        "reason_codes", "reason", "reason_en", "birth_year", "birth_precision", "gender",
        "id12_status", "ma_xa", "xa_2025", "commune_2025_name", "commune_pre2025_name",
        "raw_gioi_tinh", "gioi_tinh", "raw_xa"}
# left out: birth day and month, addresses, villages, the linkage evidence (candidate IDs)


def pseudonymise_frame(frame: pl.DataFrame, key: bytes) -> tuple[pl.DataFrame, list[str]]:
    """(research copy of one published table, the columns left out)."""
    kept, dropped = [], []
    for name in frame.columns:
        series = frame[name]
        if name in PSEUDONYMISED and series.dtype in (pl.Utf8, pl.Null):
            kept.append(pseudonymise_column(series, key, PSEUDONYMISED[name]))
        elif name in COARSENED and series.dtype in (pl.Utf8, pl.Null):
            kept.append(birth_year_of(series))
        elif name in KEPT:
            kept.append(series)
        else:
            dropped.append(name)
    return pl.DataFrame(kept), dropped
