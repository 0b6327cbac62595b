"""Measure a published run against the generator's truth (the pipeline itself never reads it).

Links: a row is linked when its status is matched, duplicate or deceased and it names a person;
it is due a link when the truth expects one of those statuses with a true person. Rows whose
truth is `review` (no evidence can tell them from a namesake) are never due a link, so they
count against precision when linked (a wrong or lucky guess) and never in recall.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

KEY = ["source", "source_file", "sheet", "source_row"]
LINK_STATUSES = ["matched", "duplicate", "deceased"]
STATUSES = ["matched", "duplicate", "deceased", "review", "not_found", "rejected"]
# Truth noise kinds that leave a row without a usable 12-digit ID (or point it elsewhere).
NO_USABLE_ID_NOISE = ["id_missing", "id_scientific", "id_typo", "id_typo_real", "id_relative",
                      "id_cmnd_unknown"]


def blocking_recall(run_dir: Path, truth_path: Path, input_dir: Path) -> dict:
    """The share of true (row, person) pairs that blocking yields, as Splink reports it: for
    every row due a link (not rejected), whether its true person is among the candidates the
    linker compares it with (its blocked compatible pairs and the holder of its ID or CMND).
    Rebuilt from the published rows' canonical columns and the input's registry."""
    from ducpho_etl.link.candidates import compatible_pairs
    from ducpho_etl.link.exact import exact_hits
    from ducpho_etl.link.index import build_index, build_row_side
    from ducpho_etl.normalize.names import NAME_COLUMNS, normalize_names
    from ducpho_etl.publish import read_manifest, registry_year_of
    from ducpho_etl.registry import load_prepared_registry

    truth, _ = load_truth(truth_path)
    foreign = "kind" in truth.columns
    frames = []
    for f in sorted((run_dir / "reconciliation").glob("*.parquet")):
        frame = pl.read_parquet(f).filter(pl.col("status") != "rejected")
        if foreign:
            frame = frame.with_columns(pl.col("source_file").str.split("/").list.last(),
                                       pl.lit(None, pl.Utf8).alias("sheet"))
        frames.append(frame)
    run = pl.concat(frames, how="diagonal_relaxed")
    due = truth.filter(pl.col("true_person_id").is_not_null()
                       & pl.col("expected_status").is_in(LINK_STATUSES))
    rows = (run.join(due.select(*KEY, "true_person_id"), on=KEY, nulls_equal=True)
            .with_columns(pl.col("name").alias("_written")).drop(NAME_COLUMNS, strict=False))
    rows = normalize_names(rows, "_written").with_row_index("row_id")
    _, registry, _ = load_prepared_registry(input_dir / "registry",
                                            registry_year_of(read_manifest(run_dir)))
    index = build_index(registry)
    side = build_row_side(rows, index)
    found = pl.concat([
        compatible_pairs(side.named(), index).select("row_id", "person_id"),
        exact_hits(side, index).select("row_id", "person_id"),
    ]).unique()
    hit = rows.join(found, left_on=["row_id", "true_person_id"],
                    right_on=["row_id", "person_id"], how="semi").height
    return {"blocking_recall": hit / max(1, rows.height), "blocking_due": rows.height,
            "candidate_pairs": found.height}


def load_run(run_dir: Path) -> pl.DataFrame:
    files = sorted((run_dir / "reconciliation").glob("*.parquet"))
    frames = []
    for f in files:
        frame = pl.read_parquet(f)
        keep = [c for c in ("id12", "cmnd9") if c in frame.columns]
        frames.append(frame.select(*KEY, "status", "person_id", *keep))
    return pl.concat(frames, how="diagonal_relaxed")


def evaluate(run_dir: Path, truth_path: Path) -> dict:
    """Link precision/recall/F1, status agreement and per-status scores, per-noise recall,
    recall without a usable ID, per-source cleaned counts, persons matched twice, rows lost.
    `truth_path`: our generator's truth/ folder, or a labelled set's truth.parquet (or its
    folder) in the foreign format (kind, is_dup, id_tag, person_id, ambiguous)."""
    truth, cleaned = load_truth(truth_path)
    run = load_run(run_dir)
    if "kind" in truth.columns:  # a foreign set names files without folders, sheets not at all
        run = run.with_columns(pl.col("source_file").str.split("/").list.last(),
                               pl.lit(None, pl.Utf8).alias("sheet"))
    result = evaluate_frames(run, truth)
    if cleaned is not None:
        result["per_source"] = result["per_source"].drop("cleaned_truth", "cleaned_diff").join(
            pl.DataFrame({"source": list(cleaned), "cleaned_truth": list(cleaned.values())}),
            on="source", how="left").with_columns(
            (pl.col("cleaned").cast(pl.Int64) - pl.col("cleaned_truth")).alias("cleaned_diff"))
    if "kind" in truth.columns:
        result.update(_kind_shares(run, truth))
    per_source = result["per_source"].with_columns(
        (pl.col("cleaned_diff") / pl.col("cleaned_truth")).alias("cleaned_err"))
    result["per_source"] = per_source
    result["worst_cleaned_err"] = float(per_source["cleaned_err"].abs().max() or 0.0)
    return result


def load_truth(path: Path) -> tuple[pl.DataFrame, dict[str, int] | None]:
    """The truth as evaluate_frames reads it, and the true cleaned counts per source when the
    set states them (truth_counts.json beside a foreign truth.parquet)."""
    file = path / "truth.parquet" if path.is_dir() else path
    truth = pl.read_parquet(file)
    if "expected_status" in truth.columns:
        return truth, None
    counts = file.parent / "truth_counts.json"
    cleaned = json.loads(counts.read_text()) if counts.exists() else None
    return foreign_truth(truth), cleaned


def foreign_truth(truth: pl.DataFrame) -> pl.DataFrame:
    """A labelled set's rows (kind clean / deceased / outsider / garbage, is_dup, ambiguous) as
    expected statuses: an ambiguous row is due a review, an outsider not_found (a repeated one
    too: no one to be a duplicate of), a garbage row rejected; the noise is its tags and ID
    tag."""
    kind, dup = pl.col("kind"), pl.col("is_dup")
    expected = (pl.when(kind == "garbage").then(pl.lit("rejected"))
                .when(kind == "outsider").then(pl.lit("not_found"))
                .when(pl.col("ambiguous")).then(pl.lit("review"))
                .when(dup).then(pl.lit("duplicate"))
                .when(kind == "deceased").then(pl.lit("deceased"))
                .otherwise(pl.lit("matched")))
    tags = pl.col("tags").fill_null("").str.split(",").list.eval(
        pl.element().filter(pl.element() != ""))
    return truth.select(
        "source", "source_file", pl.lit(None, pl.Utf8).alias("sheet"), "source_row",
        expected.alias("expected_status"), pl.col("person_id").alias("true_person_id"),
        pl.concat_list(tags, pl.concat_list(pl.col("id_tag")).list.drop_nulls()).list.unique()
        .alias("noise"), "kind")


def _kind_shares(run: pl.DataFrame, truth: pl.DataFrame) -> dict:
    """Outsiders found not_found, deceased residents flagged (deceased, or duplicate of their
    own earlier row) and rows lost, as the labelled set's own score counts them."""
    both = truth.join(run, on=KEY, how="left", nulls_equal=True)

    def share(kind: str, ok: list[str]) -> float:
        part = both.filter(pl.col("kind") == kind)
        return part.filter(pl.col("status").is_in(ok)).height / max(1, part.height)

    # a wholly blank line (garbage) may be skipped rather than rejected; any other row must appear
    lost = both.filter(pl.col("status").is_null() & (pl.col("kind") != "garbage")).height
    return {"outsider_not_found": share("outsider", ["not_found"]),
            "deceased_flagged": share("deceased", ["deceased", "duplicate"]),
            "rows_lost": lost}


