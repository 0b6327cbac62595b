"""Decide, per row, which registry person it is, none, or that an officer must decide.

Input rows need `row_id` and the canonical columns of ducpho_etl.normalize; rows that
validation rejected should be left out. Output: one row per input row_id with `person_id`,
`link_stage` (id12 | cmnd | fuzzy | none), `match_score`, `second_score`, `candidate_count`,
`link_outcome` (linked | review | none), `link_codes` and `evidence` (JSON, IDs masked).

Weights are estimated per call from the trusted exact links (ducpho_etl.link.weights). With
estimated weights the decision is a posterior probability: each compatible candidate i has
log2 odds s_i + prior (the prior odds that one given registry person is the row's), against
"the row's person is not in the registry" (odds 1), so
    P(i) = 2^(s_i + prior) / (1 + sum_j 2^(s_j + prior)).
Two namesakes that no field tells apart share the probability and neither reaches
LINK_PROBABILITY: the row goes to review, never to a guess. With the hand-set fallback weights
(too few exact links) the old weight thresholds apply.
"""

from __future__ import annotations

import json
import logging
import math

import polars as pl

from ducpho_etl.link.candidates import compatible_pairs
from ducpho_etl.link.compare import apply_weights, same_name
from ducpho_etl.link.exact import exact_hits
from ducpho_etl.link.explain import FIELDS, evidence_json, model_json, single_evidence
from ducpho_etl.link.index import RegistryIndex, RowSide, as_index, build_row_side
from ducpho_etl.link.weights import WEIGHT_BOUND, WeightModel, estimate_id_m, estimate_weights

log = logging.getLogger(__name__)

# Fallback (hand-set weights): total weight thresholds.
LINK_THRESHOLD = 12.0  # total weight a lone candidate needs to be linked
MARGIN = 3.0  # how far the best must lead the second-best compatible candidate
REVIEW_THRESHOLD = 6.0  # below this, a compatible candidate is too weak even for review
# Estimated weights: posterior probabilities.
# The best candidate's posterior needed to link: it must be more likely than every alternative
# together (other candidates, "not in the registry") by 3:2. Two namesakes that nothing tells
# apart are at most 0.5 each; on the full synthetic sample lone true matches with a year-only
# birth date (the weakest) score 0.73 and up, namesake splits 0.5 and below.
LINK_PROBABILITY = 0.6
REVIEW_PROBABILITY = 0.01  # a candidate less probable than this is left out of a review
# A row whose candidates together are less probable than this is more likely not in the
# registry (someone from elsewhere, perhaps a resident's namesake): not_found, not review.
IN_REGISTRY_PROBABILITY = 0.5
TOP_EVIDENCE = 3  # candidates kept in the evidence
FUZZY_CHUNK_ROWS = 50_000  # rows compared at a time in the probabilistic stage

_EVIDENCE_COLS = ["person_id", "score", "posterior",
                  *[f"{p}_{f}" for p in ("lvl", "w") for f in FIELDS]]
SCHEMA_COLS = ["row_id", "person_id", "link_stage", "match_score", "second_score",
               "candidate_count", "link_outcome", "evidence"]


def decision_rule(model: WeightModel) -> dict:
    """The thresholds in force for a model, as shown in evidence and by `ducpho-etl explain`."""
    if model.kind == "estimated":
        return {"weights": "estimated", "rule": "posterior", "link_probability": LINK_PROBABILITY,
                "review_probability": REVIEW_PROBABILITY,
                "in_registry_probability": IN_REGISTRY_PROBABILITY,
                "prior_log2_odds": round(model.prior_log2_odds, 2),
                "exact_links": model.exact_links}
    return {"weights": "fallback", "rule": "weight", "link_threshold": LINK_THRESHOLD,
            "margin": MARGIN, "review_threshold": REVIEW_THRESHOLD,
            "exact_links": model.exact_links}


