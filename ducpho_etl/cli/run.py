"""Commands that run the pipeline and read its results: run, summary, sample, evaluate."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from ducpho_etl.cli.app import app, console
from ducpho_etl.cli.terminal import (
    did_you_mean,
    log_path,
    logs_to_file,
    plain_error,
    summary_table,
)
from ducpho_etl.config import DEFAULT_DATA_YEAR, ConfigError, RunConfig, load_config
from ducpho_etl.contracts import run_contracts
from ducpho_etl.privacy import owner_only_dir
from ducpho_etl.report.numbers import fmt_date, fmt_decimal, fmt_int


def _check_output(output: Path) -> None:
    """--output must be a folder (or not exist yet): a file there is a clear error."""
    if output.exists() and not output.is_dir():
        console.print(f"[red]--output {output} là một tệp, không phải thư mục: hãy chọn một thư mục "
                      "/ --output is a file, not a folder", highlight=False)
        raise typer.Exit(2)
    if not output.exists():
        owner_only_dir(output)


def _stray_folders(input: Path, sources: dict | None = None) -> None:
    """A folder under INPUT that no contract claims (`sources`: the run's contracts, default
    those of the schemas folder in use): said, with the source it probably is."""
    from ducpho_etl.pipeline import select_sources, unknown_folders

    sources = select_sources(None) if sources is None else sources
    known = list(sources)
    for name in unknown_folders(input, sources):
        guess = did_you_mean(name, known)
        hint = (f" Có phải là [bold]{guess}[/]? Hãy đổi tên thư mục thành {guess}/ "
                f"/ did you mean {guess}?") if guess else ""
        console.print(f"[yellow]⚠ Thư mục {name}/ không thuộc nguồn nào, đã bỏ qua "
                      f"/ folder ignored.{hint}", highlight=False)


class _SourceProgress:
    """A bar per source that advances by files and rows as the source is read, then says
    'đang đối chiếu' while it is linked; the overall bar counts finished sources."""

    def __init__(self, progress, labels: dict[str, str], total: int) -> None:
        self.progress, self.labels = progress, labels
        self.overall = progress.add_task("Tổng: nguồn đã xong", total=total)
        self.tasks: dict[str, int] = {}
        self.lock = threading.Lock()

    def _task(self, key: str) -> int:
        with self.lock:
            if key not in self.tasks:
                self.tasks[key] = self.progress.add_task(f"  {self.labels.get(key, key)}", total=None)
            return self.tasks[key]

    def on_event(self, key: str, event: dict) -> None:
        task = self._task(key)
        rows = fmt_int(event.get("rows", 0))
        if event.get("stage") == "read":
            done, total = event["files_done"], event["files_total"]
            self.progress.update(task, total=total, completed=done,
                                 description=f"  {self.labels.get(key, key)}: đọc tệp {done}/{total}, "
                                             f"{rows} dòng")
        elif event.get("stage") == "link":
            self.progress.update(task, description=f"  {self.labels.get(key, key)}: {rows} dòng, "
                                                   "đang đối chiếu CSDL")

    def on_done(self, key: str, result) -> None:
        task = self._task(key)
        label = self.labels.get(key, key)
        if result.error:
            text = f"[red]✗ {label}: lỗi / failed – {plain_error(result.error)}"
        else:
            how = " (dùng lại, tệp không đổi)" if result.state == "cached" else ""
            text = (f"✓ {label}: {fmt_int(result.raw_rows)} dòng{how}, "
                    f"{fmt_decimal(result.seconds, 1)} giây")
        self.progress.update(task, total=1, completed=1, description="  " + text)
        self.progress.advance(self.overall)


@app.command()
def run(
    input: Annotated[Path, typer.Option("--input", "-i", help="registry/ + a folder per source")],
    output: Annotated[Path, typer.Option("--output", "-o", help="OUTPUT folder (runs/, latest)")],
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Only these source keys")] = None,
    data_year: Annotated[int, typer.Option(help="Year the extracts refer to (place names, ages)")]
    = DEFAULT_DATA_YEAR,
    force: Annotated[bool, typer.Option("--force", help="Recompute even sources whose inputs and "
                                        "code are unchanged (ignore the cache)")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="English keys beside the "
                                          "Vietnamese headers and states")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Prefect's log lines and tracebacks on "
                                        "the screen too")] = False,
) -> None:
    """Run the nightly flow now (Prefect's embedded server unless PREFECT_API_URL is set).

    With --source, only those sources are recomputed; the others are carried over from the
    latest run, so the published summary stays complete. Prefect's own log lines go to
    OUTPUT/logs/run-<time>.log (and to the Prefect API), not to the screen."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ducpho_etl import progress as source_progress
    from ducpho_etl.pipeline import select_sources

    if not input.is_dir():
        console.print(f"[red]Không thấy thư mục đầu vào / input folder not found: {input}",
                      highlight=False)
        raise typer.Exit(2)
    config = run_config(input, output, sources=source or None, data_year=data_year, force=force)
    try:
        contracts = select_sources(source, run_contracts(config))
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}")
        raise typer.Exit(2) from exc
    _check_output(output)
    log_file = log_path(output)
    _stray_folders(input, run_contracts(config))
    labels = {k: c.label for k, c in contracts.items()}
    from flows.nightly import PROGRESS_HOOKS, run_nightly  # Prefect sets its logging up on import

    with logs_to_file(log_file, on_screen=debug), \
            Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                     TimeElapsedColumn(), console=console, transient=False) as progress:
        shown = _SourceProgress(progress, labels, len(contracts))
        PROGRESS_HOOKS.append(shown.on_done)
        source_progress.LISTENERS.append(shown.on_event)
        try:
            outcome = run_nightly(config)
        except Exception as exc:  # the run as a whole failed (e.g. no registry): nothing published
            from ducpho_etl.pipeline import describe_error

            logging.getLogger("ducpho_etl").exception("run failed")
            message = str(exc) if type(exc).__name__ == "StageError" else describe_error(exc)
            progress.stop()
            console.print(f"[red]✗ Lần chạy lỗi, chưa công bố gì (latest giữ nguyên) / run failed, "
                          f"nothing published: {plain_error(message)}", highlight=False)
            console.print(f"Chi tiết kỹ thuật / details: {log_file}", highlight=False)
            if debug:
                console.print_exception()
            raise typer.Exit(1) from None
        finally:
            PROGRESS_HOOKS.remove(shown.on_done)
            source_progress.LISTENERS.remove(shown.on_event)
    run_dir = Path(outcome.run_dir)
    summary = pl.DataFrame(outcome.summary)
    console.print(summary_table(summary, _run_title(run_dir.name), outcome.sources,
                                verbose, console.width))
    _print_notes(outcome.sources, dict(summary.select("source", "label").iter_rows()), log_file)
    _last_line(output, run_dir, outcome.sources)
    if outcome.failed:
        raise typer.Exit(1)


