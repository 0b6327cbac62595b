"""The content key of a reconciliation row: what a decision is attached to.

sha256 over the source, the row's normalised identity fields and the values as sent, never the
file name, sheet or row number: a file re-sent with its rows in another order (or split into
other files) keeps its decisions, while a row whose content changed no longer carries one.
Works on a published reconciliation frame (`raw_*` columns) and on reconcile's working frame
(the raw fields under their own names); both give the same key. sha256, not polars' hash: keys
are stored for years and polars' hash may change between versions.
"""

from __future__ import annotations

import hashlib

import polars as pl

# the fields as sent (published as raw_<field>)
RAW_FIELDS = ["ho_ten", "ngay_sinh", "gioi_tinh", "so_dinh_danh", "so_cmnd", "ma_bhxh",
              "the_bhyt", "mst", "xa", "dia_chi", "thon"]
# the normalised identity fields (names as in reconciliation/<source>.parquet)
IDENTITY_FIELDS = ["name", "birth_year", "birth_month", "birth_day", "gender", "id12", "cmnd9",
                   "bhxh10", "mst10"]
_SEP = "\x1f"  # unit separator: cannot occur in a cell after reading
_NULL = "\x00"


def _text(frame: pl.DataFrame, *names: str) -> pl.Expr:
    """The first of `names` present in the frame as NFC text (null as a marker), or the marker."""
    for name in names:
        if name in frame.columns:
            column = pl.col(name)
            text = column.str.normalize("NFC") if frame.schema[name] == pl.Utf8 \
                else column.cast(pl.Utf8)
            return text.fill_null(_NULL)
    return pl.lit(_NULL)


def row_content_key(frame: pl.DataFrame) -> pl.Series:
    """One 64-hex-digit key per row (named `row_key`), independent of row order, file name and
    row number."""
    parts = [_text(frame, "source")]
    parts += [_text(frame, f) for f in IDENTITY_FIELDS]
    parts += [_text(frame, f"raw_{f}", f) for f in RAW_FIELDS]
    content = frame.select(pl.concat_str(parts, separator=_SEP).alias("c"))["c"]
    sha256 = hashlib.sha256
    return pl.Series("row_key", [sha256(c.encode("utf-8")).hexdigest() for c in content.to_list()],
                     dtype=pl.Utf8)
