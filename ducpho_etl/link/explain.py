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

from ducpho_etl.privacy import mask_id_expr

FIELDS = ["family", "middle", "given", "birth", "gender", "commune", "id"]


def model_json(model: dict) -> str:
    """The per-run part of every row's evidence (weights kind and decision thresholds)."""
    return json.dumps(model, separators=(",", ":"), sort_keys=True)


def _num(expr: pl.Expr) -> pl.Expr:
    return expr.round(3).cast(pl.Utf8).fill_null("null")


def candidate_json(field: Callable[[str], pl.Expr]) -> pl.Expr:
    """One candidate (person_id, score, posterior, lvl_*, w_*) as JSON text; `field(name)` gives
    each value: pl.col for a pair frame, pl.element().struct.field inside a list of structs."""
    return pl.concat_str(
        pl.lit('{"id":"'), mask_id_expr(field("person_id")),
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


def evidence_json(stage: pl.Expr, top: pl.Expr | None = None, model: str = "null",
                  single: bool = False) -> pl.Expr:
    """Evidence JSON from a stage, the candidates and the model JSON. Candidates: `top`, a list
    of candidate structs; or, with `single`, the frame's own pair columns; or none."""
    if single:
        candidates = pl.concat_str(pl.lit("["), candidate_json(pl.col), pl.lit("]"))
    elif top is None:
        candidates = pl.lit("[]")
    else:
        candidates = pl.concat_str(
            pl.lit("["), top.list.eval(candidate_json(pl.element().struct.field)).list.join(","),
            pl.lit("]"))
    return pl.concat_str(pl.lit('{"stage":"'), stage, pl.lit('","model":'), pl.lit(model),
                         pl.lit(',"candidates":'), candidates, pl.lit("}"))
