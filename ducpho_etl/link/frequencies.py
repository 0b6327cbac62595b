"""How often each agreement level occurs among all (row, registry person) pairs: counted exactly
from value frequencies, not sampled.

In a random pair the row and the person are independent, so a level's count among all pairs is
a sum, over pairs of distinct values, of the product of their counts. Each field's pairs of
distinct values that can reach a level other than the remainder ("diff", "disagree") are
enumerated by joins (equal words or keys, keys one edit apart, one key inside the other, either
side unknown) and given their level by the very expressions that compare pairs
(ducpho_etl.link.comparisons); the remainder is what is left of all pairs. Birth dates, with too many
distinct values to pair, are counted by arithmetic over years and day-months. This is the u of
Fellegi–Sunter without sampling noise: an exact birth date agrees in ~1 of 30,000 random pairs,
which a sample of 200,000 pairs would see a handful of times.
"""

from __future__ import annotations

import polars as pl

from ducpho_etl.link.compare import with_distance
from ducpho_etl.link.comparisons import BY_NAME, is_jan1
from ducpho_etl.link.edits import substrings

FIELD_COLUMNS = {
    "family": ["family_word", "family_key"],
    "given": ["given_word", "given_key"],
    "middle": ["middle_key"],
    "birth": ["birth_year", "birth_month", "birth_day"],
    "gender": ["gender"],
    "commune": ["xa_2025", "xa_old"],
}
_SAME_VALUE = ["gender", "commune"]


def value_counts(fields: pl.DataFrame, prefix: str) -> dict[str, pl.DataFrame]:
    """Per field, its distinct values (columns `<prefix>_<column>`) and their count `n_<prefix>`.
    A missing middle name is "" (as the middle-name comparison reads it)."""
    out = {}
    for name, columns in FIELD_COLUMNS.items():
        cols = [pl.col(f"{prefix}_{c}") for c in columns]
        if name == "middle":
            cols = [cols[0].fill_null("")]
        if name == "birth":
            cols = [c.cast(pl.Int32) for c in cols]
        out[name] = fields.group_by(cols).agg(pl.len().cast(pl.Int64).alias(f"n_{prefix}"))
    return out


def level_counts(rows: dict[str, pl.DataFrame], registry: dict[str, pl.DataFrame],
                 near: dict[str, pl.DataFrame], registry_substrings: pl.DataFrame
                 ) -> dict[str, dict[str, int]]:
    """{field: {level: number of (row, person) pairs at that level}} over all pairs, from the
    value_counts of both sides, the name keys one edit apart (RegistryIndex.neighbours_of) and
    the registry's middle-name substrings."""
    total = _sum(rows["gender"], "n_r") * _sum(registry["gender"], "n_c")
    out = {"birth": _birth_counts(rows["birth"], registry["birth"], total)}
    for name in ("family", "given", "middle", "gender", "commune"):
        r, c = rows[name], registry[name]
        if name in _SAME_VALUE:  # few distinct values: every pair of them
            pairs = r.join(c, how="cross")
        else:
            pairs = with_distance(
                _name_pairs(name, r, c, near[f"{name}_key"], registry_substrings), name)
        # each pair's level by the comparison's own declaration; what is not enumerated is
        # its last (else) level
        comparison = BY_NAME[name]
        out[name] = _tally(pairs, comparison.level(), total, comparison.levels[-1].label)
    return out


def _sum(frame: pl.DataFrame, column: str) -> int:
    return int(frame[column].sum() or 0)


def _pair_count(pairs: pl.DataFrame) -> int:
    if pairs.height == 0:
        return 0
    return int(pairs.select((pl.col("n_r") * pl.col("n_c")).sum()).item() or 0)


def _tally(pairs: pl.DataFrame, level: pl.Expr, total: int, remainder: str) -> dict[str, int]:
    """Counts per level of the enumerated value pairs; every pair not enumerated is `remainder`."""
    counted = (pairs.with_columns(level.alias("_level"), (pl.col("n_r") * pl.col("n_c")).alias("_w"))
               .group_by("_level").agg(pl.col("_w").sum()))
    out = {lv: int(w) for lv, w in counted.iter_rows()}
    out[remainder] = out.get(remainder, 0) + total - _pair_count(pairs)
    return {lv: n for lv, n in out.items() if n}


def _value_pairs(r: pl.DataFrame, c: pl.DataFrame, r_col: str, c_col: str, nulls: bool
                 ) -> pl.DataFrame:
    """Value pairs that are equal on r_col/c_col and, with `nulls`, those unknown on either side."""
    found = [r.join(c, left_on=r_col, right_on=c_col, coalesce=False)]
    if nulls:
        found += [r.filter(pl.col(r_col).is_null()).join(c, how="cross"),
                  r.join(c.filter(pl.col(c_col).is_null()), how="cross")]
    return pl.concat(found).unique()


