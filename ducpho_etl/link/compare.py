"""Field comparisons for (row, registry candidate) pairs, as agreement levels and weights.

Levels are Fellegi–Sunter style: each field's level adds its log2(m/u) weight to the pair's score.
Pairs carry row fields prefixed `r_` and candidate fields prefixed `c_`.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz.distance import OSA, Levenshtein
from rapidfuzz.process import cdist, cpdist

COMPARED = ["name", "family_key", "middle_key", "given_key", "birth_year", "birth_month",
            "birth_day", "gender", "xa_2025"]

# log2(m/u)-style weights per field and level, hand-set: the deterministic fallback used when a
# run has too few trusted exact links to estimate them (ducpho_etl.link.weights), and the only
# source for the `id` field (an exact-ID sample never shows a one-digit ID typo).
WEIGHTS: dict[str, dict[str, float]] = {
    "family": {"exact": 4.0, "equiv": 3.5, "typo": 1.0, "diff": -6.0},
    "given": {"exact": 7.0, "accentless": 6.0, "typo": 2.0, "diff": -8.0},
    "middle": {"agree": 2.0, "missing": 0.0, "typo": 0.5, "diff": -4.0},
    "birth": {"exact": 10.0, "swap": 6.0, "lunar": 5.0, "year": 4.0, "near_year": 1.0,
              "year_dm_diff": -3.0, "unknown": 0.0, "diff": -10.0},
    "gender": {"agree": 1.0, "unknown": 0.0, "disagree": -6.0},
    "commune": {"agree": 2.0, "unknown": 0.0, "disagree": -1.5},
    "id": {"exact": 16.0, "cmnd": 12.0, "near": 8.0, "other_person": -2.0, "diff": -12.0,
           "missing": 0.0},
}
# The ID comparison's levels, first match wins: the row's 12-digit ID is the candidate's
# ("exact"); the row's old CMND is the candidate's ("cmnd"); the row's ID is one digit off or
# has two neighbouring digits swapped ("near"); the row's well-formed ID belongs to another
# registry person ("other_person": a relative's ID, a typo that hits someone else); the row's
# well-formed ID belongs to no one in the registry ("diff": someone from elsewhere with an ID of
# their own, since the registry holds every resident's); no usable ID ("missing").
ID_LEVELS = list(WEIGHTS["id"])

# A one-edit key is a typo only when the row's and the candidate's keys have at least these many
# letters (one wrong letter in a 2-letter family name, Vũ/Từ or Lê/Lý, is another name).
TYPO_MIN_LEN = {"family_key": (3, 3), "given_key": (3, 0), "middle_key": (0, 0)}

# edit_distance computes a matrix of every distinct left value against every distinct right value
# when it has at most this many cells (names), else pair by pair (IDs).
MAX_DISTANCE_MATRIX = 4_000_000

# A pair is a plausible candidate only at these levels (anything else is another person), and
# - a birth date whose day and month are known on both sides and differ (`year_dm_diff`, a day
#   mistyped) only with the same commune: the name, the year and a differing date say too little
#   when the commune differs too (at registry scale, that is every namesake born that year);
# - a name one letter off (`typo`) never with another day of birth (`year_dm_diff`): a wrong
#   letter and a wrong day are another person as much as the same one.
COMPATIBLE = {
    "family": {"exact", "equiv", "typo"},
    "given": {"exact", "accentless", "typo"},
    "birth": {"exact", "swap", "lunar", "year", "near_year", "year_dm_diff", "unknown"},
    # a gender written wrong is a slip like any other: the model weighs it
    "gender": {"agree", "unknown", "disagree"},
}


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


# Term-frequency adjustment (as Splink's): at these levels of these name parts the weight is
# log2(m / f), f the share of registry people with the candidate's key, instead of the level's
# average u: agreeing on a rare given name says more than on "Hùng", on Nguyễn (38%) little.
TF_LEVELS = {"family": ["exact", "equiv"], "given": ["exact", "accentless"]}
TF_BOUND = 16.0


def apply_weights(levels: pl.DataFrame, weights: dict[str, dict[str, float]],
                  tf_m: dict[str, dict[str, float]] | None = None) -> pl.DataFrame:
    """w_<field> for each level column and their sum `score` (replaces earlier weights);
    `tf_m`: m of the TF_LEVELS (estimated models), whose weights then follow the candidate's
    key frequency (`c_<part>_tf`)."""
    frame = levels.drop([c for c in levels.columns if c.startswith("w_") or c == "score"])
    columns = []
    for field, table in weights.items():
        weight = pl.col(f"lvl_{field}").replace_strict(table, return_dtype=pl.Float64)
        tf = f"c_{field}_tf"
        if tf_m and field in TF_LEVELS and tf in frame.columns:
            for level in TF_LEVELS[field]:
                adjusted = (pl.lit(tf_m[field][level]) / pl.col(tf)).log(2).clip(-TF_BOUND, TF_BOUND)
                weight = pl.when((pl.col(f"lvl_{field}") == level) & pl.col(tf).is_not_null()
                                 ).then(adjusted).otherwise(weight)
        columns.append(weight.alias(f"w_{field}"))
    frame = frame.with_columns(columns)
    return frame.with_columns(score=pl.sum_horizontal([f"w_{field}" for field in weights]))


def pair_levels(pairs: pl.DataFrame) -> pl.DataFrame:
    """Add the agreement level of each field (lvl_*) and `compatible` to a pair frame."""
    fam_dist = edit_distance(pairs["r_family_key"], pairs["c_family_key"], Levenshtein.distance)
    giv_dist = edit_distance(pairs["r_given_key"], pairs["c_given_key"], Levenshtein.distance)
    mid_dist = edit_distance(pairs["r_middle_key"], pairs["c_middle_key"], Levenshtein.distance)
    same_len = (pairs["r_id12"].str.len_chars() == 12).fill_null(False).to_numpy()
    id_dist = np.full(pairs.height, 99, dtype=np.int32)  # only 12-digit IDs are compared
    if same_len.any():
        id_pairs = pairs.filter(pl.Series(same_len))
        id_dist[same_len] = edit_distance(id_pairs["r_id12"], id_pairs["person_id"], OSA.distance)
    pairs = pairs.with_columns(
        pl.Series("_fam_d", fam_dist), pl.Series("_giv_d", giv_dist),
        pl.Series("_mid_d", mid_dist), pl.Series("_id_d", id_dist),
    )
    levels = pairs.with_columns(
        lvl_family=family_level(pl.col("_fam_d")), lvl_given=given_level(pl.col("_giv_d")),
        lvl_middle=middle_level(pl.col("_mid_d")), lvl_birth=birth_level(),
        lvl_gender=same_value_level("gender"), lvl_commune=same_value_level("xa_2025"),
        lvl_id=id_level(pl.col("_id_d")),
    )
    typo = (pl.col("lvl_family") == "typo") | (pl.col("lvl_given") == "typo")
    other_day = pl.col("lvl_birth") == "year_dm_diff"
    # a name one letter off never with another gender either (two slips are another person)
    other_gender = (pl.col("lvl_gender") == "disagree") & typo
    compatible = ((~other_day | (pl.col("lvl_commune") == "agree")) & ~(typo & other_day)
                  & ~other_gender)
    for field, allowed in COMPATIBLE.items():
        compatible = compatible & pl.col(f"lvl_{field}").is_in(list(allowed))
    return levels.with_columns(compatible.alias("compatible")).drop(
        "_fam_d", "_giv_d", "_mid_d", "_id_d")


def id_level(distance: pl.Expr) -> pl.Expr:
    """ID_LEVELS of a pair: `distance` is the optimal-string-alignment distance of the row's
    12-digit ID to the candidate's (99 when the row has none); `r_id_held` says whether some
    registry person holds the row's ID; `r_cmnd9` / `c_cmnd9` the old CMNDs (the registry's
    own column, only numbers one person holds)."""
    cmnd = (pl.col("r_cmnd9") == pl.col("c_cmnd9")).fill_null(False)
    return (
        pl.when(distance == 0).then(pl.lit("exact"))
        .when(cmnd).then(pl.lit("cmnd"))
        .when(distance == 1).then(pl.lit("near"))
        .when((distance < 99) & pl.col("r_id_held").fill_null(False)).then(pl.lit("other_person"))
        .when(distance < 99).then(pl.lit("diff"))
        .otherwise(pl.lit("missing"))
    )


def _name_part_level(part: str, same_key: str, distance: pl.Expr) -> pl.Expr:
    """The written word equal ("exact"), its key equal (`same_key`), one letter off when both
    keys are long enough ("typo"), or "diff"."""
    key = f"{part}_key"
    row_min, candidate_min = TYPO_MIN_LEN[key]
    long_enough = ((pl.col(f"r_{key}").str.len_chars() >= row_min)
                   & (pl.col(f"c_{key}").str.len_chars() >= candidate_min))
    return (
        pl.when(pl.col(f"r_{part}_word") == pl.col(f"c_{part}_word")).then(pl.lit("exact"))
        .when(pl.col(f"r_{key}") == pl.col(f"c_{key}")).then(pl.lit(same_key))
        .when((distance <= 1) & long_enough).then(pl.lit("typo"))
        .otherwise(pl.lit("diff"))
    )


def family_level(distance: pl.Expr) -> pl.Expr:
    """Written family name equal, equal up to equivalents (Huỳnh/Hoàng), one letter off, or not."""
    return _name_part_level("family", "equiv", distance)


def given_level(distance: pl.Expr) -> pl.Expr:
    """Written given name equal, equal without accents, one letter off, or not."""
    return _name_part_level("given", "accentless", distance)


def middle_level(distance: pl.Expr) -> pl.Expr:
    """A middle name absent on either side (null is absent) says nothing."""
    r, c = pl.col("r_middle_key").fill_null(""), pl.col("c_middle_key").fill_null("")
    return (
        pl.when((r == "") | (c == "")).then(pl.lit("missing"))
        .when(r == c).then(pl.lit("agree"))
        # a dropped Văn/Thị inside a longer middle name ("Thị Ngọc" vs "Ngọc")
        .when(r.str.contains(c, literal=True) | c.str.contains(r, literal=True))
        .then(pl.lit("missing"))
        .when(distance <= 1).then(pl.lit("typo"))
        .otherwise(pl.lit("diff"))
    )


def same_value_level(column: str) -> pl.Expr:
    """agree / disagree, or unknown when either side lacks the value (gender, commune)."""
    r, c = pl.col(f"r_{column}"), pl.col(f"c_{column}")
    return (pl.when(r.is_null() | c.is_null()).then(pl.lit("unknown"))
            .when(r == c).then(pl.lit("agree")).otherwise(pl.lit("disagree")))


def birth_level() -> pl.Expr:
    ry, cy = pl.col("r_birth_year"), pl.col("c_birth_year")
    rm, cm, rd, cd = (pl.col("r_birth_month"), pl.col("c_birth_month"),
                      pl.col("r_birth_day"), pl.col("c_birth_day"))
    both_days = rd.is_not_null() & cd.is_not_null() & rm.is_not_null() & cm.is_not_null()
    same_dm = both_days & (rd == cd) & (rm == cm)
    # 29 February moved a year (lunar-calendar habit) can only be written as 28 February
    leap_day = both_days & (rm == 2) & (cm == 2) & rd.is_in([28, 29]) & cd.is_in([28, 29])
    return (
        pl.when(ry.is_null() | cy.is_null()).then(pl.lit("unknown"))
        .when((ry == cy) & same_dm).then(pl.lit("exact"))
        .when((ry == cy) & both_days & (rd == cm) & (rm == cd)).then(pl.lit("swap"))
        .when((ry == cy) & ~both_days).then(pl.lit("year"))
        .when(ry == cy).then(pl.lit("year_dm_diff"))
        .when(((ry - cy).abs() == 1) & (same_dm | leap_day)).then(pl.lit("lunar"))
        .when(((ry - cy).abs() == 1) & ~both_days).then(pl.lit("near_year"))
        .otherwise(pl.lit("diff"))
    )
