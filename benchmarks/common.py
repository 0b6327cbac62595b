"""Shared by the linkage benchmarks: a sample's registry and each source's linkable rows,
normalised and validated exactly as the pipeline does (cached as Parquet beside the sample)."""

from __future__ import annotations

import json
import resource
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl

from ducpho_etl.contracts import load_sources
from ducpho_etl.ingest import read_source
from ducpho_etl.link import link_rows
from ducpho_etl.link.index import build_index
from ducpho_etl.normalize import normalize_frame
from ducpho_etl.pipeline import MAX_WORKERS
from ducpho_etl.registry import load_prepared_registry
from ducpho_etl.validate import validate_rows

TRUTH_KEY = ["source", "source_file", "sheet", "source_row"]
LINK_STATUSES = ["matched", "duplicate", "deceased"]


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def prepared(sample: Path, cache: Path | None = None, data_year: int = 2023
             ) -> tuple[pl.DataFrame, dict[str, pl.DataFrame], dict]:
    """(prepared registry, {source: linkable rows}, timings) for sample/input."""
    cache = cache or sample / "bench_cache"
    cache.mkdir(parents=True, exist_ok=True)
    # a regenerated sample (same folder, new files) must not reuse the old cache
    stamp = json.dumps(sorted((str(p.relative_to(sample)), p.stat().st_size, p.stat().st_mtime_ns)
                              for p in (sample / "input").rglob("*") if p.is_file()))
    if not (cache / "stamp.json").exists() or (cache / "stamp.json").read_text() != stamp:
        for old in cache.glob("*.parquet"):
            old.unlink()
        (cache / "stamp.json").write_text(stamp)
    timings: dict = {}
    started = time.perf_counter()
    _, registry, _ = load_prepared_registry(sample / "input" / "registry")
    timings["registry_s"] = round(time.perf_counter() - started, 2)
    rows: dict[str, pl.DataFrame] = {}
    started = time.perf_counter()
    for key, contract in load_sources().items():
        path = cache / f"{key}.parquet"
        if not path.exists():
            raw, _ = read_source(sample / "input" / key, contract)
            frame = raw.with_row_index("row_id").with_columns(
                pl.lit(data_year, pl.Int32).alias("reference_year"))
            canon = normalize_frame(frame)
            checked = canon.join(validate_rows(canon, contract), on="row_id", how="left")
            checked.write_parquet(path)
        checked = pl.read_parquet(path)
        rows[key] = checked.filter(pl.col("reject_codes").list.len() == 0)
    timings["read_normalise_validate_s"] = round(time.perf_counter() - started, 2)
    return registry, rows, timings


def truth_links(sample: Path) -> pl.DataFrame:
    """KEY -> true_person_id for rows due a link (the evaluation's definition)."""
    truth = pl.read_parquet(sample / "truth" / "truth.parquet")
    return truth.filter(pl.col("expected_status").is_in(LINK_STATUSES)
                        & pl.col("true_person_id").is_not_null()).select(*TRUTH_KEY, "true_person_id")


def score(links: pl.DataFrame, due: pl.DataFrame) -> dict:
    """Precision/recall of `links` (KEY, person_id: the links a tool made) against `due`."""
    joined = links.join(due, on=TRUTH_KEY, how="left", nulls_equal=True)
    made = joined.height
    right = joined.filter(pl.col("person_id") == pl.col("true_person_id")).height
    precision = right / made if made else 1.0
    recall = right / due.height if due.height else 1.0
    return {"links_made": made, "links_correct": right, "links_due": due.height,
            "precision": round(precision, 5), "recall": round(recall, 5)}


def median_run(measure, repeats: int = 3) -> tuple[object, float, list[float]]:
    """measure() -> (result, seconds), `repeats` times: (first result, median seconds, all
    seconds). One run on a shared 2-core machine varies by a quarter; the median does not."""
    runs = [measure() for _ in range(repeats)]
    seconds = [round(s, 2) for _, s in runs]
    return runs[0][0], sorted(seconds)[len(seconds) // 2], seconds


def link_sources(registry: pl.DataFrame, sources: dict[str, pl.DataFrame], workers: int = MAX_WORKERS
                 ) -> tuple[pl.DataFrame, dict]:
    """Our linkage as the nightly run does it: the registry's index built once, then every source
    linked, `workers` sources at a time (pipeline.MAX_WORKERS, the flow's thread pool), largest
    first as the flow submits them (pipeline.largest_first, by input size; here by rows).
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

    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(one, sorted(sources, key=lambda k: -sources[k].height)))
    total = time.perf_counter() - started
    timings = {"link_s": round(total, 2), "workers": workers, "index_s": round(index_s, 2),
               "per_source": {key: {"rows": sources[key].height, "seconds": round(s, 2),
                                    "weights": kind} for key, _, s, kind in done}}
    return pl.concat([made for _, made, _, _ in done]), timings
