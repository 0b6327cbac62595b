"""Trends over every published run: cleaned counts and rows needing action per source (agency),
OUTPUT/history.html with links to each run's report and return lists."""

from __future__ import annotations

import json
import os
from html import escape
from pathlib import Path

import polars as pl

from ducpho_etl.privacy import restrict
from ducpho_etl.publish import read_summary_csv
from ducpho_etl.report import charts
from ducpho_etl.report.model import action_counts
from ducpho_etl.report.numbers import fmt_datetime, fmt_int

HISTORY_SCHEMA = {"run_id": pl.Utf8, "started_utc": pl.Utf8, "source": pl.Utf8, "label": pl.Utf8,
                  "raw_rows": pl.Int64, "cleaned": pl.Int64, "needs_action": pl.Int64,
                  "stale": pl.Boolean, "failed": pl.Boolean}


def run_history(output: Path) -> pl.DataFrame:
    """One row per (published run, source incl. 'total'), sorted by run id then summary order.

    Folders whose name starts with "." (incomplete runs) and folders without summary.csv are skipped.
    """
    runs = Path(output) / "runs"
    frames = []
    folders = sorted(p for p in runs.iterdir() if p.is_dir() and not p.name.startswith(".")) \
        if runs.is_dir() else []
    for folder in folders:
        summary_path = folder / "summary.csv"
        if not summary_path.is_file():
            continue
        summary = read_summary_csv(summary_path)
        action, _ = action_counts(folder)
        action["total"] = sum(action.values())
        manifest = {}
        if (folder / "manifest.json").is_file():
            try:
                manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                manifest = {}
        sources = manifest.get("sources") or {}
        stale = {k for k, v in sources.items() if isinstance(v, dict) and v.get("stale")}
        failed = {k for k, v in sources.items() if isinstance(v, dict) and v.get("error") and k not in stale}
        frames.append(summary.select(
            pl.lit(folder.name).alias("run_id"),
            pl.lit(manifest.get("started_utc"), pl.Utf8).alias("started_utc"),
            "source", "label", pl.col("raw_rows").cast(pl.Int64), pl.col("cleaned").cast(pl.Int64),
            pl.col("source").replace_strict(action, default=None, return_dtype=pl.Int64)
            .alias("needs_action"),
            pl.col("source").is_in(list(stale)).alias("stale"),
            pl.col("source").is_in(list(failed)).alias("failed")))
    if not frames:
        return pl.DataFrame(schema=HISTORY_SCHEMA)
    return pl.concat(frames).select(list(HISTORY_SCHEMA))


def history_table(history: pl.DataFrame, values: str = "cleaned") -> pl.DataFrame:
    """Wide: one row per run, one column of `values` (cleaned, needs_action) per source (and the
    total)."""
    if not history.height:
        return pl.DataFrame({"run_id": []}, schema={"run_id": pl.Utf8})
    order = history.unique("source", maintain_order=True)["source"].to_list()
    order = [s for s in order if s != "total"] + (["total"] if "total" in order else [])
    wide = history.pivot(on="source", index="run_id", values=values, aggregate_function="first")
    return wide.select("run_id", *[s for s in order if s in wide.columns]).sort("run_id")


