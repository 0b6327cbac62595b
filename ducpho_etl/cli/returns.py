"""`ducpho-etl returns import FILE...`: agencies' answers in their returned lists become
decisions that the next run honours (ducpho_etl.decisions.agency)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ducpho_etl.cli.app import app, console

returns_app = typer.Typer(no_args_is_help=True,
                          help="Agencies' returned lists (returns/<source>.xlsx) read back.")
app.add_typer(returns_app, name="returns")


@returns_app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Returned returns/<source>.xlsx files",
                                                exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="OUTPUT folder (runs/, latest)")],
    input_dir: Annotated[Path | None, typer.Option(
        "--input", "-i", help="INPUT folder with registry/ (default: the latest run's)")] = None,
    source: Annotated[str | None, typer.Option(
        "--source", "-s", help="Source key, when the file name does not say it")] = None,
) -> None:
    """Read the "Kết quả xử lý của cơ quan" column (a corrected ID, "đúng", "không phải", a note)
    and store each valid answer as the agency's decision. A file with a bad answer stores
    nothing: its bad answers are listed with sheet and row. Exit 1 when any file was refused."""
    from ducpho_etl.decisions.agency import ReturnFileError, import_returns
    from ducpho_etl.report.numbers import fmt_int

    try:
        results = import_returns(files, output, input_dir=input_dir, source=source)
    except ReturnFileError as exc:
        console.print(f"[red]✗ {exc}", highlight=False)
        raise typer.Exit(1) from None
    refused = 0
    for r in results:
        name = r.path.name
        if r.error or r.problems:
            refused += 1
            why = r.error or (f"{fmt_int(len(r.problems))} câu trả lời không hợp lệ "
                              f"({len(r.problems)} bad answers)")
            console.print(f"[red]✗ {name}: không lưu gì (nothing stored) – {why}", highlight=False)
        else:
            console.print(
                f"[green]✓[/] {name} ({r.source}): {fmt_int(r.answers)} câu trả lời (answers), "
                f"{fmt_int(r.stored)} quyết định đã lưu (decisions stored), {fmt_int(r.unchanged)} "
                f"đã có (already in force), {fmt_int(len(r.notes))} ghi chú (notes)",
                highlight=False)
        for title, items in (("Câu trả lời không hợp lệ / bad answers", r.problems),
                             ("Ghi chú, không phải quyết định / notes, not decisions", r.notes)):
            if items and not r.error:
                table = Table(title=f"{name}: {title}", title_justify="left")
                for column in ("Trang tính", "Dòng", "Dòng gốc (tệp:dòng)", "Vấn đề / ghi chú"):
                    table.add_column(column, overflow="fold")
                for p in items:
                    table.add_row(p.sheet, str(p.row), p.where, p.text)
                console.print(table)
    stored = sum(r.stored for r in results)
    if stored:
        console.print(f"Lần chạy tới sẽ áp dụng {fmt_int(stored)} quyết định "
                      f"(the next run applies them): ducpho-etl run --input … --output {output}",
                      highlight=False)
    if refused:
        raise typer.Exit(1)
