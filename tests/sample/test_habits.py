"""The generator writes what agencies really send (issue 13) and the pipeline reads it.

The header-rename test regenerates the small sample with every header worded another way (same
seed: the same people, rows and cells) and must get the same reconciliation, row for row.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.pipeline import select_sources, shared_registry
from ducpho_etl.sample import generate_sample
from ducpho_etl.sample.habits import HEADER_WORDINGS
from tests.stages import stage_result

SCALE = 0.02
SEED = 11
HABIT_TAGS = ("name_annotation", "name_stray_symbol", "name_invisible_char", "name_fullwidth",
              "id_with_label", "id_dashes", "id_spaces_around", "id_float_text", "id_two_in_cell",
              "id_fullwidth", "id_invisible_char", "id_typographic_apostrophe", "date_in_words",
              "date_lunar_note", "date_spaces", "date_fullwidth", "date_month_year")
KEY = ["source", "source_file", "sheet", "source_row"]


def _run(root: Path) -> tuple[pl.DataFrame, dict[str, list[dict]]]:
    """Every source read and reconciled as a run does (library level, no Prefect)."""
    raw, index = shared_registry(root / "input", REGISTRY_REFERENCE_YEAR)
    frames, files = [], {}
    for key, contract in select_sources(None).items():
        result = stage_result(root / "input", contract, index, raw)
        frames.append(result.reconciliation.select(*KEY, "status", "person_id", "reason_codes"))
        files[key] = result.files
    return pl.concat(frames), files


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    root = tmp_path_factory.mktemp("habits")
    generate_sample(root, scale=SCALE, seed=SEED)
    return root, *_run(root)


@pytest.fixture(scope="module")
def renamed(tmp_path_factory):
    root = tmp_path_factory.mktemp("renamed")
    generate_sample(root, scale=SCALE, seed=SEED, header_variant=1)
    return root, *_run(root)


def test_at_least_five_wordings_per_field() -> None:
    assert set(HEADER_WORDINGS) >= {"ho_ten", "ngay_sinh", "gioi_tinh", "so_dinh_danh", "so_cmnd",
                                    "ma_bhxh", "the_bhyt", "mst", "xa", "dia_chi", "thon"}
    for field, wordings in HEADER_WORDINGS.items():
        assert len(set(wordings)) >= 5, field


def _headers(files: dict[str, list[dict]]) -> dict[tuple, tuple[str, str]]:
    return {(key, f["file"], f["sheet"], m["column"]): (m["header"], m["field"])
            for key, reports in files.items() for f in reports for m in f.get("columns", [])}


def test_renamed_headers_give_the_same_reconciliation(original, renamed) -> None:
    _, recon_a, files_a = original
    _, recon_b, files_b = renamed
    headers_a, headers_b = _headers(files_a), _headers(files_b)
    assert headers_a.keys() == headers_b.keys()
    renamed_columns = [k for k in headers_a if headers_a[k][0] != headers_b[k][0]]
    worded = [k for k, (_, field) in headers_a.items() if field in HEADER_WORDINGS]
    assert len(renamed_columns) >= 0.9 * len(worded)  # (a sub-header "Nam"/"Nữ" keeps its word)
    assert all(headers_a[k][1] == headers_b[k][1] for k in headers_a)  # same field each column
    a = recon_a.sort(KEY, nulls_last=True)
    b = recon_b.sort(KEY, nulls_last=True)
    assert a.height == b.height > 0
    assert a.select(*KEY, "status", "person_id").equals(b.select(*KEY, "status", "person_id"))


def test_every_file_maps_its_identity_columns(original, renamed) -> None:
    for _, _, files in (original, renamed):
        for reports in files.values():
            for report in reports:
                assert report["identity_complete"] is True, report["file"]
                assert all(m["how"] != "unmapped_identity" for m in report["columns"])


def test_habits_generated_at_realistic_rates(original) -> None:
    root = original[0]
    truth = pl.read_parquet(root / "truth" / "truth.parquet")
    tags = truth.explode("noise").get_column("noise").value_counts()
    counts = dict(tags.iter_rows())
    for tag in HABIT_TAGS:
        share = counts.get(tag, 0) / truth.height
        assert 0 < share < 0.02, (tag, share)
    assert any(t.startswith("enc_tcvn3_vn1") or "tcvn3-vn1" in t for t in counts)


def test_rows_with_habits_are_read_right(original) -> None:
    root, recon, _ = original
    truth = pl.read_parquet(root / "truth" / "truth.parquet")
    rows = truth.join(recon, on=KEY, nulls_equal=True)
    assert rows.height == truth.height
    habit = rows.filter(pl.col("noise").list.eval(pl.element().is_in(HABIT_TAGS)).list.any())
    assert habit.height > 50
    right = habit.filter((pl.col("status") == pl.col("expected_status"))
                         & (pl.col("person_id").eq_missing(pl.col("true_person_id"))))
    assert right.height >= 0.99 * habit.height


def test_vn1_files_hold_capitals_below_0x20_and_read_as_tcvn3(original) -> None:
    root, _, files = original
    vn1 = [(key, f) for key, reports in files.items() for f in reports
           if f["encoding"] in ("tcvn3",) and f["file"].endswith((".csv", ".txt"))
           and any(0 < b < 0x20 and b not in (9, 10, 13)
                   for b in (root / "input" / key / f["file"]).read_bytes())]
    assert vn1, "no TCVN3 file written as iconv writes TCVN5712-1"
