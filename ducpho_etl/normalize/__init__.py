"""Row-level normalisation of citizen-data extracts.

``normalize_frame(df)`` adds cleaned columns (name, keys, birth date parts, gender, ids,
commune codes) and ``norm_codes`` (List(Utf8) of machine codes; see ``REASONS``).
Input columns and extra columns pass through untouched.
"""

from __future__ import annotations

import polars as pl

from ducpho_etl.normalize import dates, gender, ids, names, places
from ducpho_etl.normalize.dates import normalize_dates
from ducpho_etl.normalize.gender import normalize_gender
from ducpho_etl.normalize.ids import century_from_id, check_id_consistency, normalize_ids
from ducpho_etl.normalize.names import codes_to_list, normalize_names
from ducpho_etl.normalize.places import normalize_places

REASONS: dict[str, tuple[str, str]] = {
    **names.REASONS,
    **dates.REASONS,
    **gender.REASONS,
    **ids.REASONS,
    **places.REASONS,
}

OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    "name": pl.String(),
    "name_key": pl.String(),
    "family_key": pl.String(),
    "middle_key": pl.String(),
    "given_key": pl.String(),
    "birth_year": pl.Int32(),
    "birth_month": pl.Int8(),
    "birth_day": pl.Int8(),
    "birth_precision": pl.String(),
    "gender": pl.String(),
    "id12": pl.String(),
    "id12_status": pl.String(),
    "id12_consistent": pl.Boolean(),
    "cmnd9": pl.String(),
    "bhxh10": pl.String(),
    "mst10": pl.String(),
    "mst_valid": pl.Boolean(),
    "ma_xa": pl.String(),
    "xa_2025": pl.String(),
    "norm_codes": pl.List(pl.String()),
}


def _restore_numeric_id_zeros(df: pl.DataFrame) -> pl.DataFrame:
    """An ID from a numeric spreadsheet cell lost every leading zero: one for most provinces
    (11 digits), two for 001-009 (10 digits). Give the 10-digit ones one zero back here; the ID
    normaliser then restores the last one and flags the value as padded. A 10-digit text cell
    (a CSV saved from Excel) is padded by the ID normaliser only when it reads as an ID (known
    province, century-gender digit 0-5): only a number cell proves the zeros were dropped."""
    if "numeric_cells" not in df.columns or "so_dinh_danh" not in df.columns:
        return df
    numeric = pl.col("numeric_cells").list.contains("so_dinh_danh").fill_null(False)
    ten = pl.col("so_dinh_danh").str.strip_chars().str.replace(r"\.0+$", "").str.contains(r"^[0-9]{10}$")
    return df.with_columns(
        pl.when(numeric & ten.fill_null(False))
        .then(pl.lit("0") + pl.col("so_dinh_danh").str.strip_chars().str.replace(r"\.0+$", ""))
        .otherwise(pl.col("so_dinh_danh")).alias("so_dinh_danh"))


def normalize_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Normalise a raw extract frame; returns the input columns plus ``OUTPUT_SCHEMA`` columns."""
    out = df.drop([c for c in OUTPUT_SCHEMA if c in df.columns])
    # codes accumulate as a "|"-joined string (fast), converted to List(Utf8) at the end
    out = out.with_columns(pl.lit("", dtype=pl.String).alias("norm_codes"))
    out = normalize_names(out)
    out = normalize_dates(out)
    out = normalize_gender(out)
    if "so_dinh_danh" in out.columns:  # keep the value as sent; the padding is only for parsing
        out = out.with_columns(pl.col("so_dinh_danh").alias("__id_as_sent"))
        out = normalize_ids(_restore_numeric_id_zeros(out))
        out = out.with_columns(pl.col("__id_as_sent").alias("so_dinh_danh")).drop("__id_as_sent")
    else:
        out = normalize_ids(out)
    out = check_id_consistency(century_from_id(out))
    out = normalize_places(out)
    out = out.with_columns(codes_to_list(pl.col("norm_codes")).alias("norm_codes"))
    keep = [c for c in df.columns if c not in OUTPUT_SCHEMA]
    return out.select(*keep, *[pl.col(c).cast(t) for c, t in OUTPUT_SCHEMA.items()])


__all__ = ["OUTPUT_SCHEMA", "REASONS", "normalize_frame"]
