"""Commands about contracts: `contracts` lists them, `check` validates one extract file.

Nothing here prints personal data: only file names, header texts, codes, counts and row numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from ducpho_etl.cli.app import app, console
from ducpho_etl.cli.terminal import plain_error
from ducpho_etl.config import DEFAULT_DATA_YEAR

MAX_ROWS_LISTED = 15


def _ages(contract) -> str:
    if contract.min_age is None and contract.max_age is None:
        return "-"
    low = "" if contract.min_age is None else str(contract.min_age)
    high = "" if contract.max_age is None else str(contract.max_age)
    return f"{low}–{high}"


def _print_mapping(report: dict) -> None:
    """Each column's header -> field and how it was decided; identity gaps in red."""
    table = Table(title="Column mapping (ánh xạ cột)", show_lines=False)
    for column in ("#", "header", "field", "how"):
        table.add_column(column)
    for m in report.get("columns") or []:
        style = "red" if m["how"] == "unmapped_identity" else None
        table.add_row(str(m["column"] + 1), m["header"] or "", m["field"] or "", m["how"], style=style)
    console.print(table)
    gaps = report.get("identity_gaps") or []
    if gaps:
        console.print(f"[red]  identity column(s) not mapped: {', '.join(repr(g) for g in gaps)} "
                      "(cột nhận dạng chưa xác định)")


def _path_text(path: Path | None) -> str:
    if path is None:
        return "-"
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _relative(path: Path | None, folder: Path) -> str:
    if path is None:
        return "-"
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return _path_text(path)


@app.command("contracts")
def list_contracts() -> None:
    """List the source contracts (schemas/sources/*.yaml, or $DUCPHO_SCHEMAS_DIR/sources)."""
    from ducpho_etl.contracts import ContractError, load_sources, schemas_dir

    try:
        sources = load_sources()
    except ContractError as exc:
        console.print(f"[red]Contract error: {exc}")
        raise typer.Exit(2) from exc
    folder = schemas_dir()
    table = Table(title=f"Source contracts (file: relative to {_path_text(folder)}/)", show_lines=True)
    for column in ("key", "label (vi)", "label (en)", "required", "ID columns", "age",
                   "unique", "file"):
        table.add_column(column, overflow="fold", no_wrap=column in ("key", "age"))
    for contract in sources.values():
        table.add_row(contract.key, contract.label, contract.label_en or "-",
                      ", ".join(contract.required), ", ".join(contract.identity_any) or "-",
                      _ages(contract), ", ".join(contract.unique) or "-",
                      _relative(contract.path, folder))
    console.print(table)
    console.print(f"{len(sources)} source contract(s)")


def _row_refs(rows: pl.DataFrame, multi_sheet: bool) -> str:
    refs = [f"{sheet}!{row}" if multi_sheet else str(row)
            for sheet, row in rows.select("sheet", "source_row").head(MAX_ROWS_LISTED).iter_rows()]
    more = f" … (+{rows.height - MAX_ROWS_LISTED})" if rows.height > MAX_ROWS_LISTED else ""
    return ", ".join(refs) + more