def run_config(input: Path, output: Path, **options) -> RunConfig:
    """The run's configuration from the command's options, the environment and $DUCPHO_CONFIG;
    a bad setting is a clear error (exit 2), before anything runs."""
    try:
        return load_config(input.resolve(), output.resolve(), **options)
    except ConfigError as exc:
        console.print(f"[red]{exc}", highlight=False)
        raise typer.Exit(2) from None


def _run_title(run_id: str) -> str:
    """'Kết quả lần chạy 20261130T183000Z-ab12cd, 01/12/2026 01:30 (giờ Việt Nam)': the ID is UTC
    (its Z), the time an officer reads is Việt Nam time."""
    from ducpho_etl.clock import parse_time, vn_label

    started = parse_time(run_id)
    title = f"Kết quả lần chạy {run_id}"
    return f"{title}, {vn_label(started)}" if started else title


def _print_notes(sources: dict, labels: dict[str, str], log_file: Path | None = None) -> None:
    """One line per source whose figures are not this run's own, in plain words."""
    for entry_key, entry in sources.items():
        label = labels.get(entry_key) or entry_key
        if entry.get("state") == "stale":
            console.print(f"[red]✗ {label}: lỗi / failed – {plain_error(entry['error'])}. Giữ số liệu "
                          f"ngày {fmt_date(entry.get('as_of'))} (lần chạy {entry['from_run']}), "
                          "đánh dấu CŨ / previous result kept, marked stale", highlight=False)
        elif entry.get("state") == "failed":
            console.print(f"[red]✗ {label}: lỗi / failed – {plain_error(entry['error'])}. Không có "
                          "số liệu trước: số liệu 0 / no earlier result", highlight=False)
        for gap in entry.get("identity_gaps") or []:
            console.print(f"[yellow]⚠ {label}: {gap['file']}: cột {', '.join(gap['headers'])} giống cột "
                          "nhận dạng nhưng chưa xác định được, số liệu chưa đầy đủ / identity-like "
                          "column(s) not mapped; results may miss IDs", highlight=False)
    if log_file is not None and any(e.get("state") in ("stale", "failed") for e in sources.values()):
        console.print(f"Chi tiết kỹ thuật / technical details: {log_file}", highlight=False)


