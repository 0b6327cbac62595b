"""A contract edited in a DUCPHO_SCHEMAS_DIR folder, as an operator meets it: the next nightly run
recomputes the source under the new contract (never serves the old result from the cache), and
the published counts follow the edit."""

import shutil

from ducpho_etl.config import load_config
from ducpho_etl.contracts import PACKAGE_SCHEMAS_DIR
from ducpho_etl.publish import latest_run, read_manifest, read_summary_csv

OTHER_SOURCES = ("hoi_nong_dan", "bhxh", "tre_em", "nguoi_cao_tuoi", "bao_tro_xa_hoi",
                 "nguoi_co_cong")


def _published(output) -> tuple[dict, dict]:
    """(thue's row of the published summary.csv, thue's manifest entry)."""
    run_dir = latest_run(output)
    summary = read_summary_csv(run_dir / "summary.csv")
    row = summary.filter(summary["source"] == "thue").row(0, named=True)
    return row, read_manifest(run_dir)["sources"]["thue"]


def test_a_contract_edited_in_a_schemas_folder_recomputes_the_source(
        flow_sample, tmp_path, monkeypatch, prefect_harness):
    from flows.nightly import run_nightly

    input_dir = tmp_path / "input"
    shutil.copytree(flow_sample / "input", input_dir,
                    ignore=shutil.ignore_patterns(*OTHER_SOURCES))
    (tmp_path / "schemas" / "sources").mkdir(parents=True)
    contract = tmp_path / "schemas" / "sources" / "thue.yaml"
    shutil.copy(PACKAGE_SCHEMAS_DIR / "sources" / "thue.yaml", contract)
    monkeypatch.setenv("DUCPHO_SCHEMAS_DIR", str(tmp_path / "schemas"))
    output = tmp_path / "out"

    run_nightly(load_config(input_dir, output))
    before, first_entry = _published(output)
    assert first_entry["state"] == "fresh" and before["cleaned"] > 0
    run_nightly(load_config(input_dir, output))  # nothing changed: served from the cache
    assert _published(output)[1]["state"] == "cached"

    text = contract.read_text(encoding="utf-8")
    assert "min_age: 15" in text
    contract.write_text(text.replace("min_age: 15", "min_age: 130"), encoding="utf-8")
    run_nightly(load_config(input_dir, output))
    after, entry = _published(output)
    assert entry["state"] == "fresh" and entry["cache_key"] != first_entry["cache_key"]
    # every linked person is now too young for the list: checked by an officer, none cleaned
    assert after["raw_rows"] == before["raw_rows"]
    assert after["cleaned"] == 0 and after["deceased"] == 0
    assert after["review"] == before["review"] + before["cleaned"] + before["deceased"]
