"""`ducpho-etl serve`: the nightly deployment on a running Prefect server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ducpho_etl.cli.app import app, console


@app.command()
def serve(
    input: Annotated[Path, typer.Option("--input", "-i", help="registry/ + a folder per source")],
    output: Annotated[Path, typer.Option("--output", "-o", help="OUTPUT folder (runs/, latest)")],
    cron: Annotated[str | None, typer.Option(help="Cron schedule, Asia/Ho_Chi_Minh time "
                                             "(default '0 1 * * *')")] = None,
    interval: Annotated[float | None, typer.Option(help="Run every N seconds instead of cron")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Only these sources")] = None,
    data_year: Annotated[int, typer.Option()] = 2023,
) -> None:
    """Register the nightly deployment on the Prefect server at PREFECT_API_URL and run its
    scheduled flow runs until Ctrl+C (needs `prefect server start`)."""
    from flows.serve import ServeError, serve_nightly

    if cron is not None and interval is not None:
        console.print("[red]Give --cron or --interval, not both")
        raise typer.Exit(2)
    if not input.is_dir():
        console.print(f"[red]Input folder not found: {input}")
        raise typer.Exit(2)
    output.mkdir(parents=True, exist_ok=True)
    try:
        serve_nightly(input, output, cron=cron, interval=interval, sources=source or None,
                      data_year=data_year)
    except ServeError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from exc