def link_rows(rows: pl.DataFrame, registry: pl.DataFrame | RegistryIndex,
              report: dict | None = None) -> pl.DataFrame:
    """Link rows to a prepared registry (or its index, built once for every source: see
    link.index); `report`, when given, receives the weight model's summary (no personal data).

    The ID is one comparison of the model: the pair of a row and the person holding its ID (or
    its CMND) is scored like any other. When that pair alone is decisive the row is linked
    without blocking (any other candidate would carry an ID held by someone else, the
    "other_person" level); otherwise it competes with the row's blocked candidates."""
    index = as_index(registry)
    # the columns linkage reads (smaller frames at every step), and each row's position
    side = build_row_side(rows, index)
    rows = side.rows
    hits = exact_hits(side, index)
    model = estimate_weights(hits, side, index)
    settled = _decisive_hits(hits, model)
    blocked = _blocked(side.subset(rows.join(settled, on="row_id", how="anti")), index)
    # m of the ID by EM over a training session blocked on the whole name and the full birth
    # date (as Splink trains an ID): the hit and blocked pairs that agree on both; the rows
    # whose hit that model no longer finds decisive are blocked too
    model = estimate_id_m(model, pl.concat([hits.select(_LEVEL_COLS),
                                            blocked.select(_LEVEL_COLS)])
                          .filter(same_name() & (pl.col("lvl_birth") == "exact")))
    # a hit stays decisive only if both models find it so: a row that only the re-estimated ID
    # m would settle was blocked already and competes with its candidates (one decision per row)
    now_settled = _decisive_hits(hits, model).join(settled, on="row_id", how="semi")
    unsettled = settled.join(now_settled, on="row_id", how="anti")
    if unsettled.height:
        blocked = pl.concat([blocked, _blocked(
            side.subset(rows.join(unsettled, on="row_id", how="semi")), index)])
    rule = model_json(decision_rule(model))
    summary = {**model.summary(), "decision": decision_rule(model)}
    if report is not None:
        report.update(summary)
    log.info("link weights: %s", json.dumps(summary, ensure_ascii=False))
    exact_scored = apply_weights(hits.join(now_settled, on="row_id", how="semi"),
                                 model.weights).with_columns(posterior=pl.lit(None, pl.Float64))
    exact_result = exact_scored.select(
        "row_id", "person_id", pl.col("stage").alias("link_stage"),
        pl.col("score").alias("match_score"),
        pl.lit(None, pl.Float64).alias("second_score"),
        pl.lit(1, pl.UInt32).alias("candidate_count"),
        pl.lit("linked").alias("link_outcome"),
    ).with_columns(single_evidence(exact_scored, rule))
    # the hit pairs of the other rows are candidates beside their blocked ones
    open_hits = hits.join(now_settled, on="row_id", how="anti").select(blocked.columns)
    candidates = pl.concat([blocked, open_hits]).unique(["row_id", "person_id"])
    fuzzy_result = _fuzzy(candidates, rows, model, rule)
    result = pl.concat([exact_result, fuzzy_result], how="vertical_relaxed")
    ids_unknown = (rows.filter(pl.col("id12_status").is_in(["ok", "padded"]))
                   .join(hits.select("row_id"), on="row_id", how="anti")
                   .select("row_id", pl.lit("id_not_in_registry").alias("_code")))
    # a hit that is not the row's link: the number is someone else's
    conflicts = hits.join(result.filter(pl.col("link_outcome") == "linked")
                          .select("row_id", "person_id"), on=["row_id", "person_id"], how="anti")
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


_LEVEL_COLS = [f"lvl_{f}" for f in FIELDS]


