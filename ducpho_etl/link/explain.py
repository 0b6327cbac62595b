"""Evidence behind a link or review decision, as compact JSON with masked IDs.

{"stage": "id12|cmnd|fuzzy", "model": {...weights kind and decision rule...},
 "candidates": [{"id": masked, "score": s, "posterior": p|null,
                 "levels": {field: level}, "weights": {field: weight}}]}

No names, dates or full IDs of candidates: masked IDs, levels and weights only.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import polars as pl

from ducpho_etl.link.comparisons import COMPARISONS
from ducpho_etl.privacy import mask_id_expr

FIELDS = [c.name for c in COMPARISONS]  # in the order of the declarations


def model_json(model: dict) -> str:
    """The per-run part of every row's evidence (weights kind and decision thresholds)."""
    return json.dumps(model, separators=(",", ":"), sort_keys=True)


def _num(expr: pl.Expr) -> pl.Expr:
    return expr.round(3).cast(pl.Utf8).fill_null("null")


def candidate_json(field: Callable[[str], pl.Expr]) -> pl.Expr:
    """One candidate (person_id, score, posterior, lvl_*, w_*) as JSON text; `field(name)` gives
    each value: pl.col for a pair frame, pl.element().struct.field inside a list of structs."""
    return pl.concat_str(pl.lit('{"id":"'), mask_id_expr(field("person_id")),
                         _candidate_rest(field))


def _candidate_rest(field: Callable[[str], pl.Expr]) -> pl.Expr:
    """A candidate's JSON after its masked ID."""
    return pl.concat_str(
        pl.lit('","score":'), _num(field("score")),
        pl.lit(',"posterior":'), _num(field("posterior")),
        pl.lit(',"levels":{'),
        pl.concat_str([pl.concat_str(pl.lit(f'"{f}":"'), field(f"lvl_{f}"), pl.lit('"'))
                       for f in FIELDS], separator=","),
        pl.lit('},"weights":{'),
        pl.concat_str([pl.concat_str(pl.lit(f'"{f}":'), _num(field(f"w_{f}"))) for f in FIELDS],
                      separator=","),
        pl.lit("}}"),
    )


def single_evidence(pairs: pl.DataFrame, model: str) -> pl.Series:
    """The evidence of linked exact pairs (each its own one candidate), built once per distinct
    set of levels (their weights and score follow from the levels; a run has
    a few hundred) and joined to each row's stage and masked ID: the same text, a fraction of
    the string work on large sources."""
    levels = [f"lvl_{f}" for f in FIELDS]
    keyed = pairs.with_columns(pl.struct(levels).hash().alias("_levels"))
    rest = (keyed.unique("_levels").select("_levels", _candidate_rest(pl.col).alias("_rest")))
    one = pl.concat_str(pl.lit('{"id":"'), mask_id_expr(pl.col("person_id")), pl.col("_rest"))
    return keyed.join(rest, on="_levels", how="left", maintain_order="left").select(
        _evidence(pl.col("stage"), model, one).alias("evidence"))["evidence"]


def evidence_json(stage: pl.Expr, top: pl.Expr, model: str) -> pl.Expr:
    """Evidence JSON from a stage, `top` (a list of candidate structs) and the model JSON."""
    return _evidence(stage, model,
                     top.list.eval(candidate_json(pl.element().struct.field)).list.join(","))


def _evidence(stage: pl.Expr, model: str, candidates: pl.Expr) -> pl.Expr:
    """{"stage": ..., "model": ..., "candidates": [...]} around the candidates' JSON texts."""
    return pl.concat_str(pl.lit('{"stage":"'), stage, pl.lit('","model":'), pl.lit(model),
                         pl.lit(',"candidates":['), candidates, pl.lit("]}"))