def evaluate_frames(run: pl.DataFrame, truth: pl.DataFrame) -> dict:
    """The same measures on frames: `run` (KEY, status, person_id[, id12]) and `truth`
    (KEY, expected_status, true_person_id[, noise])."""
    both = truth.join(run, on=KEY, how="full", coalesce=True, nulls_equal=True)
    lost = both.filter(pl.col("status").is_null()).height
    extra = both.filter(pl.col("expected_status").is_null()).height
    both = both.filter(pl.col("status").is_not_null() & pl.col("expected_status").is_not_null())
    linked = pl.col("person_id").is_not_null() & pl.col("status").is_in(LINK_STATUSES)
    true_link = (pl.col("true_person_id").is_not_null()
                 & pl.col("expected_status").is_in(LINK_STATUSES))
    correct = linked & (pl.col("person_id") == pl.col("true_person_id")).fill_null(False)
    scores = _link_scores(both, linked, true_link, correct)
    per_source = (both.group_by("source").agg(
        (pl.col("status") == "matched").sum().alias("cleaned"),
        (pl.col("expected_status") == "matched").sum().alias("cleaned_truth"),
        (pl.col("status") == pl.col("expected_status")).mean().alias("status_agreement"),
    ).with_columns((pl.col("cleaned").cast(pl.Int64) - pl.col("cleaned_truth")).alias("cleaned_diff"))
        .sort("source"))
    matched_twice = (both.filter((pl.col("status") == "matched") & pl.col("person_id").is_not_null())
                     .group_by("source", "person_id").len().filter(pl.col("len") > 1))
    confusion = (both.group_by("expected_status", "status").len()
                 .sort("expected_status", "status"))
    has_noise = "noise" in both.columns
    no_id = _no_usable_id(both)
    no_id_due = both.filter(true_link & no_id)
    return {
        **scores,
        "rows_lost": lost, "rows_extra": extra,
        "status_agreement": both.select((pl.col("status") == pl.col("expected_status")).mean()).item(),
        "no_id_recall": (no_id_due.filter(correct).height / no_id_due.height
                         if no_id_due.height else 1.0),
        "no_id_due": no_id_due.height,
        "review_truth_rows": both.filter(pl.col("expected_status") == "review").height,
        "review_truth_linked": both.filter((pl.col("expected_status") == "review") & linked).height,
        "persons_matched_twice": matched_twice.height,
        "per_source": per_source, "per_status": _per_status(both), "confusion": confusion,
        "status_counts": _status_counts(both),
        "by_noise": _recall_by_noise(both, linked, true_link, correct) if has_noise else None,
    }


