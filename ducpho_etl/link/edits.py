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
    deleted letter away (Python per distinct key: name keys are short and repeat a lot)."""
    distinct = [key for key in keys.drop_nulls().unique().to_list() if len(key) >= min_len]
    found = {(key, key) for key in distinct}
    found |= {(key, key[:i] + key[i + 1:]) for key in distinct for i in range(len(key))}
    return pl.DataFrame(list(found), schema={"_key": pl.Utf8, "_variant": pl.Utf8}, orient="row")


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
