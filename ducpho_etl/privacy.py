"""Masking of personal identifiers wherever officers or logs may see them."""

from __future__ import annotations

import re

import polars as pl

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