def _link_scores(both: pl.DataFrame, linked: pl.Expr, true_link: pl.Expr,
                 correct: pl.Expr) -> dict:
    made = both.filter(linked).height
    due = both.filter(true_link).height
    right = both.filter(correct).height
    right_due = both.filter(correct & true_link).height
    precision = right / made if made else 1.0
    recall = right_due / due if due else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1,
            "links_made": made, "links_due": due, "links_correct": right}


def _no_usable_id(both: pl.DataFrame) -> pl.Expr:
    """Rows without a usable ID: a noise kind saying so, or no ID (nor CMND) in the row at all."""
    expr = pl.lit(False)
    if "noise" in both.columns:
        expr = expr | pl.col("noise").list.eval(pl.element().is_in(NO_USABLE_ID_NOISE)).list.any()
    if "id12" in both.columns:
        no_number = pl.col("id12").is_null()
        if "cmnd9" in both.columns:
            no_number = no_number & pl.col("cmnd9").is_null()
        expr = expr | no_number
    return expr.fill_null(False)


def _per_status(both: pl.DataFrame) -> pl.DataFrame:
    """Precision and recall of each status against the truth's."""
    rows = []
    for status in STATUSES:
        said = both.filter(pl.col("status") == status).height
        true = both.filter(pl.col("expected_status") == status).height
        hit = both.filter((pl.col("status") == status) & (pl.col("expected_status") == status)).height
        rows.append({"status": status, "predicted": said, "truth": true, "agree": hit,
                     "precision": hit / said if said else 1.0, "recall": hit / true if true else 1.0})
    return pl.DataFrame(rows)


def _status_counts(both: pl.DataFrame) -> pl.DataFrame:
    """Per source and status: the run's count, the truth's, and the relative difference."""
    run = both.group_by("source", pl.col("status").alias("s")).len("run")
    truth = both.group_by("source", pl.col("expected_status").alias("s")).len("truth")
    return (run.join(truth, on=["source", "s"], how="full", coalesce=True)
            .with_columns(pl.col("run").fill_null(0).cast(pl.Int64),
                          pl.col("truth").fill_null(0).cast(pl.Int64))
            .with_columns(((pl.col("run") - pl.col("truth")).abs()
                           / pl.max_horizontal(pl.col("truth"), 1)).alias("rel_diff"))
            .rename({"s": "status"}).sort("source", "status"))


def _recall_by_noise(both: pl.DataFrame, linked: pl.Expr, true_link: pl.Expr,
                     correct: pl.Expr) -> pl.DataFrame:
    """Per noise kind: rows due a link, recall, and the precision of the links made on them."""
    exploded = (both.with_columns(ok=correct, due=true_link, made=linked)
                .explode("noise").filter(pl.col("noise").is_not_null()))
    return (exploded.group_by("noise").agg(
        pl.col("due").sum().alias("rows"),
        (pl.col("ok") & pl.col("due")).sum().alias("found"),
        pl.col("made").sum().alias("links_made"),
        pl.col("ok").sum().alias("links_correct"),
    ).with_columns(
        (pl.col("found") / pl.col("rows")).alias("recall"),
        (pl.col("links_correct") / pl.col("links_made")).alias("precision"),
    ).select("noise", "rows", "recall", "links_made", "precision").sort("noise"))
