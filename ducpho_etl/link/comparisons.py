"""The linkage model's comparisons, declared once (as Splink's comparison library and mismo's
Comparison / ComparisonLevel are): per compared field its ordered levels, first match wins,
each with its condition on a pair frame (row fields `r_*`, candidate fields `c_*`, the field's
edit distance `_d_<field>` when it declares one), its hand-set weight (the fallback model),
and whether a candidate may be at that level (compatibility).

There is no term-frequency adjustment (Splink's, which adds log2(u / f) at a name level, f the
share of the candidate's name): the decision is a posterior over every compatible candidate, so
the registry's other namesakes of a common name already share the probability, and per-part
shares multiplied (family, given) treat the parts as independent when a rare family name is a
household's. It lowered precision on our samples and a stress copy of the validation set
(namesakes from elsewhere with a rare name were linked) and helped nowhere (see README, "How a
row is linked").

compare.pair_levels, the u counts (frequencies), the m estimation (weights), the decisions,
`explain` and the manifest's `link_model` all read these declarations.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from rapidfuzz.distance import OSA, Levenshtein

# A one-edit key is a typo only when the row's and the candidate's keys have at least these many
# letters (one wrong letter in a 2-letter family name, Vũ/Từ or Lê/Lý, is another name).
TYPO_MIN_LEN = {"family_key": (3, 3), "given_key": (3, 0), "middle_key": (0, 0)}
NO_DISTANCE = 99  # the ID's distance when the row has no 12-digit ID


@dataclass(frozen=True)
class ComparisonLevel:
    label: str
    condition: pl.Expr | None  # None: the else level (the last)
    weight: float  # hand-set log2(m/u): the fallback model, and EM's seed where none is counted
    compatible: bool = True  # a blocked candidate may be at this level


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[ComparisonLevel, ...]
    # (row column, candidate column, scorer): its edit distance is `_d_<name>` for the levels
    distance: tuple[str, str, object] | None = None
    # "fields": m by EM over the ID-hit pairs; "id": m by EM over the blocked pairs
    session: str = "fields"

    def level(self) -> pl.Expr:
        """The pair's level: the first level whose condition holds."""
        *conditional, last = self.levels
        expr = pl.when(conditional[0].condition).then(pl.lit(conditional[0].label))
        for lv in conditional[1:]:
            expr = expr.when(lv.condition).then(pl.lit(lv.label))
        return expr.otherwise(pl.lit(last.label))

    @property
    def labels(self) -> list[str]:
        return list(dict.fromkeys(lv.label for lv in self.levels))

    @property
    def weights(self) -> dict[str, float]:
        return {lv.label: lv.weight for lv in self.levels}

    @property
    def compatible(self) -> set[str]:
        return {lv.label for lv in self.levels if lv.compatible}


def _r(column: str) -> pl.Expr:
    return pl.col(f"r_{column}")


def _c(column: str) -> pl.Expr:
    return pl.col(f"c_{column}")


def _name_part(part: str, same_key: str, weights: tuple[float, float, float, float]
               ) -> Comparison:
    """The written word equal ("exact"), its key equal (`same_key`), one letter off when both
    keys are long enough ("typo"), or "diff" (never a candidate)."""
    key = f"{part}_key"
    row_min, candidate_min = TYPO_MIN_LEN[key]
    long_enough = (_r(key).str.len_chars() >= row_min) & (_c(key).str.len_chars() >= candidate_min)
    exact, same, typo, diff = weights
    return Comparison(part, (
        ComparisonLevel("exact", _r(f"{part}_word") == _c(f"{part}_word"), exact),
        ComparisonLevel(same_key, _r(key) == _c(key), same),
        ComparisonLevel("typo", (pl.col(f"_d_{part}") <= 1) & long_enough, typo),
        ComparisonLevel("diff", None, diff, compatible=False),
    ), distance=(f"r_{key}", f"c_{key}", Levenshtein.distance))


def _middle() -> Comparison:
    """A middle name absent on either side (null is absent), or a dropped Văn/Thị inside a
    longer one ("Thị Ngọc" vs "Ngọc"), says nothing."""
    r, c = _r("middle_key").fill_null(""), _c("middle_key").fill_null("")
    return Comparison("middle", (
        ComparisonLevel("missing", (r == "") | (c == ""), 0.0),
        ComparisonLevel("agree", r == c, 2.0),
        ComparisonLevel("missing", r.str.contains(c, literal=True)
                        | c.str.contains(r, literal=True), 0.0),
        ComparisonLevel("typo", pl.col("_d_middle") <= 1, 0.5),
        ComparisonLevel("diff", None, -4.0),
    ), distance=("r_middle_key", "c_middle_key", Levenshtein.distance))


