"""Commands that run the pipeline and read its results: run, summary, sample, evaluate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from ducpho_etl.cli.app import app, console

# How the run got a source's result; short, so the column fits next to the source key (dates
# and errors are printed below the table).
STATE_TEXT = {"fresh": "", "cached": "cache", "carried_over": "kept", "stale": "STALE",
              "failed": "FAILED"}


def _state_cell(entry: dict | None) -> str:
    if not entry:
        return ""
    return STATE_TEXT.get(entry.get("state", ""), entry.get("state", ""))


def _summary_table(summary: pl.DataFrame, title: str, sources: dict | None = None) -> Table:
    """Counts in Vietnamese number format (219.497); numbers never wrap or shorten, and the
    Vietnamese label is left out when the terminal is too narrow for it. With the manifest's
    per-source records, a state column after the source says which results are stale, failed,
    cached or kept (carried over from the previous run)."""
    states = [_state_cell((sources or {}).get(k)) for k in summary["source"]]
    if any(states):  # only when some result is not this run's own computation
        summary = summary.insert_column(1, pl.Series("state", states, dtype=pl.Utf8))
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
        elif column in ("source", "state"):
            table.add_column(column, no_wrap=True, min_width=width,
                             style="bold red" if column == "state" else None)
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
    force: Annotated[bool, typer.Option("--force", help="Recompute even sources whose inputs and "
                                        "code are unchanged (ignore the cache)")] = False,
) -> None:
    """Run the nightly flow now (Prefect's embedded server unless PREFECT_API_URL is set).

    With --source, only those sources are recomputed; the others are carried over from the
    latest run, so the published summary stays complete."""
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
            if result.state == "cached":
                mark += " (cache)"
            progress.console.print(f"  {key}: {mark} ({result.seconds:.1f} s)")
            progress.advance(bar)

        PROGRESS_HOOKS.append(hook)
        try:
            outcome = nightly(str(input), str(output), source or None, data_year, force)
        except Exception as exc:  # the run as a whole failed (e.g. no registry): nothing published
            from ducpho_etl.pipeline import describe_error

            message = str(exc) if type(exc).__name__ == "StageError" else describe_error(exc)
            console.print(f"[red]run failed, nothing published (latest unchanged): {message}")
            raise typer.Exit(1) from None
        finally:
            PROGRESS_HOOKS.remove(hook)
    summary = pl.DataFrame(outcome["summary"])
    console.print(_summary_table(summary, f"Run {Path(outcome['run_dir']).name}", outcome["sources"]))
    _print_notes(outcome["sources"])
    if outcome["failed"]:
        console.print(f"[red]failed source(s): {', '.join(outcome['failed'])}")
        raise typer.Exit(1)


def _print_notes(sources: dict) -> None:
    for key, entry in sources.items():
        if entry.get("state") == "stale":
            console.print(f"[red]{key}: failed ({entry['error']}); its result of {entry['as_of']} "
                          f"(run {entry['from_run']}) is kept, marked stale")
        elif entry.get("state") == "failed":
            console.print(f"[red]{key}: failed ({entry['error']}); no earlier result: counts are 0")


@app.command()
def summary(output: Annotated[Path, typer.Option("--output", "-o")]) -> None:
    """Print the latest published summary (with stale, failed, cached and carried-over sources)."""
    from ducpho_etl.publish import latest_run, read_manifest

    run_dir = latest_run(output)
    if run_dir is None:
        console.print(f"[red]No published run in {output}")
        raise typer.Exit(1)
    sources = read_manifest(run_dir).get("sources", {})
    console.print(_summary_table(pl.read_csv(run_dir / "summary.csv"), f"Run {run_dir.name}",
                                 sources))
    _print_notes(sources)


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
    truth: Annotated[Path, typer.Option(
        "--truth", "-t", help="truth/ folder of a generated sample, or a labelled set's "
        "truth.parquet (or its folder)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="OUTPUT folder of a run")],
    input_dir: Annotated[Path | None, typer.Option(
        "--input", "-i", help="INPUT folder of the run: also print blocking recall")] = None,
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
    console.print(f"link F1:        {result['f1']:.5f}")
    console.print(f"recall on rows without a usable ID: {result['no_id_recall']:.5f} "
                  f"(of {result['no_id_due']:,})")
    console.print(f"truth 'review' rows (namesakes, excluded from recall): {result['review_truth_rows']:,}, "
                  f"linked anyway: {result['review_truth_linked']:,}")
    console.print(f"persons matched twice in a source: {result['persons_matched_twice']}")
    console.print(f"status agreement: {result['status_agreement']:.5f}")
    console.print(f"rows lost: {result['rows_lost']}   rows not in truth: {result['rows_extra']}")
    console.print(f"worst per-source cleaned error: {result['worst_cleaned_err']:.4%}")
    if input_dir is not None:
        from ducpho_etl.evaluate import blocking_recall

        blocking = blocking_recall(run_dir, truth, input_dir)
        console.print(f"blocking recall: {blocking['blocking_recall']:.5f} (true pairs among "
                      f"{blocking['candidate_pairs']:,} candidate pairs, of "
                      f"{blocking['blocking_due']:,} rows due a link)")
    if "outsider_not_found" in result:
        console.print(f"outsiders not_found: {result['outsider_not_found']:.4f}   "
                      f"deceased flagged: {result['deceased_flagged']:.4f}")
    for name in ("per_source", "per_status", "confusion", "by_noise"):
        frame = result[name]
        if frame is not None:
            table = Table(title=name)
            for column in frame.columns:
                table.add_column(column)
            for row in frame.iter_rows():
                table.add_row(*[f"{v:.4f}" if isinstance(v, float) else str(v) for v in row])
            console.print(table)

