"""Shared by the linkage benchmarks: a sample's registry and each source's linkable rows,
normalised and validated exactly as the pipeline does (cached as Parquet beside the sample)."""

from __future__ import annotations

import json
import resource
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

from ducpho_etl.config import load_config
from ducpho_etl.contracts import load_sources
from ducpho_etl.evaluate import load_truth
from ducpho_etl.ingest import read_source
from ducpho_etl.link import link_rows
from ducpho_etl.link.index import build_index
from ducpho_etl.normalize import normalize_frame
from ducpho_etl.registry import load_prepared_registry
from ducpho_etl.validate import validate_rows

TRUTH_KEY = ["source", "source_file", "sheet", "source_row"]
LINK_STATUSES = ["matched", "duplicate", "deceased"]


def configured_workers() -> int:
    """Sources linked at once as a run configured here would (RunConfig.workers: the option,
    $DUCPHO_MAX_WORKERS or the config file, else the default)."""
    return load_config(Path("."), Path(".")).workers


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def prepared(sample: Path, cache: Path | None = None, data_year: int = 2023
             ) -> tuple[pl.DataFrame, dict[str, pl.DataFrame], dict]:
    """(prepared registry, {source: linkable rows}, timings) for sample/input (or for `sample`
    itself when it is an input folder, such as a labelled set's)."""
    cache = cache or Path("/tmp/bench_cache") / sample.resolve().as_posix().strip("/").replace("/", "_")
    input_dir = sample / "input" if (sample / "input").is_dir() else sample
    cache.mkdir(parents=True, exist_ok=True)
    # a regenerated sample (same folder, new files) must not reuse the old cache
    stamp = json.dumps(sorted((str(p.relative_to(input_dir)), p.stat().st_size, p.stat().st_mtime_ns)
                              for p in input_dir.rglob("*") if p.is_file()))
    if not (cache / "stamp.json").exists() or (cache / "stamp.json").read_text() != stamp:
        for old in cache.glob("*.parquet"):
            old.unlink()
        (cache / "stamp.json").write_text(stamp)
    timings: dict = {}
    started = time.perf_counter()
    _, registry, _ = load_prepared_registry(input_dir / "registry",
                                            load_config(input_dir, cache).registry_year)
    timings["registry_s"] = round(time.perf_counter() - started, 2)
    rows: dict[str, pl.DataFrame] = {}
    started = time.perf_counter()
    for key, contract in load_sources().items():
        path = cache / f"{key}.parquet"
        if not path.exists():
            raw, _ = read_source(input_dir / key, contract)
            frame = raw.with_row_index("row_id").with_columns(
                pl.lit(data_year, pl.Int32).alias("reference_year"))
            canon = normalize_frame(frame)
            checked = canon.join(validate_rows(canon, contract), on="row_id", how="left")
            checked.write_parquet(path)
        checked = pl.read_parquet(path)
        rows[key] = checked.filter(pl.col("reject_codes").list.len() == 0)
    timings["read_normalise_validate_s"] = round(time.perf_counter() - started, 2)
    return registry, rows, timings


def truth_of(sample: Path, truth: Path | None = None) -> tuple[pl.DataFrame, dict | None]:
    """The truth as `ducpho-etl evaluate` reads it (our generator's truth/ or a labelled set's
    truth.parquet): `truth` when given, else sample/truth or sample/truth.parquet."""
    if truth is None:
        truth = sample / "truth" if (sample / "truth").is_dir() else sample
    return load_truth(truth)


def truth_links(sample: Path, truth: Path | None = None) -> pl.DataFrame:
    """KEY -> true_person_id for rows due a link (the evaluation's definition)."""
    frame, _ = truth_of(sample, truth)
    return frame.filter(pl.col("expected_status").is_in(LINK_STATUSES)
                        & pl.col("true_person_id").is_not_null()).select(*TRUTH_KEY, "true_person_id")


def truth_persons(truth: pl.DataFrame) -> pl.DataFrame:
    """KEY -> true_person_id of every row that has one."""
    return truth.filter(pl.col("true_person_id").is_not_null()).select(*TRUTH_KEY,
                                                                        "true_person_id")


