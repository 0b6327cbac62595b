"""The two sides of linkage. The registry's (RegistryIndex), prepared once per registry and
shared by every source's run: compared fields, blocking keys, one-edit variants and value counts
do not depend on the rows. The rows' (RowSide), prepared once per batch of rows."""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from ducpho_etl.link.blocks import HashLookup, block_lookups
from ducpho_etl.link.compare import COMPARED, TYPO_MIN_LEN
from ducpho_etl.link.edits import deletions, neighbours, substrings
from ducpho_etl.link.fields import (
    attach_fields,
    person_fields,
    row_fields,
    with_day_class,
    with_home,
    with_id_prefix,
    with_old_unit,
)
from ducpho_etl.link.frequencies import value_counts

# Rows without a birth year are compared only with exact name-key namesakes, at most this many.
MAX_NAME_ONLY_BLOCK = 50


@dataclass(frozen=True, eq=False)
class RegistryIndex:
    frame: pl.DataFrame  # the prepared registry, with `_cpos` (position) and `_day_class`
    fields: pl.DataFrame  # person_fields (c_*), one row per person, in the same order
    cmnd: pl.DataFrame  # (_cpos, cmnd9) for old CMNDs held by one person only
    deletions: dict[str, pl.DataFrame]  # one-deletion variants of the name keys
    middle_substrings: pl.DataFrame  # every substring of every middle key
    counts: dict[str, pl.DataFrame]  # per compared field: distinct values with their counts
    name_only: pl.DataFrame  # (_cpos, name_key) for rows without a birth year
    lookups: dict[tuple[str, ...], HashLookup]  # people by block key (positions in `frame`)
    name_only_lookup: HashLookup  # `name_only` by name key
    id_prefixes: pl.DataFrame  # (_p, len): people per first 6 digits of their ID
    sorted_ids: pl.Series  # every person's ID, sorted (IDs by their leading digits)
    # people per (c_home, c_family_key) `_both`, per c_home `_home`, per c_family_key `_family`
    households: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]

    @property
    def height(self) -> int:
        return self.frame.height

    def ids_starting_with(self, prefixes: pl.Series) -> pl.Series:
        """Per prefix (non-empty), how many people's IDs start with it: those sorted from the
        prefix up to, not including, the prefix with its last character the next one."""
        after = pl.Series([p[:-1] + chr(ord(p[-1]) + 1) for p in prefixes.to_list()],
                          dtype=pl.Utf8)
        return (self.sorted_ids.search_sorted(after, side="left").cast(pl.Int64)
                - self.sorted_ids.search_sorted(prefixes, side="left").cast(pl.Int64))

    def neighbours_of(self, rows: pl.DataFrame) -> dict[str, pl.DataFrame]:
        """Per name key: (_key, _near), each row key and the registry keys one edit away that
        compare's typo rule accepts (both long enough)."""
        return {key: neighbours(deletions(rows[key], row_min), self.deletions[key])
                for key, (row_min, _) in TYPO_MIN_LEN.items()}


@dataclass(frozen=True, eq=False)
class RowSide:
    """The rows' side of linkage, as RegistryIndex is the registry's: built once per batch of
    rows (build_row_side) and passed whole through link/ instead of loose parallel arguments.

    `fields` and `near` always describe the whole batch; `rows` may be some of its rows (a
    chunk, the rows left unsettled: `subset`), found in `fields` by their position `_rpos`."""

    rows: pl.DataFrame  # the linked columns, with `_rpos` (position in `fields`)
    fields: pl.DataFrame  # row_fields (r_*) of the whole batch, one row per position
    near: dict[str, pl.DataFrame]  # per name key: the registry keys one edit away

    @property
    def height(self) -> int:
        return self.rows.height

    def subset(self, rows: pl.DataFrame) -> RowSide:
        """The same batch with only `rows` (some of this side's rows) to be linked."""
        return replace(self, rows=rows)

    def named(self) -> RowSide:
        """The rows with a name key (the only ones blocking can compare)."""
        return self.subset(self.rows.filter(pl.col("name_key").is_not_null()))

    def fields_of_rows(self) -> pl.DataFrame:
        """The compared fields of `rows` (not of the whole batch), in their order."""
        return self.fields[self.rows["_rpos"]]

    def with_fields(self, pairs: pl.DataFrame, index: RegistryIndex) -> pl.DataFrame:
        """Pairs (`_rpos`, `_cpos`) as row_id, person_id and both sides' compared fields."""
        return attach_fields(pairs, self.fields, index.fields)


# The columns of a row that linkage reads (smaller frames at every step).
LINK_COLUMNS = ["row_id", *COMPARED, "name_key", "id12", "id12_status", "cmnd9", "id_prefix"]


def build_row_side(rows: pl.DataFrame, index: RegistryIndex) -> RowSide:
    """Normalised rows (the canonical columns of ducpho_etl.normalize, with row_id) as linkage
    compares them: derived fields, the columns it reads with their positions, compared fields
    and name-key neighbours in `index`. Built once per batch by link_rows, and by whoever
    searches candidates again (review, evaluate)."""
    rows = with_id_prefix(with_old_unit(rows)).select(LINK_COLUMNS).with_row_index("_rpos")
    holders = index.frame.select("person_id", "home", "family_key")
    return RowSide(rows=rows, fields=row_fields(rows, holders),
                   near=index.neighbours_of(rows.filter(pl.col("name_key").is_not_null())))


def build_index(registry: pl.DataFrame) -> RegistryIndex:
    registry = with_home(with_old_unit(registry))
    fields = person_fields(registry)
    registry = with_day_class(registry.with_row_index("_cpos"), registry=True)
    name_only = name_only_block(registry)
    return RegistryIndex(
        frame=registry,
        fields=fields,
        cmnd=registry.filter(pl.col("cmnd9").is_not_null() & ~pl.col("cmnd9").is_duplicated())
        .select("_cpos", "cmnd9"),
        deletions={key: deletions(registry[key], candidate_min)
                   for key, (_, candidate_min) in TYPO_MIN_LEN.items()},
        middle_substrings=substrings(registry["middle_key"]),
        counts=value_counts(fields, "c"),
        name_only=name_only,
        lookups=block_lookups(registry),
        name_only_lookup=HashLookup.of(name_only, ["name_key"]),
        id_prefixes=registry.group_by(pl.col("person_id").str.slice(0, 6).alias("_p")).len(),
        sorted_ids=registry["person_id"].drop_nulls().sort(),
        households=(fields.group_by("c_home", "c_family_key").len("_both"),
                    fields.group_by("c_home").len("_home"),
                    fields.group_by("c_family_key").len("_family")),
    )


def name_only_block(registry: pl.DataFrame) -> pl.DataFrame:
    """(_cpos, name_key) of the name keys that few enough people share to be compared on the
    name alone."""
    sizes = registry.group_by("name_key").len()
    return (registry.join(sizes.filter(pl.col("len") <= MAX_NAME_ONLY_BLOCK), on="name_key")
            .select("_cpos", "name_key"))


def as_index(registry: pl.DataFrame | RegistryIndex) -> RegistryIndex:
    """An index as given, or built from a prepared registry frame."""
    return registry if isinstance(registry, RegistryIndex) else build_index(registry)
