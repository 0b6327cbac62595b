"""Commands for what officers read: report (HTML, XLSX, return lists) and history (trends)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ducpho_etl.cli.app import app, console


def _run_folder(output: Path, run: str | None) -> Path | None:
    from ducpho_etl.publish import latest_run

    if run is None:
        return latest_run(output)
    folder = output / "runs" / run
    if run.startswith(".") or "/" in run or not (folder / "summary.csv").is_file():
        return None
    return folder


@app.command()
def report(
    output: Annotated[Path, typer.Option("--output", "-o", help="OUTPUT folder (runs/, latest)")],
    run: Annotated[str | None, typer.Option("--run", help="Run id (default: the latest run)")] = None,
) -> None:
    """Write report.html, report.xlsx and returns/<source>.xlsx into a published run folder."""
    from ducpho_etl.report import build_report
    from ducpho_etl.report.numbers import fmt_decimal, fmt_int

    run_dir = _run_folder(output, run)
    if run_dir is None:
        console.print(f"[red]No published run {run or '(latest)'} in {output}")
        raise typer.Exit(1)
    result = build_report(run_dir)
    console.print(result["headline"])
    for text in result["notices"]:
        console.print(f"[bold yellow]⚠ {text}")
    table = Table(title=f"Written into {run_dir}")
    table.add_column("file", no_wrap=True)
    table.add_column("rows needing action", justify="right")
    table.add_row(result["html"].name, "")
    table.add_row(result["xlsx"].name, "")
    for key, path in result["returns"].items():
        table.add_row(f"returns/{path.name}", fmt_int(result["return_rows"][key]))
    console.print(table)
    seconds = result["seconds"]
    console.print("took " + ", ".join(f"{k} {fmt_decimal(v, 2)} s" for k, v in seconds.items()))


@app.command()
def history(
    output: Annotated[Path, typer.Option("--output", "-o", help="OUTPUT folder (runs/, latest)")],
) -> None:
    """Cleaned counts per source over every published run; also writes OUTPUT/history.html."""
    from ducpho_etl.report import write_history
    from ducpho_etl.report.history import history_table
    from ducpho_etl.report.numbers import fmt_datetime, fmt_int

    if not (output / "runs").is_dir():
        console.print(f"[red]No runs folder in {output}")
        raise typer.Exit(1)
    frame, path = write_history(output)
    if not frame.height:
        console.print(f"No published run in {output}; wrote {path}")
        return
    wide = history_table(frame)
    runs = wide["run_id"].to_list()
    # one row per source, one column per run: the latest runs that fit the terminal, then the change
    fit = max(1, (console.width - 46) // 13)
    shown = runs[-fit:]
    labels = dict(frame.select("source", "label").unique("source").iter_rows())
    started = dict(frame.select("run_id", "started_utc").unique("run_id").iter_rows())
    table = Table(title="Dữ liệu sạch (cleaned) theo nguồn qua các lần chạy",
                  caption=f"{len(runs)} lần chạy; cột: {shown[0]} … {shown[-1]}" if len(shown) > 1
                  else f"lần chạy {shown[0]}")
    table.add_column("Nguồn", no_wrap=True, overflow="ellipsis", max_width=28)
    for run_id in shown:
        when = fmt_datetime(started.get(run_id) or run_id).replace(" (giờ Việt Nam)", "")
        table.add_column(when.replace(" ", "\n", 1), justify="right", no_wrap=True, min_width=10)
    if len(runs) > 1:
        table.add_column("Thay\nđổi", justify="right", no_wrap=True, min_width=6)
    for source in wide.columns[1:]:
        values = wide[source].to_list()
        cells = [fmt_int(v) for v in values[-fit:]]
        if len(runs) > 1:
            last, before = values[-1], values[-2]
            change = "–" if last is None or before is None else (
                ("+" if last - before > 0 else "") + fmt_int(last - before))
            cells.append(change)
        table.add_row(labels.get(source) or source, *cells, end_section=source == wide.columns[-2])
    console.print(table)
    console.print(f"chart written to {path}")