def _last_line(output: Path, run_dir: Path, sources: dict) -> None:
    """What needs action and where: the rows to send back, the report and the return lists."""
    from ducpho_etl.report.model import action_counts

    action, _ = action_counts(run_dir)
    agencies = sum(1 for n in action.values() if n)
    latest = output / "latest"
    report = latest / "report.html"
    where = (f"xem {report} và danh sách trả về trong {latest / 'returns'}/"
             if (run_dir / "report.html").exists()
             else f"chạy `ducpho-etl report --output {output}` để lập báo cáo và danh sách trả về")
    failed = [k for k, e in sources.items() if e.get("state") in ("stale", "failed")]
    lead = f"[red]{len(failed)} nguồn lỗi; [/]" if failed else ""
    console.print(f"{lead}[bold]Cần xử lý: {fmt_int(sum(action.values()))} dòng của {agencies} cơ "
                  f"quan[/] – {where}", highlight=False)
    from ducpho_etl.decisions.apply import officer_line

    decided = officer_line(sources)
    if decided:
        console.print(decided, highlight=False)


@app.command()
def summary(output: Annotated[Path, typer.Option("--output", "-o")],
            verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    """Print the latest published summary (with stale, failed, cached and carried-over sources)."""
    from ducpho_etl.publish import latest_run, read_manifest, read_summary_csv

    run_dir = latest_run(output)
    if run_dir is None:
        console.print(f"[red]Chưa có lần chạy nào được công bố trong {output} / no published run",
                      highlight=False)
        raise typer.Exit(1)
    sources = read_manifest(run_dir).get("sources", {})
    table = read_summary_csv(run_dir / "summary.csv")
    console.print(summary_table(table, _run_title(run_dir.name), sources, verbose, console.width))
    _print_notes(sources, dict(table.select("source", "label").iter_rows()))
    _last_line(output, run_dir, sources)


@app.command()
def sample(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for input/ and truth/")],
    scale: Annotated[float, typer.Option(help="1.0 = the report's scale")] = 1.0,
    seed: Annotated[int, typer.Option()] = 20230601,
) -> None:
    """Generate the synthetic registry, extracts and (separately) their truth."""
    from ducpho_etl.sample import generate_sample

    with console.status(f"đang tạo dữ liệu mẫu, tỷ lệ {fmt_decimal(scale, 2)} ..."):
        info = generate_sample(output, scale=scale, seed=seed)
    files = info.get("files") or []
    console.print(f"Đã tạo dữ liệu mẫu trong {output} / sample written: CSDL dân cư "
                  f"{fmt_int(info.get('registry_rows'))} người, {fmt_int(len(files))} tệp danh sách "
                  f"(input/), đáp án riêng trong truth/; {fmt_decimal(info.get('seconds'), 1)} giây",
                  highlight=False)


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
                  f"({fmt_int(result['links_correct'])} correct of {fmt_int(result['links_made'])} made)")
    console.print(f"link recall:    {result['recall']:.5f}  (of {fmt_int(result['links_due'])} due)")
    console.print(f"link F1:        {result['f1']:.5f}")
    console.print(f"recall on rows without a usable ID: {result['no_id_recall']:.5f} "
                  f"(of {fmt_int(result['no_id_due'])})")
    console.print("truth 'review' rows (namesakes, excluded from recall): "
                  f"{fmt_int(result['review_truth_rows'])}, "
                  f"linked anyway: {fmt_int(result['review_truth_linked'])}")
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

