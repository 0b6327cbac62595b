"""The content-keyed result cache and the carry-over of earlier results (no Prefect)."""

from __future__ import annotations

import os

import polars as pl

from ducpho_etl import cache
from ducpho_etl.publish import SourceResult, previous_result, publish_run, source_entry


def _result(key: str = "thue", n: int = 3) -> SourceResult:
    ids = [f"0510800000{i:02d}" for i in range(n)]
    recon = pl.DataFrame({"source": [key] * n, "source_file": ["a.csv"] * n,
                          "sheet": pl.Series([None] * n, dtype=pl.Utf8),
                          "source_row": list(range(2, 2 + n)), "status": ["matched"] * n,
                          "person_id": ids, "reason_codes": [[] for _ in range(n)],
                          "reason": [""] * n}, schema_overrides={"reason_codes": pl.List(pl.Utf8)})
    cleaned = recon.select("source", "source_file", "sheet", "source_row", "person_id",
                           pl.lit("Lê Văn A").alias("ho_ten"), pl.lit("1980").alias("ngay_sinh"),
                           pl.lit("Nam").alias("gioi_tinh"), pl.lit("21439").alias("ma_xa"))
    return SourceResult(key=key, label="Thuế", raw_rows=n, reconciliation=recon, cleaned=cleaned,
                        files=[{"file": "a.csv", "sha256": "x"}])


def test_key_follows_content_not_path_or_mtime(tmp_path):
    folder = tmp_path / "thue"
    folder.mkdir()
    extract = folder / "a.csv"
    extract.write_text("Họ và tên,Ngày sinh\nA,01/01/1990\n", encoding="utf-8")
    registry = [{"file": "registry.csv", "sha256": "r1"}]
    key = cache.cache_key("thue", cache.source_fingerprint(folder), registry, 2023)
    os.utime(extract, (1, 1))
    assert cache.cache_key("thue", cache.source_fingerprint(folder), registry, 2023) == key
    extract.write_text("Họ và tên,Ngày sinh\nB,01/01/1990\n", encoding="utf-8")
    changed = cache.cache_key("thue", cache.source_fingerprint(folder), registry, 2023)
    assert changed != key
    assert cache.cache_key("thue", cache.source_fingerprint(folder),
                           [{"file": "registry.csv", "sha256": "r2"}], 2023) != changed
    assert cache.cache_key("thue", cache.source_fingerprint(folder), registry, 2023,
                           code="0.1.0+other") != changed
    assert cache.code_version().startswith("0.1.0+")


def test_store_then_load_round_trips_and_prunes(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "KEEP_PER_SOURCE", 2)
    for i in range(4):
        cache.store(tmp_path, f"k{i}", _result(n=i + 1))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k2", "k3"]
    loaded = cache.load(tmp_path, "k3")
    assert loaded.state == "cached" and loaded.raw_rows == 4
    assert loaded.reconciliation.equals(_result(n=4).reconciliation)
    assert cache.load(tmp_path, "missing") is None
    (tmp_path / "k2" / "cleaned.parquet").write_bytes(b"broken")
    assert cache.load(tmp_path, "k2") is None  # a damaged entry is a miss, not an error


def test_previous_result_follows_the_run_that_computed_it(tmp_path):
    first = publish_run(tmp_path, [_result()], {"started_utc": "2026-11-01T01:00:00+00:00",
                                                "sources": {}})
    from ducpho_etl.publish import read_manifest

    kept = previous_result(first, read_manifest(first), "thue", "Thuế")
    assert kept.from_run == first.name and kept.as_of == "2026-11-01" and kept.raw_rows == 3
    kept.state, kept.error = "stale", "IngestError: a.csv: bad"
    entry = source_entry(kept, "2026-11-02")
    assert entry["stale"] and entry["from_run"] == first.name and entry["as_of"] == "2026-11-01"
    second = publish_run(tmp_path, [kept], {"started_utc": "2026-11-02T01:00:00+00:00",
                                            "sources": {"thue": entry}})
    again = previous_result(second, read_manifest(second), "thue", "Thuế")
    assert again.from_run == first.name and again.as_of == "2026-11-01"
    assert previous_result(second, read_manifest(second), "bhxh", "BHXH") is None


def test_a_contract_edited_in_a_schemas_folder_changes_the_key(tmp_path, monkeypatch):
    """DUCPHO_SCHEMAS_DIR: editing a contract there must recompute the source, never serve the
    result computed under the old contract from the cache."""
    files = [{"file": "a.csv", "sha256": "1" * 64}]
    registry = [{"file": "registry.csv", "sha256": "2" * 64}]
    package_key = cache.cache_key("thue", files, registry, 2023, code="v")
    folder = tmp_path / "schemas" / "sources"
    folder.mkdir(parents=True)
    contract = folder / "thue.yaml"
    contract.write_text("key: thue\nlabel: Thuế\nrequired: [ho_ten]\n", encoding="utf-8")
    monkeypatch.setenv("DUCPHO_SCHEMAS_DIR", str(tmp_path / "schemas"))
    before = cache.cache_key("thue", files, registry, 2023, code="v")
    contract.write_text("key: thue\nlabel: Thuế\nrequired: [ho_ten, mst]\n", encoding="utf-8")
    after = cache.cache_key("thue", files, registry, 2023, code="v")
    assert len({package_key, before, after}) == 3
    monkeypatch.delenv("DUCPHO_SCHEMAS_DIR")
    assert cache.cache_key("thue", files, registry, 2023, code="v") == package_key
