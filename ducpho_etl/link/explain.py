"""Evidence behind a link or review decision, as compact JSON with masked IDs."""

from __future__ import annotations

import polars as pl

from ducpho_etl.privacy import mask_id_expr

FIELDS = ["family", "middle", "given", "birth", "gender", "commune", "id"]


def evidence_json(stage: pl.Expr, top: pl.Expr | None = None) -> pl.Expr:
    """JSON: {"stage": ..., "candidates": [{"id": masked, "score": s, "levels": {...}}]}."""
    if top is None:
        candidates = pl.lit("[]")
    else:
        one = pl.concat_str(
            pl.lit('{"id":"'), mask_id_expr(pl.element().struct.field("person_id")),
            pl.lit('","score":'), pl.element().struct.field("score").round(2).cast(pl.Utf8),
            pl.lit(',"levels":{'),
            pl.concat_str(
                [pl.concat_str(pl.lit(f'"{f}":"'), pl.element().struct.field(f"lvl_{f}"),
                               pl.lit('"')) for f in FIELDS],
                separator=",",
            ),
            pl.lit("}}"),
        )
        candidates = pl.concat_str(pl.lit("["), top.list.eval(one).list.join(","), pl.lit("]"))
    return pl.concat_str(pl.lit('{"stage":"'), stage, pl.lit('","candidates":'), candidates,
                         pl.lit("}"))
