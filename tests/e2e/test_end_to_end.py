"""End to end on a small generated sample: the Prefect flow, row accounting, accuracy vs truth."""

from __future__ import annotations

import polars as pl
import pytest

from ducpho_etl.config import load_config
from ducpho_etl.evaluate import evaluate
from ducpho_etl.publish import latest_run
from ducpho_etl.sample import generate_sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    generate_sample(root, scale=0.02, seed=7)
    return root


@pytest.fixture(scope="module")
def run(sample, tmp_path_factory, prefect_harness):
    from flows.nightly import nightly

    output = tmp_path_factory.mktemp("output")
    outcome = nightly(load_config(sample / "input", output))
    return output, outcome


def test_run_publishes_every_source(run):
    output, outcome = run
    assert outcome.failed == {}
    run_dir = latest_run(output)
    summary = pl.read_csv(run_dir / "summary.csv")
    assert summary["source"].to_list()[-1] == "total"
    statuses = ["cleaned", "duplicate", "deceased", "review", "not_found", "rejected"]
    assert (summary.select(statuses).sum_horizontal() == summary["raw_rows"]).all()
    assert len(list((run_dir / "reconciliation").glob("*.parquet"))) == 7


def test_every_truth_row_appears_once_with_its_row_number(run, sample):
    output, _ = run
    truth = pl.read_parquet(sample / "truth" / "truth.parquet")
    result = evaluate(latest_run(output), sample / "truth")
    assert result["rows_lost"] == 0
    assert result["rows_extra"] == 0
    assert result["links_due"] > 0
    assert truth.height == sum(
        pl.read_parquet(p).height for p in (latest_run(output) / "reconciliation").glob("*.parquet"))


def test_accuracy_against_truth(run, sample):
    output, _ = run
    result = evaluate(latest_run(output), sample / "truth")
    assert result["precision"] >= 0.999, result["confusion"]
    assert result["recall"] >= 0.99, result["confusion"]


def test_cleaned_counts_close_to_truth(run, sample):
    output, _ = run
    per_source = evaluate(latest_run(output), sample / "truth")["per_source"]
    for row in per_source.iter_rows(named=True):
        assert abs(row["cleaned"] - row["cleaned_truth"]) <= max(2, 0.01 * row["cleaned_truth"]), row