def _decisive_hits(hits: pl.DataFrame, model: WeightModel) -> pl.DataFrame:
    """row_id of the rows whose ID-hit pair alone decides the link (the posterior rule, or the
    fallback weight rule). A hit pair at a level no blocked candidate may be at (another given
    name, another birth: a relative's ID) never decides alone: the row's namesakes, whose ID
    level is "other_person", may be likelier, so the hit competes with them."""
    scored = apply_weights(hits.filter(pl.col("compatible")), model.weights)
    if model.kind == "estimated":
        log_odds = pl.col("score") + model.prior_log2_odds
        decisive = 1.0 / (1.0 + 2.0 ** (-log_odds)) >= LINK_PROBABILITY
    else:
        decisive = pl.col("score") >= LINK_THRESHOLD
    return scored.filter(decisive).select("row_id").unique()


def _blocked(side: RowSide, index: RegistryIndex) -> pl.DataFrame:
    """The compatible blocked pairs of the side's rows with a name, with their levels, in
    chunks: candidates per row grow with the registry, and chunks bound the memory without
    changing any pair."""
    named = side.named()
    parts = [compatible_pairs(named.subset(named.rows.slice(start, FUZZY_CHUNK_ROWS)), index)
             for start in range(0, named.height, FUZZY_CHUNK_ROWS)]
    if not parts:
        return compatible_pairs(named, index)
    return pl.concat(parts)


def _empty(rows: pl.DataFrame) -> pl.DataFrame:
    return pl.DataFrame(schema={c: pl.Utf8 for c in SCHEMA_COLS}).cast(
        {"row_id": rows.schema["row_id"], "match_score": pl.Float64,
         "second_score": pl.Float64, "candidate_count": pl.UInt32})


def _fuzzy(candidates: pl.DataFrame, rows: pl.DataFrame, model: WeightModel, rule: str
           ) -> pl.DataFrame:
    """The decision over each row's candidates (blocked pairs and its ID-hit pair); the stage
    is the ID's when the linked candidate holds the row's ID or CMND."""
    if candidates.height == 0:
        return _empty(rows)
    compatible = apply_weights(candidates, model.weights)
    by_posterior = model.kind == "estimated"
    if by_posterior:
        compatible = _relative_id(compatible, model)
    decided = _by_posterior(compatible, model) if by_posterior else _by_weight(compatible)
    if decided.height == 0:
        return _empty(rows)
    stage = (pl.when(pl.col("_best_id") == "exact").then(pl.lit("id12"))
             .when(pl.col("_best_id") == "cmnd").then(pl.lit("cmnd")).otherwise(pl.lit("fuzzy")))
    # a row more likely not in the registry keeps its compared candidates as evidence (explain
    # shows why no one was likely enough) but no stage: nobody was linked or proposed
    return decided.with_columns(
        pl.when(pl.col("decisive")).then(pl.col("person_id")).otherwise(None).alias("person_id"),
        pl.when(pl.col("decisive")).then(stage).when(pl.col("_in_registry"))
        .then(pl.lit("fuzzy")).otherwise(pl.lit("none")).alias("link_stage"),
        pl.when(pl.col("decisive")).then(pl.lit("linked")).when(pl.col("_in_registry"))
        .then(pl.lit("review")).otherwise(pl.lit("none")).alias("link_outcome"),
    ).with_columns(
        evidence_json(pl.col("link_stage"), pl.col("_top"), rule).alias("evidence"),
    ).select(SCHEMA_COLS)


def _ranked(candidates: pl.DataFrame) -> pl.DataFrame:
    ranked = candidates.sort(["row_id", "posterior", "score", "person_id"],
                             descending=[False, True, True, False], nulls_last=True)
    return ranked.group_by("row_id", maintain_order=True).agg(
        pl.col("person_id").first().alias("person_id"),
        pl.col("score").first().alias("match_score"),
        pl.col("score").get(1, null_on_oob=True).alias("second_score"),
        pl.col("posterior").first().alias("_best_posterior"),
        pl.col("lvl_id").first().alias("_best_id"),
        pl.col("_in_registry").first(),
        pl.len().cast(pl.UInt32).alias("candidate_count"),
        pl.struct(_EVIDENCE_COLS).head(TOP_EVIDENCE).alias("_top"),
    )


