"""Exact stage: the 12-digit ID, then the old 9-digit CMND through the registry's own column.

An ID hit is trusted only when the name and birth year agree with the person holding that
number; otherwise (a relative's ID, a mistype that hits someone else) the row goes on to the
probabilistic stage with the conflict recorded.
"""

from __future__ import annotations

import polars as pl

from ducpho_etl.link.compare import COMPATIBLE, pair_levels, same_name
from ducpho_etl.link.fields import attach_fields
from ducpho_etl.link.index import RegistryIndex

USABLE_ID = ["ok", "padded"]


def exact_hits(rows: pl.DataFrame, index: RegistryIndex, row_part: pl.DataFrame
               ) -> pl.DataFrame:
    """Pairs for ID and CMND hits with their levels (lvl_*), `stage` and `trusted` columns
    (weights are added later, once they are estimated from the trusted pairs). `rows` carry
    their position (`_rpos`) in `row_part`, their fields.row_fields."""
    by_id = (rows.filter(pl.col("id12_status").is_in(USABLE_ID))
             .select("_rpos", pl.col("id12").alias("person_id"))
             .join(index.frame.select("person_id", "_cpos"), on="person_id")
             .select("_rpos", "_cpos", stage=pl.lit("id12")))
    by_cmnd = (rows.filter(pl.col("cmnd9").is_not_null())
               .select("_rpos", "cmnd9")
               .join(index.cmnd, on="cmnd9")
               .select("_rpos", "_cpos", stage=pl.lit("cmnd")))
    # a row's ID hit first; its CMND only when the ID found no one
    hits = pl.concat([by_id, by_cmnd.join(by_id, on="_rpos", how="anti")])
    scored = pair_levels(attach_fields(hits, row_part, index.fields))
    name_ok = (pl.col("lvl_family").is_in(list(COMPATIBLE["family"]))
               & pl.col("lvl_given").is_in(list(COMPATIBLE["given"])))
    # the number and the very same name outweigh a birth date off by a year (lunar, 29 Feb)
    year_close = (pl.col("r_birth_year") - pl.col("c_birth_year")).abs() <= 1
    trusted = name_ok & (pl.col("lvl_birth").is_in(list(COMPATIBLE["birth"]))
                         | (same_name() & year_close.fill_null(False)))
    return scored.with_columns(hits["stage"], trusted=trusted)
