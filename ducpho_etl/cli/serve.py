"""`ducpho-etl serve` and `ducpho-etl deploy`: the nightly deployment on a running Prefect server."""

from pathlib import Path
from typing import Annotated

import typer

from ducpho_etl.cli.app import app, console
from ducpho_etl.cli.run import run_config
from ducpho_etl.config import DEFAULT_DATA_YEAR

InputOption = Annotated[Path, typer.Option("--input", "-i", help="registry/ + a folder per source")]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="OUTPUT folder (runs/, latest)")]
CronOption = Annotated[str | None, typer.Option(help="Cron schedule, Asia/Ho_Chi_Minh time "
                                                "(default '0 1 * * *')")]
IntervalOption = Annotated[float | None, typer.Option(help="Run every N seconds instead of cron")]
SourceOption = Annotated[list[str] | None, typer.Option("--source", "-s", help="Only these sources")]
NotifyFileOption = Annotated[Path | None, typer.Option(
    help="Append a JSON line here when a run fails (DUCPHO_NOTIFY_FILE)")]
NotifyUrlOption = Annotated[str | None, typer.Option(
    help="POST a JSON notice to this URL when a run fails (DUCPHO_NOTIFY_URL)")]


def _check(input: Path, output: Path, cron: str | None, interval: float | None) -> None:
    if cron is not None and interval is not None:
        console.print("[red]Give --cron or --interval, not both")
        raise typer.Exit(2)
    if not input.is_dir():
        console.print(f"[red]Input folder not found: {input}")
        raise typer.Exit(2)
    output.mkdir(parents=True, exist_ok=True)


@app.command()
def serve(input: InputOption, output: OutputOption, cron: CronOption = None,
          interval: IntervalOption = None, source: SourceOption = None,
          data_year: Annotated[int, typer.Option()] = DEFAULT_DATA_YEAR,
          notify_file: NotifyFileOption = None, notify_url: NotifyUrlOption = None) -> None:
    """Register the nightly deployment on the Prefect server at PREFECT_API_URL and run its
    scheduled flow runs in this process until Ctrl+C (needs `prefect server start`)."""
    from flows.serve import ServeError, serve_nightly

    _check(input, output, cron, interval)
    try:
        serve_nightly(run_config(input, output, sources=source or None, data_year=data_year),
                      cron=cron, interval=interval, notify_file=notify_file,
                      notify_url=notify_url)
    except ServeError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from exc


@app.command()
def deploy(input: InputOption, output: OutputOption, cron: CronOption = None,
           interval: IntervalOption = None, source: SourceOption = None,
           data_year: Annotated[int, typer.Option()] = DEFAULT_DATA_YEAR,
           pool: Annotated[str, typer.Option(help="Process work pool (created if missing)")]
           = "ducpho-process",
           name: Annotated[str, typer.Option(help="Deployment name")] = "nightly",
           notify_file: NotifyFileOption = None, notify_url: NotifyUrlOption = None,
           paused: Annotated[bool, typer.Option("--paused", help="Register with the schedule "
                                                "paused")] = False) -> None:
    """Register the nightly deployment with the Prefect server at PREFECT_API_URL and a process
    work pool, then return: the server keeps the schedule (across restarts) and
    `prefect worker start --pool POOL` runs it."""
    from flows.serve import ServeError, deploy_nightly

    _check(input, output, cron, interval)
    try:
        deployment_id = deploy_nightly(run_config(input, output, sources=source or None,
                                                  data_year=data_year),
                                       pool=pool, cron=cron, interval=interval, name=name,
                                       notify_file=notify_file, notify_url=notify_url,
                                       paused=paused)
    except ServeError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from exc
    console.print(f"deployment ducpho-nightly/{name} ({deployment_id}) registered on work pool "
                  f"{pool!r}; start a worker with: prefect worker start --pool {pool}")
