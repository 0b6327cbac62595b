"""Commands that run the pipeline and read its results: run, summary, sample, evaluate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from ducpho_etl.cli.app import app, console


def _summary_table(summary: pl.DataFrame, title: str) -> Table:
    """Counts in Vietnamese number format (219.497); numbers never wrap or shorten, and the
    Vietnamese label is left out when the terminal is too narrow for it."""
    cells = [[f"{v:,}".replace(",", ".") if isinstance(v, int) else str(v) for v in row]
             for row in summary.iter_rows()]
    columns = list(summary.columns)
    if console.width < 130 and "label" in columns:
        drop = columns.index("label")
        columns.pop(drop)
        cells = [row[:drop] + row[drop + 1:] for row in cells]
    table = Table(title=title, show_lines=False)
    for i, column in enumerate(columns):
        width = max([len(column), *(len(row[i]) for row in cells)])
        if column == "label":
            table.add_column(column, no_wrap=True, overflow="ellipsis", max_width=40)
        elif column == "source":
            table.add_column(column, no_wrap=True, min_width=width)
        else:
            table.add_column(column, justify="right", no_wrap=True, min_width=width)
    for row in cells:
        table.add_row(*row)
    return table


@app.command()
def run(
    input: Annotated[Path, typer.Option("--input", "-i", help="registry/ + a folder per source")],
    output: Annotated[Path, typer.Option("--output", "-o", help="OUTPUT folder (runs/, latest)")],
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Only these source keys")] = None,
    data_year: Annotated[int, typer.Option(help="Year the extracts refer to (place names, ages)")] = 2023,
) -> None:
    """Run the nightly flow now (Prefect's embedded server unless PREFECT_API_URL is set)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ducpho_etl.pipeline import select_sources
    from flows.nightly import PROGRESS_HOOKS, nightly

    if not input.is_dir():
        console.print(f"[red]Input folder not found: {input}")
        raise typer.Exit(2)
    try:
        keys = list(select_sources(source))
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}")
        raise typer.Exit(2) from exc
    output.mkdir(parents=True, exist_ok=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        bar = progress.add_task("sources", total=len(keys))

        def hook(key, result) -> None:
            mark = "[red]failed" if result.error else f"{result.raw_rows:,} rows"
            progress.console.print(f"  {key}: {mark} ({result.seconds:.1f} s)")
            progress.advance(bar)

        PROGRESS_HOOKS.append(hook)
        try:
            outcome = nightly(str(input), str(output), keys, data_year)
        finally:
            PROGRESS_HOOKS.remove(hook)
    summary = pl.DataFrame(outcome["summary"])
    console.print(_summary_table(summary, f"Run {Path(outcome['run_dir']).name}"))
    for key, error in outcome["failed"].items():
        console.print(f"[red]source {key} failed: {error}")
    if outcome["failed"]:
        raise typer.Exit(1)


@app.command()
def summary(output: Annotated[Path, typer.Option("--output", "-o")]) -> None:
    """Print the latest published summary."""
    from ducpho_etl.publish import latest_run

    run_dir = latest_run(output)
    if run_dir is None:
        console.print(f"[red]No published run in {output}")
        raise typer.Exit(1)
    console.print(_summary_table(pl.read_csv(run_dir / "summary.csv"), f"Run {run_dir.name}"))


@app.command()
def sample(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for input/ and truth/")],
    scale: Annotated[float, typer.Option(help="1.0 = the report's scale")] = 1.0,
    seed: Annotated[int, typer.Option()] = 20230601,
) -> None:
    """Generate the synthetic registry, extracts and (separately) their truth."""
    from ducpho_etl.sample import generate_sample

    with console.status(f"generating sample at scale {scale} ..."):
        info = generate_sample(output, scale=scale, seed=seed)
    console.print(f"sample written to {output} ({info})")


@app.command()
def evaluate(
    truth: Annotated[Path, typer.Option("--truth", "-t", help="truth/ folder of a generated sample")],
    output: Annotated[Path, typer.Option("--output", "-o", help="OUTPUT folder of a run")],
) -> None:
    """Compare the latest run with the generator's truth: precision, recall, counts, rows lost."""
    from ducpho_etl.evaluate import evaluate as evaluate_run
    from ducpho_etl.publish import latest_run

    run_dir = latest_run(output)
    if run_dir is None:
        console.print(f"[red]No published run in {output}")
        raise typer.Exit(1)
    result = evaluate_run(run_dir, truth)
    console.print(f"link precision: {result['precision']:.5f}  "
                  f"({result['links_correct']:,} correct of {result['links_made']:,} made)")
    console.print(f"link recall:    {result['recall']:.5f}  (of {result['links_due']:,} due)")
    console.print(f"status agreement: {result['status_agreement']:.5f}")
    console.print(f"rows lost: {result['rows_lost']}   rows not in truth: {result['rows_extra']}")
    for name in ("per_source", "confusion", "by_noise"):
        frame = result[name]
        if frame is not None:
            table = Table(title=name)
            for column in frame.columns:
                table.add_column(column)
            for row in frame.iter_rows():
                table.add_row(*[f"{v:.4f}" if isinstance(v, float) else str(v) for v in row])
            console.print(table)