def _name_pairs(name: str, r: pl.DataFrame, c: pl.DataFrame, near: pl.DataFrame,
                registry_substrings: pl.DataFrame) -> pl.DataFrame:
    """Value pairs of a name part that can be anything but "diff": equal written words, equal
    keys, keys one edit apart; for the middle name also a side without one, and one key inside
    the other."""
    key = f"{name}_key"
    r_key, c_key = f"r_{key}", f"c_{key}"
    found = [
        _value_pairs(r, c, r_key, c_key, nulls=False),
        r.join(near, left_on=r_key, right_on="_key", coalesce=False)
        .join(c, left_on="_near", right_on=c_key, coalesce=False).drop("_key", "_near"),
    ]
    if name == "middle":
        found += [
            r.filter(pl.col(r_key) == "").join(c, how="cross"),
            r.join(c.filter(pl.col(c_key) == ""), how="cross"),
            # the candidate's key inside the row's, and the row's inside the candidate's
            r.join(substrings(r[r_key]), left_on=r_key, right_on="_key", coalesce=False)
            .join(c, left_on="_part", right_on=c_key, coalesce=False).drop("_key", "_part"),
            c.join(registry_substrings, left_on=c_key, right_on="_key", coalesce=False)
            .join(r, left_on="_part", right_on=r_key, coalesce=False).drop("_key", "_part")
            .select(r.columns + c.columns),
        ]
    else:
        word = f"{name}_word"
        found.append(_value_pairs(r, c, f"r_{word}", f"c_{word}", nulls=False))
    return pl.concat([f.select(r.columns + c.columns) for f in found]).unique()


def _birth_counts(r: pl.DataFrame, c: pl.DataFrame, total: int) -> dict[str, int]:
    """The birth comparison's counts over all pairs, by arithmetic over years and day-months:
    distinct birth dates are too many to pair, but each level is a sum over years of products
    of per-year counts, or a join on the full date (as is, day/month swapped, or a year apart)."""
    ry, rm, rd = "r_birth_year", "r_birth_month", "r_birth_day"
    cy, cm, cd = "c_birth_year", "c_birth_month", "c_birth_day"
    r_known = r.filter(pl.col(ry).is_not_null())
    c_known = c.filter(pl.col(cy).is_not_null())
    unknown = total - _sum(r_known, "n_r") * _sum(c_known, "n_c")

    def per_year(frame: pl.DataFrame, side: str) -> pl.DataFrame:
        """Per birth year: all people, those whose day and month are known, and those born
        (or written as born) on 1 January."""
        month, day = pl.col(f"{side}_birth_month"), pl.col(f"{side}_birth_day")
        both = month.is_not_null() & day.is_not_null()
        n = pl.col(f"n_{side}")
        return frame.group_by(pl.col(f"{side}_birth_year").alias("_y")).agg(
            n.sum().alias(f"all_{side}"), n.filter(both).sum().alias(f"dm_{side}"),
            n.filter(is_jan1(month, day)).sum().alias(f"jan1_{side}"))

    r_year, c_year = per_year(r_known, "r"), per_year(c_known, "c")

    def products(shift: int) -> tuple[int, int, int]:
        """Pairs born the same year (shifted): all, both with a day and month, and 1 January on
        one side only (with a day and month on the other)."""
        joined = r_year.with_columns(pl.col("_y") + shift).join(c_year, on="_y")
        if joined.height == 0:
            return 0, 0, 0
        one_jan1 = (pl.col("jan1_r") * pl.col("dm_c") + pl.col("dm_r") * pl.col("jan1_c")
                    - 2 * pl.col("jan1_r") * pl.col("jan1_c"))
        sums = joined.select((pl.col("all_r") * pl.col("all_c")).sum(),
                             (pl.col("dm_r") * pl.col("dm_c")).sum(), one_jan1.sum()).row(0)
        return int(sums[0] or 0), int(sums[1] or 0), int(sums[2] or 0)

    same_all, same_dm, jan1 = products(0)
    near_all, near_dm = (a + b for a, b in zip(products(-1)[:2], products(1)[:2], strict=True))
    r_full = r_known.drop_nulls([rm, rd])
    c_full = c_known.drop_nulls([cm, cd])
    exact = _pair_count(r_full.join(c_full, left_on=[ry, rm, rd], right_on=[cy, cm, cd]))
    swap = _pair_count(r_full.filter(pl.col(rm) != pl.col(rd))
                       .join(c_full, left_on=[ry, rm, rd], right_on=[cy, cd, cm]))
    lunar = 0
    r_leap = r_full.filter((pl.col(rm) == 2) & pl.col(rd).is_in([28, 29]))
    c_leap = c_full.filter((pl.col(cm) == 2) & pl.col(cd).is_in([28, 29]))
    for shift in (-1, 1):
        moved = r_full.with_columns(pl.col(ry) + shift)
        lunar += _pair_count(moved.join(c_full, left_on=[ry, rm, rd], right_on=[cy, cm, cd]))
        # 29 February a year off can only be written 28 February (and the other way round)
        lunar += _pair_count(r_leap.with_columns(pl.col(ry) + shift)
                             .join(c_leap, left_on=ry, right_on=cy)
                             .filter(pl.col(rd) != pl.col(cd)))
    counts = {"unknown": unknown, "exact": exact, "swap": swap, "year": same_all - same_dm,
              "jan1": jan1, "year_dm_diff": same_dm - exact - swap - jan1, "lunar": lunar,
              "near_year": near_all - near_dm}
    counts["diff"] = total - sum(counts.values())
    return {lv: n for lv, n in counts.items() if n}
