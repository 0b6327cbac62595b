"""The compared fields of rows (r_*) and registry people (c_*), and pairs carrying both."""

from __future__ import annotations

import polars as pl

from ducpho_etl.contracts import fold_series
from ducpho_etl.link.compare import COMPARED
from ducpho_etl.link.comparisons import own_id


def _name_words(prefix: str) -> list[pl.Expr]:
    """The written family name (first word) and given name (last word), once per row or person
    rather than once per pair. A name written wholly without diacritics ("Nguyen Van An")
    carries no accents to agree or disagree on: its words are unknown (null) and the name parts
    compare by their keys alone, so that "An" does not favour An over Ân."""
    accented = pl.col("name").str.contains(r"[^\x00-\x7F]")
    words = pl.when(accented).then(pl.col("name").str.split(" "))
    return [words.list.first().alias(f"{prefix}_family_word"),
            words.list.last().alias(f"{prefix}_given_word")]


# The full name is compared through its words and keys: pairs do not carry it (every column a
# pair carries is gathered once per pair, and strings are the dear part).
_CARRIED = [c for c in COMPARED if c != "name"]


OLD_UNIT_CODE = "place_old_unit"  # normalize.places: the row named a commune of before 2025


def with_old_unit(frame: pl.DataFrame) -> pl.DataFrame:
    """`xa_old`: the commune of before the 2025 merger (ma_xa) when the frame named one
    (normalize flags it `place_old_unit`), else null: units merged in 2025 share an `xa_2025`
    and only the old unit tells their namesakes apart. A frame that has `xa_old` keeps it."""
    if "xa_old" in frame.columns:
        return frame
    codes = next((c for c in ("norm_codes", "reason_codes") if c in frame.columns), None)
    if codes is not None and "ma_xa" in frame.columns:  # normalised rows, or published ones
        named_old = pl.col(codes).list.contains(OLD_UNIT_CODE).fill_null(False)
        return frame.with_columns(pl.when(named_old).then(pl.col("ma_xa")).alias("xa_old"))
    return frame.with_columns(pl.lit(None, pl.Utf8).alias("xa_old"))


# An ID a spreadsheet showed in scientific notation ("5.10481E+10"): its leading digit, the
# other digits shown, the exponent.
_SCIENTIFIC = r"^([0-9])[.,]?([0-9]*)[eE]\+?([0-9]+)$"


def with_id_prefix(frame: pl.DataFrame) -> pl.DataFrame:
    """`id_prefix`: the leading digits of a 12-digit ID that survive scientific notation
    ("7.40488E+10" is an 11-digit number, a 12-digit ID that lost its leading zero: "074048"),
    without the last digit shown (rounded); null when the ID is not in that notation or keeps
    fewer than 3 digits (the province code). A frame that has `id_prefix` keeps it."""
    if "id_prefix" in frame.columns:
        return frame
    if "so_dinh_danh" not in frame.columns:
        return frame.with_columns(pl.lit(None, pl.Utf8).alias("id_prefix"))
    return frame.with_columns(_scientific_prefix(frame["so_dinh_danh"]).alias("id_prefix"))


def _scientific_prefix(ids: pl.Series) -> pl.Series:
    """with_id_prefix's prefix of each ID text, step by step: each step's column is computed
    once (an eager expression that reuses a sub-expression computes it again at every use), and
    the patterns run only on texts with an exponent, the few that can be in that notation."""
    raw = pl.col("so_dinh_danh")
    with_exponent = raw.str.contains("e", literal=True) | raw.str.contains("E", literal=True)
    text = ids.to_frame("so_dinh_danh").select(
        pl.when(with_exponent).then(raw).str.replace_all(r"\s", "").alias("_text"))
    parts = text.select(
        (pl.col("_text").str.extract(_SCIENTIFIC, 1)
         + pl.col("_text").str.extract(_SCIENTIFIC, 2).fill_null("")).alias("_shown"),
        (pl.col("_text").str.extract(_SCIENTIFIC, 3).cast(pl.Int32, strict=False) + 1)
        .alias("_digits"))
    shown, digits = pl.col("_shown"), pl.col("_digits")
    known = parts.select(shown.str.slice(0, shown.str.len_chars() - 1).alias("_known"), digits)
    prefix = known.select((pl.when(digits == 11).then(pl.lit("0") + pl.col("_known"))
                           .when(digits == 12).then(pl.col("_known"))).alias("_prefix"))
    return prefix.select(pl.when(pl.col("_prefix").str.len_chars() >= 3)
                         .then(pl.col("_prefix")))["_prefix"]