def render_history(history: pl.DataFrame) -> str:
    """Self-contained page: one small line chart per source (each with its own scale) and a table."""
    css = ("body{font-family:'Segoe UI',Roboto,'Noto Sans','DejaVu Sans',Arial,sans-serif;margin:0;"
           "background:#eef1f4;color:#1d1d1d}main{max-width:1180px;margin:0 auto;background:#fff;"
           "padding:24px 32px}h1{font-size:22px;color:#0b3d66}.grid{display:flex;flex-wrap:wrap;gap:14px}"
           ".grid>div{flex:0 0 340px}table{border-collapse:collapse;font-size:13px;margin-top:18px}"
           "th,td{border:1px solid #c9d1d9;padding:4px 7px}th{background:#e8eef4}td.n{text-align:right;"
           "white-space:nowrap}td code{white-space:nowrap}td.s{background:#fff4e5}"
           ".note{font-size:13px;color:#555}")
    parts = ["<!DOCTYPE html>", '<html lang="vi"><head><meta charset="utf-8">',
             "<title>Diễn biến dữ liệu sạch qua các lần chạy</title>", f"<style>{css}</style></head>",
             "<body><main><h1>Diễn biến dữ liệu sạch và dòng cần xử lý theo nguồn qua các lần chạy</h1>",
             '<p><a href="latest/report.html">Báo cáo lần chạy mới nhất</a> · '
             '<a href="latest/returns/">Danh sách trả về mới nhất</a></p>']
    if not history.height:
        parts.append('<p class="note">Chưa có lần chạy nào được công bố.</p></main></body></html>')
        return "\n".join(parts)
    runs = history.unique("run_id", maintain_order=True).sort("run_id")
    x_labels = [_run_label(r, s) for r, s in runs.select("run_id", "started_utc").iter_rows()]
    parts.append(f'<p class="note">{fmt_int(runs.height)} lần chạy đã công bố, từ {escape(x_labels[0])} '
                 f"đến {escape(x_labels[-1])}. Mỗi biểu đồ có thang đo riêng.</p>")
    sources = history.unique("source", maintain_order=True).select("source", "label").rows()
    sources = [s for s in sources if s[0] == "total"] + [s for s in sources if s[0] != "total"]
    flags = {(r, s) for r, s, st in history.select("run_id", "source", "stale").iter_rows() if st}
    started = dict(history.select("run_id", "started_utc").unique("run_id").iter_rows())
    labels = dict(history.select("source", "label").unique("source").iter_rows())
    for values, heading, color in (("cleaned", "Dữ liệu sạch", "#1f6f43"),
                                   ("needs_action", "Dòng cần cơ quan xử lý (trả về)", "#c0392b")):
        parts.append(f"<h2>{heading}</h2>")
        parts.append('<div class="grid">')
        for key, label in sources:
            by_run = dict(history.filter(pl.col("source") == key).select("run_id", values).iter_rows())
            series = [by_run.get(r) for r in runs["run_id"]]
            shade = "#0b3d66" if key == "total" else color
            parts.append("<div>" + charts.line_panel(label or key, x_labels, series, shade) + "</div>")
        parts.append("</div>")
        wide = history_table(history, values)
        head = "".join(f"<th>{escape(labels.get(c) or c)}</th>" for c in wide.columns[1:])
        parts.append(f"<table><thead><tr><th>Lần chạy (giờ Việt Nam)</th>{head}</tr></thead><tbody>")
        for row in wide.iter_rows(named=True):
            cells = "".join(
                f'<td class="n{" s" if (row["run_id"], c) in flags else ""}">{fmt_int(row[c])}</td>'
                for c in wide.columns[1:])
            run = escape(row["run_id"])
            when = escape(_run_label(row["run_id"], started.get(row["run_id"])))
            parts.append(f'<tr><td><a href="runs/{run}/report.html">{when}</a> '
                         f'(<a href="runs/{run}/returns/">trả về</a>)<br><code>{run}</code></td>'
                         f"{cells}</tr>")
        parts.append("</tbody></table>")
    if flags:
        parts.append('<p class="note">Ô nền cam: số liệu cũ mang sang từ lần chạy trước (nguồn bị lỗi).</p>')
    parts.append("</main></body></html>")
    return "\n".join(parts)


def _run_label(run_id: str, started: str | None) -> str:
    text = fmt_datetime(started or run_id)
    return text.replace(" (giờ Việt Nam)", "") if text != run_id else run_id


def write_history(output: Path) -> tuple[pl.DataFrame, Path]:
    history = run_history(output)
    path = Path(output) / "history.html"
    _atomic_write(path, render_history(history))
    return history, path


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    restrict(tmp)
    os.replace(tmp, path)
