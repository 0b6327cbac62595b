"""Splink (DuckDB backend) against our linker on the same generated sample and cleaned fields.

Setup (Splink 5.0.0 lives in its own venv only, never in the project's dependencies):
    python -m venv .venv-bench && .venv-bench/bin/pip install -e . -r benchmarks/requirements-splink.txt
Usage:
    .venv-bench/bin/python benchmarks/splink_compare.py [SAMPLE_DIR]   (default sample_data/full)
    .venv-bench/bin/python benchmarks/splink_compare.py ../shared/validation/input [TRUTH]
      (an input folder made elsewhere: its truth.parquet beside it, or TRUTH, in either format)

Both tools get the registry and every source's rows after our normaliser and validation
(rejected rows left out): family/middle/given name keys, accented name, birth year/month/day,
gender, 2025 commune code, the 12-digit ID (when usable) and the old CMND. Splink's model:
blocking rules like ours (plus exact ID and CMND), comparisons for the name parts (Jaro-Winkler,
term frequencies on the given name), birth date (custom levels: exact, day/month swapped, lunar
year +-1, year only, ...), gender, commune, ID and CMND; lambda from the exact-ID rule, u by
random sampling, m by EM. A row is linked by Splink to its best candidate when that pair's
match probability is >= 0.9 and no other candidate of the row reaches it.
Each tool's time is the median of three runs (common.median_run); ours as the nightly run links
(common.link_sources), and with one worker.
Precision/recall are of links (person named) against the truth, as `ducpho-etl evaluate` counts;
worst cleaned error, outsiders left unlinked and deceased flagged are what each tool's links
alone make of the rows (common.outcome_scores), the same way for both tools.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import polars as pl  # noqa: E402
from common import (  # noqa: E402
    TRUTH_KEY,
    configured_workers,
    keyed,
    link_sources,
    median_run,
    outcome_scores,
    peak_rss_gb,
    prepared,
    score,
    truth_links,
    truth_of,
    truth_persons,
)

SPLINK_THRESHOLD = 0.9
FIELDS = ["family_key", "middle_key", "given_key", "name", "birth_year", "birth_month",
          "birth_day", "gender", "xa_2025", "id12", "cmnd9"]


def splink_inputs(registry: pl.DataFrame, sources: dict[str, pl.DataFrame]
                  ) -> tuple[pl.DataFrame, pl.DataFrame]:
    reg = registry.select(pl.col("person_id").alias("unique_id"),
                          *[c for c in FIELDS if c not in ("id12",)],
                          pl.col("person_id").alias("id12"))
    rows = pl.concat([
        frame.select(pl.concat_str(pl.lit(key + ":"), pl.col("row_id").cast(pl.Utf8))
                     .alias("unique_id"), *TRUTH_KEY,
                     *[c for c in FIELDS if c != "id12"],
                     pl.when(pl.col("id12_status").is_in(["ok", "padded"])).then(pl.col("id12"))
                     .alias("id12"))
        for key, frame in sources.items()
    ], how="vertical_relaxed")
    casts = {"birth_year": pl.Int32, "birth_month": pl.Int32, "birth_day": pl.Int32}
    return reg.cast(casts), rows.cast(casts)


def splink_model():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    y, m, d = "birth_year", "birth_month", "birth_day"
    birth = cl.CustomComparison(
        output_column_name="birth",
        comparison_levels=[
            {"sql_condition": f"{y}_l IS NULL OR {y}_r IS NULL", "label_for_charts": "unknown",
             "is_null_level": True},
            cll.CustomLevel(f"{y}_l = {y}_r AND {m}_l = {m}_r AND {d}_l = {d}_r", "exact"),
            cll.CustomLevel(f"{y}_l = {y}_r AND {m}_l = {d}_r AND {d}_l = {m}_r", "day/month swap"),
            cll.CustomLevel(f"abs({y}_l - {y}_r) = 1 AND {m}_l = {m}_r AND {d}_l = {d}_r", "lunar"),
            cll.CustomLevel(f"{y}_l = {y}_r AND ({d}_l IS NULL OR {d}_r IS NULL)", "year only"),
            cll.CustomLevel(f"{y}_l = {y}_r", "year, day differs"),
            cll.CustomLevel(f"abs({y}_l - {y}_r) = 1", "year +-1"),
            cll.ElseLevel(),
        ],
    )
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            block_on("id12"),
            block_on("cmnd9"),
            block_on("family_key", "given_key", "birth_year"),
            "l.family_key = r.family_key AND l.given_key = r.given_key "
            "AND abs(l.birth_year - r.birth_year) = 1",
            block_on("family_key", "birth_year", "gender", "xa_2025"),
            block_on("given_key", "birth_year", "gender", "xa_2025"),
            block_on("middle_key", "given_key", "birth_year", "gender"),
            block_on("family_key", "birth_year", "birth_month", "birth_day"),
            block_on("given_key", "birth_year", "birth_month", "birth_day"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("family_key", [0.95, 0.85]),
            cl.JaroWinklerAtThresholds("middle_key", [0.95, 0.85]),
            cl.JaroWinklerAtThresholds("given_key", [0.95, 0.85])
            .configure(term_frequency_adjustments=True),
            birth,
            cl.ExactMatch("gender"),
            cl.ExactMatch("xa_2025"),
            cl.ExactMatch("id12"),
            cl.ExactMatch("cmnd9"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    return settings, block_on


def run_splink(reg: pl.DataFrame, rows: pl.DataFrame) -> tuple[pl.DataFrame, float, dict]:
    import duckdb
    from splink import DuckDBAPI, Linker

    settings, block_on = splink_model()
    con = duckdb.connect()
    reg_pd, rows_pd = reg.to_arrow(), rows.drop(TRUTH_KEY).to_arrow()
    con.register("registry_in", reg_pd)
    con.register("rows_in", rows_pd)
    con.execute("CREATE TABLE registry AS SELECT * FROM registry_in")
    con.execute("CREATE TABLE source_rows AS SELECT * FROM rows_in")
    started = time.perf_counter()
    db_api = DuckDBAPI(con)
    # Splink 5: the linker takes registered tables (Splink 4 took names and db_api=)
    tables = [db_api.register("registry", dataset_display_name="registry"),
              db_api.register("source_rows", dataset_display_name="source_rows")]
    linker = Linker(tables, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("id12")], recall=0.9)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("id12"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("family_key", "given_key", "birth_year"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("birth_year", "birth_month", "birth_day", "gender"))
    pairs = linker.inference.predict(threshold_match_probability=0.01).as_duckdbpyrelation().pl()
    # which side is the source row ("source:row_id"); registry IDs are 12 digits
    left_is_reg = not pairs["unique_id_l"].head(1).str.contains(":").any()
    row_col, reg_col = ("unique_id_r", "unique_id_l") if left_is_reg else ("unique_id_l", "unique_id_r")
    best = (pairs.select(pl.col(row_col).alias("unique_id"), pl.col(reg_col).alias("person_id"),
                         "match_probability")
            .sort(["unique_id", "match_probability"], descending=[False, True])
            .group_by("unique_id", maintain_order=True).agg(
                pl.col("person_id").first(), pl.col("match_probability").first().alias("p"),
                (pl.col("match_probability") >= SPLINK_THRESHOLD).sum().alias("above")))
    links = best.filter((pl.col("p") >= SPLINK_THRESHOLD) & (pl.col("above") == 1))
    seconds = time.perf_counter() - started
    info = {"pairs_scored": pairs.height}
    return links.select("unique_id", "person_id"), seconds, info


def _ours(registry: pl.DataFrame, sources: dict[str, pl.DataFrame], workers: int):
    links, timings = link_sources(registry, sources, workers)
    return (links, timings), timings["link_s"]


def _splink(reg: pl.DataFrame, rows: pl.DataFrame):
    links, seconds, info = run_splink(reg, rows)
    return (links, info), seconds


def main(argv: list[str]) -> None:
    """FOLDER [TRUTH]: a sample folder (input/ and truth/) or an input folder such as a labelled
    set's (its truth.parquet beside it, or TRUTH)."""
    sample = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "sample_data" / "full"
    truth_path = Path(argv[1]) if len(argv) > 1 else None
    if truth_path is None and not (sample / "input").is_dir():
        truth_path = sample.parent
    cache = Path("/tmp/bench_scale") / f"cache_{sample.resolve().parent.name}_{sample.name}"
    registry, sources, timings = prepared(sample, cache)
    truth, cleaned = truth_of(sample, truth_path)
    due = truth_links(sample, truth_path)
    (our_links, ours), our_s, our_runs = median_run(lambda: _ours(registry, sources, configured_workers()))
    _, one_s, one_runs = median_run(lambda: _ours(registry, sources, 1))
    reg, rows = splink_inputs(registry, sources)
    (splink_links, info), splink_s, splink_runs = median_run(lambda: _splink(reg, rows))
    splink_keyed = splink_links.join(rows.select("unique_id", *TRUTH_KEY), on="unique_id").select(
        *TRUTH_KEY, "person_id")
    our_links, splink_keyed = keyed(our_links, truth), keyed(splink_keyed, truth)
    result = {
        "sample": str(sample), "registry": registry.height, "rows": rows.height, **timings,
        "ours": {**score(our_links, due, truth_persons(truth)),
                 **outcome_scores(our_links, truth, cleaned, registry),
                 **{k: v for k, v in ours.items() if k != "per_source"},
                 "link_s": our_s, "link_s_runs": our_runs, "link_s_one_worker": one_s,
                 "link_s_one_worker_runs": one_runs},
        "splink": {**score(splink_keyed, due, truth_persons(truth)),
                   **outcome_scores(splink_keyed, truth, cleaned, registry),
                   "link_s": splink_s, "link_s_runs": splink_runs, **info,
                   "threshold": SPLINK_THRESHOLD, "version": _splink_version()},
        "peak_rss_gb": round(peak_rss_gb(), 2),
    }
    print(json.dumps(result, indent=1))
    print(f"{'tool':8} {'precision':>9} {'recall':>8} {'cleaned err':>11} {'outsiders':>9} "
          f"{'deceased':>8} {'links':>8} {'seconds':>8}")
    for tool in ("ours", "splink"):
        r = result[tool]
        print(f"{tool:8} {r['precision']:9.5f} {r['recall']:8.5f} {r['worst_cleaned_err']:11.2%} "
              f"{r['outsiders_unlinked']:9.4f} {r['deceased_flagged']:8.4f} "
              f"{r['links_made']:8d} {r['link_s']:8.1f}")
    ours_s, splink_s = result["ours"]["link_s"], result["splink"]["link_s"]
    print(f"our linkage time / Splink's: {ours_s / splink_s:.3f} "
          f"(one worker: {result['ours']['link_s_one_worker'] / splink_s:.3f})")


def _splink_version() -> str:
    from importlib.metadata import version

    return version("splink")


if __name__ == "__main__":
    main(sys.argv[1:])
