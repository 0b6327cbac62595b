"""Việt Nam time wherever an officer reads a date: the nightly run at 01:00 in Đức Phổ is 18:00
UTC of the day before, and must be dated the Vietnamese day (as_of, headings, history). Run IDs
stay UTC and end in Z."""

import json
import shutil
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from typer.testing import CliRunner

from ducpho_etl import clock
from ducpho_etl.config import load_config
from ducpho_etl.publish import SUMMARY_COLUMNS, latest_run, new_run_id, previous_result, read_manifest

NIGHT_UTC = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # 01:00 on 1 December in Việt Nam


@pytest.mark.parametrize(("moment", "day"), [
    (datetime(2026, 11, 30, 16, 59, 59, tzinfo=UTC), "2026-11-30"),  # 23:59:59 ICT
    (datetime(2026, 11, 30, 17, 0, 0, tzinfo=UTC), "2026-12-01"),    # midnight ICT
    (NIGHT_UTC, "2026-12-01"),
    (datetime(2026, 12, 1, 0, 30, tzinfo=UTC), "2026-12-01"),        # just after midnight UTC
    (datetime(2026, 12, 31, 17, 30), "2027-01-01"),                   # naive = UTC, new year
])
def test_vietnam_date_around_midnight_utc(moment, day):
    assert clock.vn_date(moment) == day


def test_headings_in_vietnam_time_run_ids_in_utc():
    run_id = new_run_id(NIGHT_UTC)
    assert run_id.startswith("20261130T180000Z-")
    assert new_run_id(NIGHT_UTC.astimezone(clock.VN_TZ)).startswith("20261130T180000Z-")
    assert clock.vn_label(clock.parse_time(run_id)) == "01/12/2026 01:00 (giờ Việt Nam)"
    from ducpho_etl.cli.run import _run_title

    assert _run_title(run_id) == f"Kết quả lần chạy {run_id}, 01/12/2026 01:00 (giờ Việt Nam)"


def _fake_run(output, run_id: str, started: datetime, cleaned: int, sources: dict | None = None):
    run_dir = output / "runs" / run_id
    (run_dir / "reconciliation").mkdir(parents=True)
    row = {"source": "thue", "label": "Thuế", "raw_rows": cleaned, "cleaned": cleaned,
           **dict.fromkeys(SUMMARY_COLUMNS[4:], 0)}
    total = {**row, "source": "total", "label": "Tổng cộng"}
    pl.DataFrame([row, total]).write_csv(run_dir / "summary.csv")
    pl.DataFrame({"status": ["matched"] * cleaned}).write_parquet(
        run_dir / "reconciliation" / "thue.parquet")
    (run_dir / "manifest.json").write_text(json.dumps(
        {"run_id": run_id, "started_utc": started.isoformat(), "sources": sources or {}}),
        encoding="utf-8")
    return run_dir


def test_stale_result_dated_by_the_vietnamese_day_it_was_computed(tmp_path):
    run_dir = _fake_run(tmp_path, new_run_id(NIGHT_UTC), NIGHT_UTC, 3)
    kept = previous_result(run_dir, read_manifest(run_dir), "thue", "Thuế")
    assert kept.as_of == "2026-12-01" and kept.from_run == run_dir.name


def test_history_dates_the_night_run_on_its_vietnamese_day(tmp_path):
    from ducpho_etl.cli import app

    _fake_run(tmp_path, new_run_id(NIGHT_UTC), NIGHT_UTC, 3)
    later = NIGHT_UTC + timedelta(days=1)
    _fake_run(tmp_path, new_run_id(later), later, 4)
    result = CliRunner().invoke(app, ["history", "--output", str(tmp_path)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    assert "01/12/2026" in result.output and "02/12/2026" in result.output
    assert "30/11/2026" not in result.output
    html = (tmp_path / "history.html").read_text(encoding="utf-8")
    assert "01/12/2026" in html and "30/11/2026" not in html


def test_nightly_run_at_one_in_the_morning_is_that_day(flow_sample, tmp_path, monkeypatch,
                                                       prefect_harness):
    from flows.nightly import run_nightly

    monkeypatch.setattr(clock, "utc_now", lambda: NIGHT_UTC)
    input_dir = tmp_path / "input"
    shutil.copytree(flow_sample / "input", input_dir, ignore=shutil.ignore_patterns(
        "hoi_nong_dan", "bhxh", "tre_em", "nguoi_cao_tuoi", "bao_tro_xa_hoi", "nguoi_co_cong"))
    outcome = run_nightly(load_config(input_dir, tmp_path / "out", sources=["thue"]))
    run_dir = latest_run(tmp_path / "out")
    assert run_dir.name.startswith("20261130T180000Z-")  # the ID says UTC
    manifest = read_manifest(run_dir)
    assert manifest["started_vn"] == "2026-12-01T01:00:00+07:00"
    assert manifest["run_id_timezone"] == "UTC"
    assert manifest["sources"]["thue"]["as_of"] == "2026-12-01"
    assert outcome.sources["thue"]["as_of"] == "2026-12-01"
