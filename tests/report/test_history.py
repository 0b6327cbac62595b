"""Trends over published runs: OUTPUT/runs/*/summary.csv by run id, incomplete runs ignored."""

from __future__ import annotations

import re

import polars as pl
from typer.testing import CliRunner

from ducpho_etl.report import run_history, write_history


def _shift(summary: pl.DataFrame, delta: int) -> pl.DataFrame:
    return summary.with_columns(pl.col("cleaned") + delta, pl.col("raw_rows") + delta)


def test_history_over_runs_sorted_ignoring_incomplete(tmp_path, make_run, town):
    make_run(tmp_path, "20261102T000000Z-bbbbbb", _shift(town, 10))
    make_run(tmp_path, "20261101T000000Z-aaaaaa", town)
    make_run(tmp_path, ".incomplete-20261103T000000Z-cccccc", _shift(town, 99))
    make_run(tmp_path, "20261103T000000Z-dddddd", _shift(town, 20),
             {"sources": {"thue": {"stale": True, "as_of": "2026-11-02", "error": "x"}}})
    history = run_history(tmp_path)
    assert history["run_id"].unique(maintain_order=True).to_list() == [
        "20261101T000000Z-aaaaaa", "20261102T000000Z-bbbbbb", "20261103T000000Z-dddddd"]
    thue = history.filter(pl.col("source") == "thue")
    assert thue["cleaned"].to_list() == [1415, 1425, 1435]
    assert thue["stale"].to_list() == [False, False, True]
    total = history.filter(pl.col("source") == "total")["cleaned"].to_list()
    assert total[0] == 219497

    frame, path = write_history(tmp_path)
    assert path == tmp_path / "history.html" and frame.height == history.height
    html = path.read_text(encoding="utf-8")
    assert "<script" not in html and not re.search(r"src\s*=", html) and "http" not in html
    # links only to files beside it: each run's report and return lists, the latest report
    links = re.findall(r'href="([^"]*)"', html)
    assert "latest/report.html" in links and "runs/20261103T000000Z-dddddd/report.html" in links
    assert "runs/20261101T000000Z-aaaaaa/returns/" in links
    assert all(not re.match(r"[a-z]+:|/", link) for link in links)
    assert html.count("<svg") == 16  # total + 7 sources, for cleaned rows and rows needing action
    assert "219.497" in html and "1.435" in html
    assert "Người có công" in html


def test_history_with_no_runs(tmp_path):
    assert run_history(tmp_path).height == 0
    _, path = write_history(tmp_path)
    assert "Chưa có lần chạy nào" in path.read_text(encoding="utf-8")


def test_cli_report_and_history(tmp_path, make_run, town):
    from ducpho_etl.cli import app

    make_run(tmp_path, "20261101T000000Z-aaaaaa", town, {"started_utc": "2026-11-01T00:00:00+00:00"})
    run_dir = make_run(tmp_path, "20261102T000000Z-bbbbbb", _shift(town, 1),
                       {"started_utc": "2026-11-02T18:30:00+00:00"})
    (tmp_path / "latest").symlink_to("runs/20261102T000000Z-bbbbbb")
    runner = CliRunner()
    result = runner.invoke(app, ["report", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (run_dir / "report.html").is_file() and (run_dir / "report.xlsx").is_file()
    result = runner.invoke(app, ["report", "--output", str(tmp_path), "--run", "20261101T000000Z-aaaaaa"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "runs" / "20261101T000000Z-aaaaaa" / "report.html").is_file()
    result = runner.invoke(app, ["report", "--output", str(tmp_path), "--run", "nope"])
    assert result.exit_code == 1
    result = runner.invoke(app, ["history", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    # runs dated in Việt Nam time (UTC+7: 18:30 UTC on 2 Nov is 01:30 on 3 Nov), not by UTC ids
    assert "03/11/2026" in result.output and "01:30" in result.output and "219.498" in result.output
    assert "20261102T000000Z-bbbbbb" not in result.output
    assert "+1" in result.output  # the change since the run before
    assert "Dòng cần cơ quan xử lý" in result.output
    assert (tmp_path / "history.html").is_file()