def keyed(links: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Links keyed as the truth keys its rows (a labelled set: file names without folders, no
    sheet)."""
    if "kind" not in truth.columns:
        return links
    return links.with_columns(pl.col("source_file").str.split("/").list.last(),
                              pl.lit(None, pl.Utf8).alias("sheet"))


def outcome_scores(links: pl.DataFrame, truth: pl.DataFrame, cleaned: dict | None,
                   registry: pl.DataFrame) -> dict:
    """What a tool's links alone make of the rows, the same way for every tool: a row's first
    link to a person in a source is cleaned (or deceased, the person dead), later ones
    duplicates, a row without a link not_found. Per-source cleaned error against the truth's
    count, outsiders (rows due no person) left unlinked, deceased residents flagged."""
    dead = registry.filter(~pl.col("alive")).select("person_id")
    rows = truth.join(links, on=TRUTH_KEY, how="left", nulls_equal=True).sort(TRUTH_KEY)
    rows = rows.with_columns(
        first=pl.col("person_id").is_not_null()
        & (pl.int_range(pl.len()).over(["source", "person_id"]) == 0),
        dead=pl.col("person_id").is_in(dead["person_id"].implode()))
    counted = rows.group_by("source").agg((pl.col("first") & ~pl.col("dead")).sum().alias("n"))
    if cleaned is None:
        cleaned = dict(truth.group_by("source").agg(
            (pl.col("expected_status") == "matched").sum()).iter_rows())
    errors = {s: (n - cleaned[s]) / max(1, cleaned[s]) for s, n in counted.iter_rows()
              if s in cleaned}
    outsider = (pl.col("kind") == "outsider") if "kind" in truth.columns else (
        pl.col("expected_status") == "not_found")
    deceased = (pl.col("kind") == "deceased") if "kind" in truth.columns else (
        pl.col("expected_status") == "deceased")
    outsiders = rows.filter(outsider)
    dead_rows = rows.filter(deceased)
    return {
        "worst_cleaned_err": round(max((abs(e) for e in errors.values()), default=0.0), 5),
        "outsiders_unlinked": round(outsiders.filter(pl.col("person_id").is_null()).height
                                    / max(1, outsiders.height), 4),
        "deceased_flagged": round(dead_rows.filter(pl.col("dead") | (pl.col("person_id").is_not_null()
                                                                    & ~pl.col("first"))).height
                                  / max(1, dead_rows.height), 4),
    }


def score(links: pl.DataFrame, due: pl.DataFrame, persons: pl.DataFrame | None = None) -> dict:
    """Precision/recall of `links` (KEY, person_id: the links a tool made) against `due`; a
    link is right when it names the row's true person (`persons`: KEY -> true_person_id of
    every row with one, rows due no link included, such as a labelled set's ambiguous ones;
    `due` when not given)."""
    joined = links.join(due if persons is None else persons, on=TRUTH_KEY, how="left",
                        nulls_equal=True)
    made = joined.height
    right = joined.filter(pl.col("person_id") == pl.col("true_person_id")).height
    right_due = links.join(due, on=TRUTH_KEY, nulls_equal=True).filter(
        pl.col("person_id") == pl.col("true_person_id")).height
    precision = right / made if made else 1.0
    recall = right_due / due.height if due.height else 1.0
    return {"links_made": made, "links_correct": right, "links_due": due.height,
            "precision": round(precision, 5), "recall": round(recall, 5)}


def median_run(measure, repeats: int = 3) -> tuple[object, float, list[float]]:
    """measure() -> (result, seconds), `repeats` times: (first result, median seconds, all
    seconds). One run on a shared 2-core machine varies by a quarter; the median does not."""
    runs = [measure() for _ in range(repeats)]
    seconds = [round(s, 2) for _, s in runs]
    return runs[0][0], sorted(seconds)[len(seconds) // 2], seconds


def link_sources(registry: pl.DataFrame, sources: dict[str, pl.DataFrame], workers: int | None = None
                 ) -> tuple[pl.DataFrame, dict]:
    """Our linkage as the nightly run does it: the registry's index built once, then every source
    linked, `workers` sources at a time (default configured_workers(), the flow's thread pool),
    largest first as the flow submits them (pipeline.largest_first, by input size; here by rows).
    Returns (KEY + person_id of every link made, timings)."""
    started = time.perf_counter()
    index = build_index(registry)
    index_s = time.perf_counter() - started

    def one(key: str) -> tuple[str, pl.DataFrame, float, str]:
        t0 = time.perf_counter()
        report: dict = {}
        links = link_rows(sources[key], index, report)
        made = (links.filter(pl.col("link_outcome") == "linked")
                .join(sources[key].select("row_id", *TRUTH_KEY), on="row_id")
                .select(*TRUTH_KEY, "person_id"))
        return key, made, time.perf_counter() - t0, report["kind"]

    with ThreadPoolExecutor(max_workers=workers or configured_workers()) as pool:
        done = list(pool.map(one, sorted(sources, key=lambda k: -sources[k].height)))
    total = time.perf_counter() - started
    timings = {"link_s": round(total, 2), "workers": workers, "index_s": round(index_s, 2),
               "per_source": {key: {"rows": sources[key].height, "seconds": round(s, 2),
                                    "weights": kind} for key, _, s, kind in done}}
    return pl.concat([made for _, made, _, _ in done]), timings