def is_jan1(month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """A date written on 1 January: the usual stand-in for an unknown day (domain.md;
    normalize flags it date_jan1_placeholder)."""
    return (month == 1) & (day == 1)


# the birth levels of the same year with another day and month: a day mistyped, or 1 January
# written for a day not known (weighed apart, kept to the same rules: blocking finds both alike)
OTHER_DAY = ["jan1", "year_dm_diff"]


def _birth() -> Comparison:
    ry, cy = _r("birth_year"), _c("birth_year")
    rm, cm, rd, cd = _r("birth_month"), _c("birth_month"), _r("birth_day"), _c("birth_day")
    both_days = rd.is_not_null() & cd.is_not_null() & rm.is_not_null() & cm.is_not_null()
    same_dm = both_days & (rd == cd) & (rm == cm)
    # 29 February moved a year (lunar-calendar habit) can only be written as 28 February
    leap_day = both_days & (rm == 2) & (cm == 2) & rd.is_in([28, 29]) & cd.is_in([28, 29])
    year_off = (ry - cy).abs() == 1
    # 1 January on either side: the same year with another day then says what a year alone
    # says, not that a day was mistyped
    jan1 = is_jan1(rm, rd) | is_jan1(cm, cd)
    return Comparison("birth", (
        ComparisonLevel("unknown", ry.is_null() | cy.is_null(), 0.0),
        ComparisonLevel("exact", (ry == cy) & same_dm, 10.0),
        ComparisonLevel("swap", (ry == cy) & both_days & (rd == cm) & (rm == cd), 6.0),
        ComparisonLevel("year", (ry == cy) & ~both_days, 4.0),
        ComparisonLevel("jan1", (ry == cy) & jan1, 3.0),
        ComparisonLevel("year_dm_diff", ry == cy, -3.0),
        ComparisonLevel("lunar", year_off & (same_dm | leap_day), 5.0),
        ComparisonLevel("near_year", year_off & ~both_days, 1.0),
        ComparisonLevel("diff", None, -10.0, compatible=False),
    ))


def _same_value(name: str, column: str, agree: float, disagree: float) -> Comparison:
    """agree / disagree, or unknown when either side lacks the value."""
    r, c = _r(column), _c(column)
    return Comparison(name, (
        ComparisonLevel("unknown", r.is_null() | c.is_null(), 0.0),
        ComparisonLevel("agree", r == c, agree),
        ComparisonLevel("disagree", None, disagree),
    ))


def own_id() -> pl.Expr:
    """The row's 12-digit ID encodes the row's own person (domain: PPP G YY RRRRRR): its
    century-and-gender digit G agrees with the row's birth year and gender, and YY with the
    year (the province code PPP is checked by normalize: a well-formed ID has a known one).
    Unknown (false) when the row lacks its year or gender. A row's property: fields.row_fields
    computes it once per row (`r_id_own`)."""
    g = _r("id12").str.slice(3, 1).cast(pl.Int32, strict=False)
    yy = _r("id12").str.slice(4, 2).cast(pl.Int32, strict=False)
    year = _r("birth_year").cast(pl.Int32)
    female = (_r("gender") == "Nữ").cast(pl.Int32)
    return ((g // 2 == (year - 1900) // 100) & (g % 2 == female) & (yy == year % 100)
            ).fill_null(False)


# An ID this many edits or more from the candidate's is not a slip of it (one slip is "near",
# two are "diff"): another number altogether.
FAR_ID = 3


def _id() -> Comparison:
    """The row's 12-digit ID is the candidate's; its old CMND is the candidate's (the registry's
    own column, numbers one person holds); one digit off or two neighbours swapped (optimal
    string alignment distance 1); a well-formed ID another registry person holds who lives at
    the candidate's home ("relative": a parent's, a spouse's, a child's number written on the
    row; the registry's people at one home are few, so a random pair is rarely at this level),
    elsewhere but of the candidate's family name ("kin": a grown child's who lives apart) or
    neither ("other_person": a slip that hits someone else); a well-formed ID nobody in
    the registry holds that is no slip of the candidate's (FAR_ID edits or more) and encodes
    the row's own birth year and gender ("own": the ID of someone from elsewhere, a namesake of
    the candidate: the registry holds every resident's); any other well-formed ID nobody holds
    ("diff": two slips, or a number that is not the row's person's); the leading digits that
    survive scientific notation are the candidate's ("partial") or not ("partial_diff"); no
    usable ID.

    "own" is never a candidate: such an ID says the row's person is not in the registry, and
    only FAR_ID slips that all keep the year and gender it encodes would make it the
    candidate's (m about C(6, 3) * (near / 12) ** 3, below 2^-20). Its weight is bounded like
    any other, and a rare name with a year (20 bits and more) would outweigh it; and the u of a
    row-status level (what the row carries, whoever the candidate) cancels between candidates
    and weighs only against "not in the registry", where the share of all rows carrying such
    an ID (mostly residents' one-digit slips) understates how typical it is of outsiders."""
    distance, prefix = pl.col("_d_id"), _r("id_prefix")
    held = (distance < NO_DISTANCE) & _r("id_held").fill_null(False)  # by someone else
    return Comparison("id", (
        ComparisonLevel("exact", distance == 0, 16.0),
        ComparisonLevel("cmnd", (_r("cmnd9") == _c("cmnd9")).fill_null(False), 12.0),
        ComparisonLevel("near", distance == 1, 8.0),
        ComparisonLevel("relative", held & (_r("id_home") == _c("home")).fill_null(False), 2.0),
        ComparisonLevel("kin", held & (_r("id_family") == _c("family_key")).fill_null(False),
                        0.0),
        ComparisonLevel("other_person", held, -2.0),
        ComparisonLevel("own", (distance >= FAR_ID) & (distance < NO_DISTANCE)
                        & _r("id_own").fill_null(False), -16.0, compatible=False),
        ComparisonLevel("diff", distance < NO_DISTANCE, -12.0),
        ComparisonLevel("partial", pl.col("person_id").str.starts_with(prefix).fill_null(False),
                        4.0),
        ComparisonLevel("partial_diff", prefix.is_not_null(), -6.0),
        ComparisonLevel("missing", None, 0.0),
    ), distance=("r_id12", "person_id", OSA.distance), session="id")


# the commune levels that say the row and the candidate live in the same commune of 2025
SAME_COMMUNE = ["old_agree", "old_diff", "agree"]


def _commune() -> Comparison:
    """The commune of 2025 (`xa_2025`), and within it the commune of before the 2025 merger
    (`xa_old`) when both sides name one: two namesakes of merged communes share the first;
    only the old unit tells them apart. Unknown when either side lacks its 2025 commune."""
    r, c, r_old, c_old = _r("xa_2025"), _c("xa_2025"), _r("xa_old"), _c("xa_old")
    both_old = (r == c) & r_old.is_not_null() & c_old.is_not_null()
    return Comparison("commune", (
        ComparisonLevel("unknown", r.is_null() | c.is_null(), 0.0),
        ComparisonLevel("old_agree", both_old & (r_old == c_old), 3.0),
        ComparisonLevel("old_diff", both_old, -1.0),
        ComparisonLevel("agree", r == c, 2.0),
        ComparisonLevel("disagree", None, -1.5),
    ))


COMPARISONS: list[Comparison] = [
    _name_part("family", "equiv", (4.0, 3.5, 1.0, -6.0)),
    _middle(),
    _name_part("given", "accentless", (7.0, 6.0, 2.0, -8.0)),
    _birth(),
    _same_value("gender", "gender", 1.0, -6.0),  # a gender written wrong is weighed, not blocked
    _commune(),
    _id(),
]
BY_NAME = {c.name: c for c in COMPARISONS}

# Rules across comparisons: a candidate is compatible only when each of its levels is and
# - a birth date whose day and month are known on both sides and differ (`year_dm_diff`, a day
#   mistyped) comes with the same commune: the name, the year and a differing date say too
#   little when the commune differs too (at registry scale, that is every namesake born that year);
# - a name one letter off (`typo`) comes with neither another day of birth nor another gender: a
#   wrong letter and a second slip are another person as much as the same one.
_TYPO = (pl.col("lvl_family") == "typo") | (pl.col("lvl_given") == "typo")
_OTHER_DAY = pl.col("lvl_birth").is_in(OTHER_DAY)
CROSS_RULES: list[pl.Expr] = [
    ~_OTHER_DAY | pl.col("lvl_commune").is_in(SAME_COMMUNE),
    ~(_TYPO & _OTHER_DAY),
    ~(_TYPO & (pl.col("lvl_gender") == "disagree")),
]


def compatible() -> pl.Expr:
    """A pair that may be a candidate: every level compatible, every cross rule kept."""
    expr = pl.lit(True)
    for comparison in COMPARISONS:
        if comparison.compatible != set(comparison.labels):
            expr = expr & pl.col(f"lvl_{comparison.name}").is_in(sorted(comparison.compatible))
    for rule in CROSS_RULES:
        expr = expr & rule
    return expr
