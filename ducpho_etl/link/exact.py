"""Exact stage: the 12-digit ID, then the old 9-digit CMND through the registry's own column.

Each hit is a pair for the model (link.decide), the ID one of its comparisons: a hit whose
other fields disagree (a relative's ID, a mistype that hits someone else) does not link.
"""

from __future__ import annotations

import polars as pl

from ducpho_etl.link.compare import pair_levels
from ducpho_etl.link.index import RegistryIndex, RowSide

USABLE_ID = ["ok", "padded"]


def exact_hits(side: RowSide, index: RegistryIndex) -> pl.DataFrame:
    """Pairs for the ID and CMND hits of the side's rows with their levels (lvl_*) and `stage`
    (weights are added later, once they are estimated from the trusted pairs)."""
    rows = side.rows
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
    scored = pair_levels(side.with_fields(hits, index))
    return scored.with_columns(hits["stage"])
