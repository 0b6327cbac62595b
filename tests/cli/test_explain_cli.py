"""`ducpho-etl explain`: one row's stage, masked candidates, levels, weights and thresholds."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ducpho_etl.cli import app
from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import load_sources
from ducpho_etl.reconcile import reconcile_source
from ducpho_etl.registry import prepare_registry
from tests.conftest import raw_frame
from tests.link.test_decisions import PEOPLE
from tests.link.test_id_comparison import _household, _year_only_row, homes  # noqa: F401


@pytest.fixture
def output(tmp_path, make_raw, make_registry):
    registry = prepare_registry(make_registry(PEOPLE), REGISTRY_REFERENCE_YEAR)
    rows = [
        {"ho_ten": "Nguyễn Văn Hùng", "ngay_sinh": "1985", "gioi_tinh": "Nam"},  # review
        {"ho_ten": "Trần Thị Lan", "ngay_sinh": "03/04/1985", "so_dinh_danh": "051185000003"},
        {"ho_ten": "Ai Đó", "ngay_sinh": "1980"},
    ]
    recon, _ = reconcile_source(make_raw(rows), load_sources()["bhxh"], registry)
    run = tmp_path / "runs" / "r1" / "reconciliation"
    run.mkdir(parents=True)
    recon.write_parquet(run / "bhxh.parquet")
    (tmp_path / "latest").symlink_to(tmp_path / "runs" / "r1")
    return tmp_path


def _explain(output, *args: str) -> str:
    result = CliRunner().invoke(app, ["explain", "-o", str(output), "-s", "bhxh", *args],
                                env={"COLUMNS": "200"})
    return result.output + (f"\nexit {result.exit_code}" if result.exit_code else "")


def test_review_row_lists_masked_candidates_with_levels_and_weights(output):
    text = _explain(output, "--row", "2")
    assert "Kết quả: Cần xác minh (status: review)" in text and "(stage): fuzzy" in text
    assert "051******001" in text and "051******002" in text
    assert "051085000001" not in text and "Nguyễn" not in text and "Hùng" not in text
    assert "cùng năm (+4,00)" in text  # hand-set fallback weight on a tiny file, Vietnamese
    assert "link_threshold=12.0" in text and "margin=3.0" in text


def test_exact_row_shows_its_pair_levels(output):
    text = _explain(output, "--row", "3", "--file", "a.csv")
    assert "(stage): id12" in text and "trùng (+10,00)" in text
    assert "T. T. L." in text and "Trần" not in text


def test_row_without_candidates_and_unknown_row(output):
    assert "no linkage evidence" in _explain(output, "--row", "4")
    assert "exit 1" in _explain(output, "--row", "99")



def test_not_found_row_shows_the_people_it_was_compared_with(tmp_path, homes):  # noqa: F811
    # a resident's name and year, another commune and a stranger's ID: more likely someone
    # from elsewhere (not_found), and explain shows whom it was compared with and how likely
    registry, people, rows = homes
    person, _, stranger = _household(people)
    other_commune = next(p["ma_xa"] for p in people if p["ma_xa"] != person["ma_xa"])
    row = {**_year_only_row(person, stranger["so_dinh_danh"]), "xa": other_commune}
    recon, _ = reconcile_source(raw_frame([*rows, row]), load_sources()["bhxh"], registry)
    last = recon.row(-1, named=True)
    assert (last["status"], last["person_id"], last["link_stage"]) == ("not_found", None, "none")
    assert last["candidate_count"] >= 1
    run = tmp_path / "runs" / "r1" / "reconciliation"
    run.mkdir(parents=True)
    recon.write_parquet(run / "bhxh.parquet")
    (tmp_path / "latest").symlink_to(tmp_path / "runs" / "r1")
    text = _explain(tmp_path, "--row", str(last["source_row"]))
    assert "compared, none likely enough" in text and "no linkage evidence" not in text
    assert f"051******{person['so_dinh_danh'][-3:]}" in text and "số của người khác" in text
    assert person["so_dinh_danh"] not in text
