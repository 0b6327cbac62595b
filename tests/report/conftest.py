"""Fixtures for the report tests: a tiny generated sample run through the pipeline (no Prefect),
and hand-made run folders (summary.csv, manifest.json, reconciliation parquet) for exact cases."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from tests.stages import stage_result

SUMMARY_COLUMNS = ["source", "label", "raw_rows", "cleaned", "duplicate", "deceased", "review",
                   "not_found", "rejected"]

# The town report's figures (domain.md): cleaned per source, plus made-up other statuses.
TOWN = [
    ("hoi_nong_dan", "Hội Nông dân", 14740), ("bhxh", "Bảo hiểm xã hội", 147978),
    ("thue", "Thuế", 1415), ("tre_em", "Dữ liệu trẻ em", 18889),
    ("nguoi_cao_tuoi", "Người cao tuổi", 23932),
    ("bao_tro_xa_hoi", "Đối tượng bảo trợ xã hội đang hưởng trợ cấp hàng tháng", 8890),
    ("nguoi_co_cong", "Người có công", 3653),
]


def town_summary() -> pl.DataFrame:
    rows = []
    for i, (key, label, cleaned) in enumerate(TOWN):
        other = [10 * i + 1, i, 3, 20 + i, 7]
        rows.append({"source": key, "label": label, "raw_rows": cleaned + sum(other), "cleaned": cleaned,
                     **dict(zip(SUMMARY_COLUMNS[4:], other, strict=True))})
    frame = pl.DataFrame(rows)
    total = frame.select(pl.lit("total").alias("source"), pl.lit("Tổng cộng").alias("label"),
                         *[pl.col(c).sum() for c in SUMMARY_COLUMNS[2:]])
    return pl.concat([frame, total])


def write_run(output: Path, run_id: str, summary: pl.DataFrame, manifest: dict | None = None,
              recon: dict[str, pl.DataFrame] | None = None) -> Path:
    run_dir = output / "runs" / run_id
    (run_dir / "reconciliation").mkdir(parents=True, exist_ok=True)
    summary.write_csv(run_dir / "summary.csv")
    manifest = {"run_id": run_id, "started_utc": "2026-11-28T18:25:12+00:00", "data_year": 2023,
                **(manifest or {})}
    (run_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    for key, frame in (recon or {}).items():
        frame.write_parquet(run_dir / "reconciliation" / f"{key}.parquet")
    return run_dir


@pytest.fixture
def make_run():
    return write_run


@pytest.fixture
def town():
    return town_summary()


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory):
    """A generated sample (scale 0.01) run through the pipeline and published: (input dir, run dir)."""
    from ducpho_etl.pipeline import select_sources
    from ducpho_etl.publish import publish_run
    from ducpho_etl.registry import load_prepared_registry
    from ducpho_etl.sample import generate_sample

    root = tmp_path_factory.mktemp("report-sample")
    generate_sample(root, scale=0.01, seed=11)
    input_dir = root / "input"
    registry_raw, registry, registry_files = load_prepared_registry(input_dir / "registry",
                                                                    REGISTRY_REFERENCE_YEAR)
    results = [stage_result(input_dir, contract, registry, registry_raw)
               for contract in select_sources(None).values()]
    manifest = {"started_utc": "2026-11-28T18:25:12.487778+00:00", "data_year": 2023,
                "input": str(input_dir), "registry_files": registry_files,
                "sources": {r.key: {"files": r.files, "raw_rows": r.raw_rows, "error": r.error,
                                    "seconds": r.seconds} for r in results}}
    run_dir = publish_run(root / "output", results, manifest)
    return input_dir, run_dir


@pytest.fixture(scope="session")
def built_report(pipeline_run):
    from ducpho_etl.report import build_report

    _, run_dir = pipeline_run
    return build_report(run_dir)
