"""Decide, per row, which registry person it is, none, or that an officer must decide.

Input rows need `row_id` and the canonical columns of ducpho_etl.normalize; rows that
validation rejected should be left out. Output: one row per input row_id with `person_id`,
`link_stage` (id12 | cmnd | fuzzy | none), `match_score`, `second_score`, `candidate_count`,
`link_outcome` (linked | review | none), `link_codes` and `evidence` (JSON, IDs masked).
"""

from __future__ import annotations

import polars as pl

from ducpho_etl.link.candidates import attach_fields, candidate_pairs
from ducpho_etl.link.compare import compare_pairs
from ducpho_etl.link.exact import exact_hits
from ducpho_etl.link.explain import evidence_json

LINK_THRESHOLD = 12.0  # total weight a lone candidate needs to be linked
MARGIN = 3.0  # how far the best must lead the second-best compatible candidate
REVIEW_THRESHOLD = 6.0  # below this, a compatible candidate is too weak even for review


def link_rows(rows: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    hits = exact_hits(rows, registry)
    trusted = hits.filter(pl.col("trusted"))
    conflicts = hits.filter(~pl.col("trusted")).select("row_id", "stage")
    exact_result = trusted.select(
        "row_id", "person_id", pl.col("stage").alias("link_stage"),
        pl.col("score").alias("match_score"),
        pl.lit(None, pl.Float64).alias("second_score"),
        pl.lit(1, pl.UInt32).alias("candidate_count"),
        pl.lit("linked").alias("link_outcome"),
        evidence_json(pl.col("stage")).alias("evidence"),
    )
    rest = rows.join(trusted.select("row_id"), on="row_id", how="anti")
    fuzzy_result = _fuzzy(rest, registry)
    result = pl.concat([exact_result, fuzzy_result], how="vertical_relaxed")
    ids_unknown = (rows.filter(pl.col("id12_status").is_in(["ok", "padded"]))
                   .join(hits.select("row_id"), on="row_id", how="anti")
                   .select("row_id", pl.lit("id_not_in_registry").alias("_code")))
    conflict_codes = conflicts.select(
        "row_id",
        pl.when(pl.col("stage") == "cmnd").then(pl.lit("cmnd_conflict"))
        .otherwise(pl.lit("id_conflict")).alias("_code"),
    )
    codes = (pl.concat([ids_unknown, conflict_codes]).group_by("row_id")
             .agg(pl.col("_code").alias("link_codes")))
    out = (rows.select("row_id").join(result, on="row_id", how="left")
           .join(codes, on="row_id", how="left"))
    return out.with_columns(
        pl.col("link_codes").fill_null(pl.lit([], pl.List(pl.Utf8))),
        pl.col("link_stage").fill_null("none"),
        pl.col("link_outcome").fill_null("none"),
        pl.col("candidate_count").fill_null(0),
    ).sort("row_id")


def _fuzzy(rows: pl.DataFrame, registry: pl.DataFrame) -> pl.DataFrame:
    """Blocked, weighted comparison; the best compatible candidate wins only by a clear margin."""
    schema_cols = ["row_id", "person_id", "link_stage", "match_score", "second_score",
                   "candidate_count", "link_outcome", "evidence"]
    usable = rows.filter(pl.col("name_key").is_not_null())
    pairs = candidate_pairs(usable, registry)
    if pairs.height == 0:
        return pl.DataFrame(schema={c: pl.Utf8 for c in schema_cols}).cast(
            {"row_id": rows.schema["row_id"], "match_score": pl.Float64,
             "second_score": pl.Float64, "candidate_count": pl.UInt32})
    scored = compare_pairs(attach_fields(pairs, usable, registry))
    compatible = scored.filter(pl.col("compatible") & (pl.col("score") >= REVIEW_THRESHOLD))
    ranked = compatible.sort(["row_id", "score", "person_id"], descending=[False, True, False])
    best = ranked.group_by("row_id", maintain_order=True).agg(
        pl.col("person_id").first().alias("person_id"),
        pl.col("score").first().alias("match_score"),
        pl.col("score").get(1, null_on_oob=True).alias("second_score"),
        pl.len().cast(pl.UInt32).alias("candidate_count"),
        pl.struct(pl.exclude("row_id")).head(3).alias("_top"),
    )
    decisive = (pl.col("match_score") >= LINK_THRESHOLD) & (
        pl.col("second_score").is_null()
        | (pl.col("match_score") - pl.col("second_score") >= MARGIN)
    )
    return best.with_columns(
        pl.when(decisive).then(pl.col("person_id")).otherwise(None).alias("person_id"),
        pl.lit("fuzzy").alias("link_stage"),
        pl.when(decisive).then(pl.lit("linked")).otherwise(pl.lit("review")).alias("link_outcome"),
        evidence_json(pl.lit("fuzzy"), pl.col("_top")).alias("evidence"),
    ).select(schema_cols)
