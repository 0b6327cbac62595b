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
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Timings too")] = False,
) -> None:
    """Write report.html, report.xlsx and returns/<source>.xlsx into a published run folder."""
    from ducpho_etl.report import build_report
    from ducpho_etl.report.numbers import fmt_decimal, fmt_int

    run_dir = _run_folder(output, run)
    if run_dir is None:
        console.print(f"[red]Không có lần chạy {run or '(mới nhất)'} trong {output} "
                      "/ no such published run", highlight=False)
        raise typer.Exit(1)
    result = build_report(run_dir)
    console.print(result["headline"], highlight=False)
    for text in result["notices"]:
        console.print(f"[bold yellow]⚠ {text}", highlight=False)
    table = Table(title=f"Đã ghi vào {run_dir}")
    table.add_column("Tệp", no_wrap=True)
    table.add_column("Dòng cần xử lý", justify="right")
    table.add_row(result["html"].name, "")
    table.add_row(result["xlsx"].name, "")
    for key, path in result["returns"].items():
        table.add_row(f"returns/{path.name}", fmt_int(result["return_rows"][key]))
    console.print(table)
    console.print(f"[bold]Cần xử lý: {fmt_int(sum(result['return_rows'].values()))} dòng của "
                  f"{len(result['returns'])} cơ quan[/] – xem {result['html']} và danh sách trả về "
                  f"trong {run_dir / 'returns'}/", highlight=False)
    if verbose:
        seconds = result["seconds"]
        console.print("thời gian: " + ", ".join(f"{k} {fmt_decimal(v, 2)} giây"
                                                for k, v in seconds.items()), highlight=False)


@app.command()
def history(
    output: Annotated[Path, typer.Option("--output", "-o", help="OUTPUT folder (runs/, latest)")],
) -> None:
    """Cleaned counts and rows needing action per source over every published run; also writes
    OUTPUT/history.html (linked to each run's report and return lists)."""
    from ducpho_etl.report import write_history
    from ducpho_etl.report.history import history_table
    if not (output / "runs").is_dir():
        console.print(f"[red]Không có thư mục runs/ trong {output} / no runs folder", highlight=False)
        raise typer.Exit(1)
    frame, path = write_history(output)
    if not frame.height:
        console.print(f"Chưa có lần chạy nào được công bố trong {output}; đã ghi {path}",
                      highlight=False)
        return
    labels = dict(frame.select("source", "label").unique("source").iter_rows())
    started = dict(frame.select("run_id", "started_utc").unique("run_id").iter_rows())
    for values, title in (("cleaned", "Dữ liệu sạch theo nguồn qua các lần chạy"),
                          ("needs_action", "Dòng cần cơ quan xử lý (trả về) qua các lần chạy")):
        console.print(_history_table(history_table(frame, values), title, labels, started))
    console.print(f"Biểu đồ và bảng: {path} (có liên kết tới báo cáo và danh sách trả về của từng "
                  "lần chạy)", highlight=False)


def _history_table(wide, title: str, labels: dict, started: dict) -> Table:
    """One row per source, one column per run (the latest that fit the terminal, dated in Việt
    Nam time), then the change since the run before."""
    from ducpho_etl.report.numbers import fmt_datetime, fmt_int

    runs = wide["run_id"].to_list()
    fit = max(1, (console.width - 46) // 13)
    shown = runs[-fit:]

    def when(run_id: str) -> str:
        return fmt_datetime(started.get(run_id) or run_id).replace(" (giờ Việt Nam)", "")

    span = when(shown[0]) if len(shown) == 1 else f"từ {when(shown[0])} đến {when(shown[-1])}"
    table = Table(title=title, caption=f"{len(runs)} lần chạy (giờ Việt Nam); hiện {span}")
    table.add_column("Nguồn", no_wrap=False, overflow="fold", min_width=14, max_width=28)
    for run_id in shown:
        table.add_column(when(run_id).replace(" ", "\n", 1), justify="right", no_wrap=True, min_width=10)
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
    return table