def home_of(commune: pl.Series, address: pl.Series) -> pl.Series:
    """`home`: where the registry says a person lives (the commune of 2025 and the address
    text, folded so that case, accents and punctuation do not split one address), the commune
    alone when it has no address. The people of one home are a household and its neighbours:
    a row carrying the ID of someone who lives at a candidate's home carries a relative's."""
    return (commune + "|" + fold_series(address).fill_null("")).alias("home")


def with_home(registry: pl.DataFrame) -> pl.DataFrame:
    """`home` of a registry frame; one prepared without it (made by hand, or before homes
    were) gets it from its address when it has one, else from its commune alone."""
    if "home" in registry.columns:
        return registry
    address = (registry["dia_chi"] if "dia_chi" in registry.columns
               else pl.Series([None] * registry.height, dtype=pl.Utf8))
    return registry.with_columns(home_of(registry["xa_2025"], address))


def row_fields(rows: pl.DataFrame, holders: pl.DataFrame | None = None) -> pl.DataFrame:
    """A row's compared fields, prefixed r_ (with row_id); `holders`: the registry's
    (person_id, home, family_key), to say whether someone holds the row's ID (`r_id_held`, the
    ID comparison's "other_person" level), where that holder lives (`r_id_home`, its
    "relative" level) and the holder's family name (`r_id_family`, its "kin" level)."""
    rows = with_id_prefix(with_old_unit(rows))
    cmnd = pl.col("cmnd9") if "cmnd9" in rows.columns else pl.lit(None, pl.Utf8)
    if holders is None:
        holders = pl.DataFrame(schema={"person_id": pl.Utf8, "home": pl.Utf8,
                                       "family_key": pl.Utf8})
    part = rows.select(
        "row_id", *[pl.col(c).alias(f"r_{c}") for c in [*_CARRIED, "id12", "id_prefix"]],
        *_name_words("r"), cmnd.alias("r_cmnd9"),
    )
    # the holders of the rows' distinct IDs first (an inner join hashes the smaller side; a
    # left join of the rows would hash the whole registry at every call)
    wanted = part.select(pl.col("r_id12").drop_nulls().unique())
    held = wanted.join(holders.select(
        pl.col("person_id").alias("r_id12"), pl.col("home").alias("r_id_home"),
        pl.col("family_key").alias("r_id_family"), pl.lit(True).alias("r_id_held")), on="r_id12")
    part = part.join(held, on="r_id12", how="left", maintain_order="left")
    return part.with_columns(pl.col("r_id_held").fill_null(False), own_id().alias("r_id_own"))


def person_fields(registry: pl.DataFrame) -> pl.DataFrame:
    """A registry person's compared fields, prefixed c_ (with person_id)."""
    registry = with_home(with_old_unit(registry))
    cmnd = (pl.when(~pl.col("cmnd9").is_duplicated()).then(pl.col("cmnd9"))
            if "cmnd9" in registry.columns else pl.lit(None, pl.Utf8))
    return registry.select(
        "person_id", *[pl.col(c).alias(f"c_{c}") for c in _CARRIED], *_name_words("c"),
        cmnd.alias("c_cmnd9"), pl.col("home").alias("c_home"))


def with_day_class(frame: pl.DataFrame, registry: bool = False) -> pl.DataFrame:
    """`_day_class`: month and day as one key, 29 February as 28 (null without both);
    `_swap_class`: for a row, the class of its day and month swapped (null when that is no
    date or the same); for the registry, its `_day_class` (so that a row's swapped date joins
    a person's date)."""
    month, day = pl.col("birth_month").cast(pl.Int32), pl.col("birth_day").cast(pl.Int32)
    leap_as_28 = pl.when((month == 2) & (day == 29)).then(28).otherwise(day)
    frame = frame.with_columns((month * 100 + leap_as_28).alias("_day_class"))
    if registry:
        return frame.with_columns(pl.col("_day_class").alias("_swap_class"))
    swapped = pl.when((day <= 12) & (day != month)).then(day * 100 + month)
    return frame.with_columns(swapped.alias("_swap_class"))


def attach_fields(pairs: pl.DataFrame, row_part: pl.DataFrame, people: pl.DataFrame
                  ) -> pl.DataFrame:
    """Pairs given by position (`_rpos` in `row_part`, a row_fields frame; `_cpos` in `people`,
    a person_fields frame) as row_id, person_id and both sides' fields: gathered by position,
    no join, so the cost is the pairs' and not the registry's."""
    return pl.concat([row_part[pairs["_rpos"]], people[pairs["_cpos"]]], how="horizontal")
