"""What officers read: report.html, report.xlsx and returns/<source>.xlsx for one published run,
and the history of cleaned counts over every run (history.html).

    build_report(run_dir) -> {"html": Path, "xlsx": Path, "returns": {source: Path}, ...}
    run_history(output)   -> polars.DataFrame (run_id, started_utc, source, label, raw_rows, cleaned, ...)
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

from ducpho_etl.privacy import restrict
from ducpho_etl.report.history import run_history, write_history
from ducpho_etl.report.html import render
from ducpho_etl.report.model import load_run
from ducpho_etl.report.returns import write_returns
from ducpho_etl.report.workbook import write_workbook

__all__ = ["build_report", "run_history", "write_history"]


def build_report(run_dir: Path) -> dict:
    """Write report.html, report.xlsx and returns/ into a published run folder; files appear whole."""
    run_dir = Path(run_dir)
    t0 = time.perf_counter()
    report = load_run(run_dir)
    timings = {"load": time.perf_counter() - t0}
    tag = uuid.uuid4().hex[:8]

    t = time.perf_counter()
    html_path = run_dir / "report.html"
    tmp_html = run_dir / f".report-{tag}.html"
    tmp_html.write_text(render(report), encoding="utf-8")
    restrict(tmp_html)
    os.replace(tmp_html, html_path)
    timings["html"] = time.perf_counter() - t

    t = time.perf_counter()
    xlsx_path = run_dir / "report.xlsx"
    tmp_xlsx = run_dir / f".report-{tag}.xlsx"
    try:
        write_workbook(report, tmp_xlsx)
        restrict(tmp_xlsx)
        os.replace(tmp_xlsx, xlsx_path)
    finally:
        tmp_xlsx.unlink(missing_ok=True)
    timings["xlsx"] = time.perf_counter() - t

    t = time.perf_counter()
    returns_dir = run_dir / "returns"
    staging = run_dir / f".returns-{tag}"
    try:
        written = write_returns(report, staging)
        restrict(staging)  # names and ID numbers as sent: owner-only whatever the umask
        old = run_dir / f".returns-old-{tag}"
        if returns_dir.exists():
            os.replace(returns_dir, old)
        os.replace(staging, returns_dir)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    timings["returns"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return {
        "run_id": report.run_id,
        "html": html_path,
        "xlsx": xlsx_path,
        "returns": {key: returns_dir / info["path"].name for key, info in written.items()},
        "return_rows": {key: info["rows"] for key, info in written.items()},
        "headline": report.headline(),
        "notices": [n.text for n in report.notices],
        "seconds": {k: round(v, 3) for k, v in timings.items()},
    }
