"""Gender normalisation to "Nam" / "Nữ" (digits are never mapped: 0/1 codings differ by source)."""

from __future__ import annotations

import polars as pl

from ducpho_etl.codes import declare
from ducpho_etl.normalize.names import append_codes, apply_on_unique, code_if, fold_expr

REASONS: dict[str, tuple[str, str]] = {
    "gender_missing": ("Thiếu giới tính", "Gender is missing"),
    "gender_unknown": ("Không nhận dạng được giới tính", "Gender value not recognised"),
}
declare(REASONS, "note")

MALE = "Nam"
FEMALE = "Nữ"

# accent-free, lower-case, punctuation-free spellings
GENDER_MAP: dict[str, str] = {
    "nam": MALE,
    "m": MALE,
    "male": MALE,
    "trai": MALE,
    "gioi tinh nam": MALE,
    "nam gioi": MALE,
    "nu": FEMALE,
    "f": FEMALE,
    "female": FEMALE,
    "gai": FEMALE,
    "gioi tinh nu": FEMALE,
    "nu gioi": FEMALE,
}


def gender_key_expr(expr: pl.Expr) -> pl.Expr:
    return (
        fold_expr(expr.str.normalize("NFC")).str.replace_all(r"[^a-z0-9]+", " ").str.strip_chars()
    )


def normalize_gender(df: pl.DataFrame, col: str = "gioi_tinh") -> pl.DataFrame:
    """Add ``gender`` ("Nam" | "Nữ" | null) and gender codes (once per unique value)."""
    return apply_on_unique(df, [col], lambda u: _gender_core(u, col), ["gender"])


def _gender_core(df: pl.DataFrame, col: str) -> pl.DataFrame:
    raw = pl.col(col)
    key = gender_key_expr(raw)
    gender = key.replace_strict(GENDER_MAP, default=None, return_dtype=pl.String)
    present = raw.str.strip_chars().str.len_chars().fill_null(0) > 0
    df = df.with_columns(gender.alias("gender"), present.alias("__present"))
    present = pl.col("__present")
    df = append_codes(
        df,
        [
            code_if(~present, "gender_missing"),
            code_if(present & pl.col("gender").is_null(), "gender_unknown"),
        ],
    )
    return df.drop("__present")
