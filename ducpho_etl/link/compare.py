"""Field comparisons for (row, registry candidate) pairs, as agreement levels and weights.

Levels are Fellegi–Sunter style: each field's level adds its log2(m/u) weight to the pair's score.
Pairs carry row fields prefixed `r_` and candidate fields prefixed `c_`. The comparisons, their
levels, weights and compatibility are declared once in ducpho_etl.link.comparisons.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz.process import cdist, cpdist

from ducpho_etl.link.comparisons import (
    BY_NAME,
    COMPARISONS,
    NO_DISTANCE,
    TYPO_MIN_LEN,
    compatible,
)

__all__ = ["TYPO_MIN_LEN", "WEIGHTS", "pair_levels", "apply_weights",
           "edit_distance", "same_name", "with_distance"]

COMPARED = ["name", "family_key", "middle_key", "given_key", "birth_year", "birth_month",
            "birth_day", "gender", "xa_2025", "xa_old"]

# The hand-set weights (the fallback model), read from the declarations.
WEIGHTS: dict[str, dict[str, float]] = {c.name: c.weights for c in COMPARISONS}

# edit_distance computes a matrix of every distinct left value against every distinct right value
# when it has at most this many cells (names), else pair by pair (IDs).
MAX_DISTANCE_MATRIX = 4_000_000


def same_name() -> pl.Expr:
    """A pair whose family and given names are the same (up to equivalents such as Huỳnh/Hoàng,
    and accents)."""
    return (pl.col("lvl_family").is_in(["exact", "equiv"])
            & pl.col("lvl_given").is_in(["exact", "accentless"]))


def edit_distance(left: pl.Series, right: pl.Series, scorer) -> np.ndarray:
    """Edit distance of aligned string pairs (null counts as ""). Equal pairs (most of them) are
    0 without computing; names repeat, so with few distinct values on each side every distinct
    pair of values is computed once (a matrix) and looked up by index; otherwise pair by pair."""
    out = np.zeros(left.len(), dtype=np.int32)
    a, b = left.fill_null(""), right.fill_null("")
    differ = (a != b).to_numpy()
    if not differ.any():
        return out
    a, b = a.filter(pl.Series(differ)), b.filter(pl.Series(differ))
    values_a, values_b = a.unique(), b.unique()
    if values_a.len() * values_b.len() > MAX_DISTANCE_MATRIX:
        out[differ] = cpdist(a.to_list(), b.to_list(), scorer=scorer, workers=1)
        return out
    matrix = cdist(values_a.to_list(), values_b.to_list(), scorer=scorer, dtype=np.int32,
                   workers=1)
    index_a = a.cast(pl.Enum(values_a)).to_physical().to_numpy()
    index_b = b.cast(pl.Enum(values_b)).to_physical().to_numpy()
    out[differ] = matrix[index_a, index_b]
    return out


def apply_weights(levels: pl.DataFrame, weights: dict[str, dict[str, float]]) -> pl.DataFrame:
    """w_<field> for each level column and their sum `score` (replaces earlier weights)."""
    frame = levels.drop([c for c in levels.columns if c.startswith("w_") or c == "score"])
    frame = frame.with_columns(
        pl.col(f"lvl_{field}").replace_strict(table, return_dtype=pl.Float64).alias(f"w_{field}")
        for field, table in weights.items())
    return frame.with_columns(score=pl.sum_horizontal([f"w_{field}" for field in weights]))


def with_distance(pairs: pl.DataFrame, name: str) -> pl.DataFrame:
    """`_d_<name>`: the edit distance its comparison declares (the ID's only between 12-digit
    IDs, NO_DISTANCE otherwise)."""
    left, right, scorer = BY_NAME[name].distance
    if name != "id":
        return pairs.with_columns(pl.Series(f"_d_{name}",
                                            edit_distance(pairs[left], pairs[right], scorer)))
    usable = (pairs[left].str.len_chars() == 12).fill_null(False).to_numpy()
    distance = np.full(pairs.height, NO_DISTANCE, dtype=np.int32)
    if usable.any():
        both = pairs.filter(pl.Series(usable))
        distance[usable] = edit_distance(both[left], both[right], scorer)
    return pairs.with_columns(pl.Series(f"_d_{name}", distance))


def pair_levels(pairs: pl.DataFrame) -> pl.DataFrame:
    """Add the agreement level of each comparison (lvl_*) and `compatible` to a pair frame."""
    measured = [c.name for c in COMPARISONS if c.distance is not None]
    for name in measured:
        pairs = with_distance(pairs, name)
    levels = pairs.with_columns(c.level().alias(f"lvl_{c.name}") for c in COMPARISONS)
    return levels.with_columns(compatible().alias("compatible")).drop(
        [f"_d_{name}" for name in measured])
