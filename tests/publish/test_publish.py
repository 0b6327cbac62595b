"""Publishing: the accounting guard, the summary's arithmetic, atomic `latest`."""

from __future__ import annotations

import json
import os

import polars as pl
import pytest

from ducpho_etl import publish
from ducpho_etl.publish import AccountingError, SourceResult, publish_run, summarise


def _recon(statuses: list[str], file: str = "a.csv") -> pl.DataFrame:
    return pl.DataFrame({
        "source": ["x"] * len(statuses), "source_file": [file] * len(statuses),
        "sheet": pl.Series([None] * len(statuses), dtype=pl.Utf8),
        "source_row": list(range(2, 2 + len(statuses))), "status": statuses,
        "person_id": [f"05100000000{i}" for i in range(len(statuses))],
        "reason_codes": [[] for _ in statuses], "reason": [""] * len(statuses),
    }, schema_overrides={"reason_codes": pl.List(pl.Utf8)})


def _result(statuses: list[str], raw_rows: int | None = None, key: str = "x") -> SourceResult:
    recon = _recon(statuses)
    cleaned = recon.filter(pl.col("status") == "matched").select(
        "source", "source_file", "sheet", "source_row", "person_id",
        pl.lit("Lê Văn A").alias("ho_ten"), pl.lit("01/01/1980").alias("ngay_sinh"),
        pl.lit("Nam").alias("gioi_tinh"), pl.lit("21439").alias("ma_xa"))
    return SourceResult(key=key, label="Nguồn X", raw_rows=len(statuses) if raw_rows is None
                        else raw_rows, reconciliation=recon, cleaned=cleaned)


def test_summary_adds_up_and_has_total_row():
    summary = summarise([_result(["matched", "matched", "duplicate", "rejected"]),
                         _result(["not_found", "review", "deceased"], key="y")])
    assert summary.columns == publish.SUMMARY_COLUMNS
    assert summary["source"].to_list() == ["x", "y", "total"]
    counts = summary.select(publish.SUMMARY_COLUMNS[3:]).sum_horizontal()
    assert counts.to_list() == summary["raw_rows"].to_list()
    assert summary.filter(pl.col("source") == "total")["cleaned"].item() == 2


def test_publish_writes_run_and_switches_latest(tmp_path):
    run_dir = publish_run(tmp_path, [_result(["matched", "review"])], {"note": "t"})
    assert (tmp_path / "latest").resolve() == run_dir.resolve()
    assert (run_dir / "reconciliation" / "x.parquet").exists()
    assert (run_dir / "cleaned" / "x.parquet").exists()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["run_id"] == run_dir.name
    assert pl.read_csv(run_dir / "summary.csv")["raw_rows"].to_list() == [2, 2]


def test_dropped_row_refuses_to_publish(tmp_path):
    first = publish_run(tmp_path, [_result(["matched"])], {})
    short = _result(["matched", "matched"], raw_rows=3)  # one row read was lost on the way
    with pytest.raises(AccountingError, match="3 rows read"):
        publish_run(tmp_path, [short], {})
    assert (tmp_path / "latest").resolve() == first.resolve()
    assert [p.name for p in (tmp_path / "runs").iterdir()] == [first.name]


def test_duplicate_row_key_refuses_to_publish(tmp_path):
    result = _result(["matched", "matched"])
    result.reconciliation = result.reconciliation.with_columns(pl.lit(2).alias("source_row"))
    with pytest.raises(AccountingError, match="appears twice"):
        publish_run(tmp_path, [result], {})


def test_interrupted_publish_leaves_latest_intact(tmp_path, monkeypatch):
    first = publish_run(tmp_path, [_result(["matched"])], {})

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed mid-publish")

    monkeypatch.setattr(publish, "switch_latest", crash)
    with pytest.raises(KeyboardInterrupt):
        publish_run(tmp_path, [_result(["matched", "duplicate"])], {})
    assert os.readlink(tmp_path / "latest") == f"runs/{first.name}"
    assert not list((tmp_path / "runs").glob(".incomplete-*"))


def test_output_contract_refuses_a_bad_table(tmp_path):
    result = _result(["matched", "review"])
    result.reconciliation = result.reconciliation.with_columns(
        pl.when(pl.col("status") == "review").then(pl.lit("maybe")).otherwise(pl.col("status"))
        .alias("status"))
    with pytest.raises((AccountingError, ValueError)):
        publish_run(tmp_path, [result], {})
    assert not (tmp_path / "latest").exists()