def _by_weight(compatible: pl.DataFrame) -> pl.DataFrame:
    """Fallback rule: a lone strong candidate, or a clear lead over the second."""
    kept = compatible.filter(pl.col("score") >= REVIEW_THRESHOLD).with_columns(
        posterior=pl.lit(None, pl.Float64), _in_registry=pl.lit(True))
    best = _ranked(kept)
    decisive = (pl.col("match_score") >= LINK_THRESHOLD) & (
        pl.col("second_score").is_null()
        | (pl.col("match_score") - pl.col("second_score") >= MARGIN)
    )
    return best.with_columns(decisive=decisive)


def _relative_id(scored: pl.DataFrame, model: WeightModel) -> pl.DataFrame:
    """`_which`: the score that says which registry person a row is, beside `score`, which says
    whether it is anyone. Where the row's ID is held by a candidate whose name is another
    (a name part at "diff": a relative's ID), the "other_person" candidates are weighed as
    carrying that candidate's ID: log2(m / u) with m of "other_person" and u of "exact", the
    chance a random pair shows that very number. Weighed pair by pair, the holder would gain
    log2(u_other / u_exact), about log2 of the registry's size, over a namesake for the number
    alone, as if a namesake's row could carry any resident's ID, when a relative's is the one
    it carries. Only the share among the candidates follows `_which` (_by_posterior): the
    chance that the row is anyone in the registry stays the pairs' own."""
    m, u = model.m["id"], model.u["id"]
    as_relative = max(-WEIGHT_BOUND, min(WEIGHT_BOUND, math.log2(m["other_person"] / u["exact"])))
    named_otherwise = (pl.col("lvl_id") == "exact") & pl.any_horizontal(
        pl.col(f"lvl_{part}") == "diff" for part in ("family", "given"))
    relative = named_otherwise.any().over("row_id") & pl.col("lvl_id").is_in(
        ["relative", "kin", "other_person"])
    lifted = pl.max_horizontal(pl.col("w_id"), pl.lit(as_relative)) - pl.col("w_id")
    return scored.with_columns(
        _which=pl.col("score") + pl.when(relative).then(lifted).otherwise(0.0))


def _by_posterior(compatible: pl.DataFrame, model: WeightModel) -> pl.DataFrame:
    """Posterior of each compatible candidate against all others and "not in the registry"."""
    log_odds = pl.col("score") + model.prior_log2_odds
    top = log_odds.max().over("row_id").clip(lower_bound=0.0)
    # P(i) = 2^lo_i / (1 + sum 2^lo_j), scaled by 2^-top to stay finite
    denominator = (2.0 ** (-top)) + (2.0 ** (log_odds - top)).sum().over("row_id")
    with_p = compatible.with_columns(posterior=(2.0 ** (log_odds - top)) / denominator)
    if "_which" in with_p.columns:  # the row's chance of being anyone, shared by `_which`
        which = pl.col("_which") - pl.col("_which").max().over("row_id")
        with_p = with_p.with_columns(
            posterior=pl.col("posterior").sum().over("row_id") * (2.0 ** which)
            / (2.0 ** which).sum().over("row_id"))
    # an officer reviews a row only when it is more likely in the registry than not, yet no
    # one candidate is likely enough: the candidates' posteriors together reach
    # IN_REGISTRY_PROBABILITY; below that the row is more likely someone from elsewhere (its
    # candidates are kept, every one, as the evidence of a not_found)
    with_p = with_p.with_columns(
        _in_registry=pl.col("posterior").sum().over("row_id") >= IN_REGISTRY_PROBABILITY)
    kept = with_p.filter((pl.col("posterior") >= REVIEW_PROBABILITY) | ~pl.col("_in_registry"))
    best = _ranked(kept)
    return best.with_columns(
        decisive=pl.col("_in_registry") & (pl.col("_best_posterior") >= LINK_PROBABILITY))
