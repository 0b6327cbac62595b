"""Which distinct keys are one edit, or a substring, away from which: by joins, never all pairs.

Two strings one edit (Levenshtein) apart share a one-deletion variant, so joining the variants of
both sides finds every such pair among distinct keys in time that grows with the keys, not their
product. Used by blocking (a typo in the name key a block leaves free) and by the exact count of
agreement levels among all pairs (ducpho_etl.link.frequencies).
"""

from __future__ import annotations

import polars as pl
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cpdist


def deletions(keys: pl.Series, min_len: int = 0) -> pl.DataFrame:
    """(_key, _variant): each distinct key of `min_len`+ letters with itself and every string one
    deleted letter away."""
    keys = keys.drop_nulls()
    frame = pl.DataFrame({"_key": keys.filter(keys.str.len_chars() >= min_len).unique()},
                         schema={"_key": pl.Utf8})
    if frame.height == 0:
        return frame.with_columns(pl.col("_key").alias("_variant"))
    longest = int(frame["_key"].str.len_chars().max() or 0)
    key = pl.col("_key")
    variants = [frame.with_columns(key.alias("_variant"))]
    for i in range(longest):
        variants.append(frame.filter(key.str.len_chars() > i).with_columns(
            (key.str.slice(0, i) + key.str.slice(i + 1)).alias("_variant")))
    return pl.concat(variants).unique()


def neighbours(left: pl.DataFrame, right: pl.DataFrame) -> pl.DataFrame:
    """(_key, _near): a left key and each right key exactly one edit away, from the two sides'
    `deletions` tables."""
    pairs = (left.join(right.rename({"_key": "_near"}), on="_variant")
             .select("_key", "_near").unique().filter(pl.col("_key") != pl.col("_near")))
    if pairs.height == 0:
        return pairs
    dist = cpdist(pairs["_key"].to_list(), pairs["_near"].to_list(), scorer=Levenshtein.distance,
                  workers=1)
    return pairs.filter(pl.Series(dist == 1))


def substrings(keys: pl.Series) -> pl.DataFrame:
    """(_key, _part): each distinct non-empty key with every non-empty substring of it (itself
    included), for "one contains the other" among distinct keys (Python per distinct key: keys
    here are short middle names, a few hundred distinct)."""
    found = [(key, key[i:j]) for key in keys.drop_nulls().unique().to_list() if key
             for i in range(len(key)) for j in range(i + 1, len(key) + 1)]
    return pl.DataFrame(found, schema={"_key": pl.Utf8, "_part": pl.Utf8}, orient="row").unique()