def _code_table(title: str, rows: pl.DataFrame, column: str, severity: str | None,
                reasons: dict[str, tuple[str, str]], multi_sheet: bool) -> Table | None:
    long = (rows.select("sheet", "source_row", pl.col(column).alias("code")).explode("code")
            .drop_nulls("code"))
    if long.height == 0:
        return None
    table = Table(title=title, show_lines=False)
    table.add_column("code", no_wrap=True)
    if severity:
        table.add_column("severity", no_wrap=True)
    table.add_column("rows", justify="right", no_wrap=True)
    table.add_column("lý do (reason)", overflow="fold")
    table.add_column("row numbers", overflow="fold")
    for code, group in sorted(long.group_by("code"), key=lambda kv: (-kv[1].height, kv[0][0])):
        vi = reasons.get(code[0], (code[0], ""))[0]
        cells = [code[0], *([severity] if severity else []), str(group.height), vi,
                 _row_refs(group.sort("sheet", "source_row", nulls_last=True), multi_sheet)]
        table.add_row(*cells)
    return table


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="One extract file (.csv, .txt, .xlsx, .xls)")],
    source: Annotated[str, typer.Option("--source", "-s", help="Source key (see `contracts`)")],
    data_year: Annotated[int, typer.Option(help="Year the extract refers to (ages, places)")]
    = DEFAULT_DATA_YEAR,
) -> None:
    """Read and validate one extract file against its source contract (no registry, no linking).

    Exit code 1 when the file cannot be read or has rejected rows about people, 0 otherwise:
    the extract's own total, subtotal and signature lines are counted, never a failure.
    """
    from ducpho_etl.contracts import ContractError, load_sources
    from ducpho_etl.ingest.source import IngestError, read_file
    from ducpho_etl.privacy import scrub
    from ducpho_etl.reasons import catalogue
    from ducpho_etl.reconcile import checked_rows
    from ducpho_etl.report.model import is_person_row
    from ducpho_etl.report.numbers import fmt_int
    from ducpho_etl.validate import ValidationError

    try:
        sources = load_sources()
    except ContractError as exc:
        console.print(f"[red]Contract error: {exc}")
        raise typer.Exit(2) from exc
    if source not in sources:
        console.print(f"[red]Unknown source {source!r}; known: {', '.join(sources)}")
        raise typer.Exit(2)
    contract = sources[source]
    console.print(f"[bold]{file.name}[/] against contract [bold]{contract.key}[/] "
                  f"({contract.label}; {_path_text(contract.path)})")
    try:
        raw, reports = read_file(file, contract)
    except (IngestError, OSError) as exc:
        technical = str(exc) if isinstance(exc, IngestError) else f"{file.name}: {exc.strerror}"
        console.print(f"[red]Không đọc được tệp / cannot read the file: {plain_error(technical)}",
                      highlight=False)
        console.print(f"Chi tiết kỹ thuật / technical cause: {scrub(technical)}", highlight=False,
                      markup=False)
        raise typer.Exit(1) from exc

    for report in reports:
        sheet = f" sheet {report['sheet']!r}:" if report.get("sheet") is not None else ""
        if report.get("skipped"):
            console.print(f"  {sheet} skipped ({report['skipped']})")
            continue
        console.print(f" {sheet} encoding [cyan]{report['encoding']}[/], header row "
                      f"[cyan]{report['header_row']}[/], {report['data_rows']} data row(s), "
                      f"{report['total_rows']} total row(s), {report['blank_rows']} blank row(s)"
                      + (f", {report['repaired_cells']} repaired cell(s)"
                         if report.get("repaired_cells") else ""))
        unknown = report.get("unknown_headers") or []
        console.print(f"  unknown headers: {', '.join(repr(h) for h in unknown) if unknown else 'none'}")
        _print_mapping(report)
    console.print(f"rows read: [bold]{raw.height}[/]")

    try:
        checked = checked_rows(raw, contract, data_year)
    except ValidationError as exc:
        console.print(f"[red]Validation could not run: {exc}")
        raise typer.Exit(1) from exc
    reasons = catalogue()
    multi_sheet = checked.get_column("sheet").n_unique() > 1
    persons = checked.filter(is_person_row())
    if checked.height > persons.height:
        lines = _row_refs(checked.filter(~is_person_row()), multi_sheet)
        console.print("Dòng tổng cộng, cộng phụ hoặc ký tên (không phải người, không tính là lỗi) "
                      f"/ total or signature lines: {lines}", highlight=False)
    for title, column, severity in (("Dòng bị loại (rejected rows)", "reject_codes", "reject"),
                                    ("Dòng cần xem lại (flagged rows)", "flag_codes", "flag"),
                                    ("Đã chuẩn hóa / ghi chú (change notes)", "norm_codes", None)):
        table = _code_table(title, persons, column, severity, reasons, multi_sheet)
        if table is not None:
            console.print(table)
    person = is_person_row()
    other = checked.filter(~person).height
    rejected = checked.filter(person & (pl.col("reject_codes").list.len() > 0)).height
    flagged = checked.filter(person & (pl.col("reject_codes").list.len() == 0)
                             & (pl.col("flag_codes").list.len() > 0)).height
    ok = checked.height - other - rejected - flagged
    colour = "red" if rejected else "green"
    console.print(f"[{colour}]{fmt_int(checked.height)} dòng: {fmt_int(ok)} sạch, {fmt_int(flagged)} "
                  f"cần xem lại, {fmt_int(rejected)} bị loại"
                  + (f", {fmt_int(other)} dòng tổng cộng/ký tên (không phải người)" if other else "")
                  + f" / {checked.height} rows: {ok} clean, {flagged} flagged, {rejected} rejected"
                  + (f", {other} total or signature lines" if other else ""), highlight=False)
    if rejected:
        raise typer.Exit(1)
