"""Read one source folder (every extract file in it) into one raw frame plus per-file reports.

The frame keeps every non-blank row below each header, in file order, with the row number a
spreadsheet program shows: nothing is judged here (junk rows stay data; total rows are marked).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import polars as pl

from ducpho_etl.contracts import SourceContract, canonical_fields
from ducpho_etl.ingest.errors import IngestError, SourceMissing
from ducpho_etl.ingest.files import file_fingerprint
from ducpho_etl.ingest.headers import identity_gaps, map_columns
from ducpho_etl.ingest.ledger import KINDS, ranges, reconcile, swallowed_lines, table_kinds
from ducpho_etl.ingest.limits import Limits, over_limit
from ducpho_etl.ingest.listing import list_extracts
from ducpho_etl.ingest.readers import (
    DELIMITED_SUFFIXES,
    WORKBOOK_SUFFIXES,
    Table,
    read_delimited,
    read_workbook,
)
from ducpho_etl.ingest.rows import TableRows, extract_rows
from ducpho_etl.ingest.sheets import (
    Grid,
    Layout,
    cell_text,
    column_letters,
    detect_layout,
    header_scan_depth,
)
from ducpho_etl.results import TableReport

__all__ = ["IngestError", "extract_files", "frame_schema", "read_file", "read_source"]

EXTRACT_SUFFIXES = DELIMITED_SUFFIXES + WORKBOOK_SUFFIXES
META_COLUMNS = ("source", "source_file", "sheet", "source_row", "row_kind", "encoding")


def frame_schema() -> dict[str, pl.DataType]:
    """Column -> dtype of the frame read_source returns."""
    schema: dict[str, pl.DataType] = {
        "source": pl.String(),
        "source_file": pl.String(),
        "sheet": pl.String(),
        "source_row": pl.Int64(),
        "row_kind": pl.String(),
        "encoding": pl.String(),
    }
    for name in canonical_fields():
        schema[name] = pl.String()
    schema["numeric_cells"] = pl.List(pl.String())
    return schema


def extract_files(source_dir: Path) -> list[Path]:
    """Extract files under a source folder, sorted by relative posix path.

    Hidden files and folders (".name") and Office lock files ("~$name") are ignored, as are
    files of other kinds. Entries that cannot be listed are not returned: see
    listing.list_extracts for them (read_source fails on them).
    """
    return list_extracts(source_dir).files


def _read_tables(path: Path, name: str, header_map: dict[str, str],
                 limits: Limits) -> tuple[list[Table], dict]:
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise IngestError(name, over_limit("file size (bytes)", size, "max_file_bytes",
                                           limits.max_file_bytes))
    if path.suffix.lower() in DELIMITED_SUFFIXES:
        data = path.read_bytes()
        fingerprint = {"size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        return [read_delimited(data, name, header_map, limits)], fingerprint
    fingerprint = file_fingerprint(path)
    return read_workbook(path, name, limits), fingerprint


# A field counts as present when its column, or one standing in for it, is in the header.
_STANDS_IN = {"ngay_sinh": ("ngay_sinh_nam", "ngay_sinh_nu", "ngay_sinh_yyyy"),
              "gioi_tinh": ("ngay_sinh_nam", "ngay_sinh_nu")}


def missing_required(columns: list[str | None], contract: SourceContract) -> list[str]:
    """The contract's required fields that no column of a header names."""
    present = {c for c in columns if c}
    return [f for f in contract.required
            if f not in present and not present.intersection(_STANDS_IN.get(f, ()))]


def header_texts(grid: Grid, layout: Layout) -> list[str]:
    """The header text of each column: "parent / sub" under a merged header, else the cell."""
    top = [cell_text(c) for c in grid.rows[layout.header_index]]
    sub = ([cell_text(c) for c in grid.rows[layout.header_index + 1]]
           if layout.header_rows == 2 else [])
    width = len(layout.columns)
    top += [""] * (width - len(top))
    sub += [""] * (width - len(sub))
    texts, parent = [], ""
    for i in range(width):
        parent = top[i] or parent
        texts.append(" / ".join(t for t in (parent if not top[i] and sub[i] else top[i], sub[i])
                                if t))
    return texts


def map_table_columns(grid: Grid, layout: Layout, header_map: dict[str, str]) -> dict:
    """Complete the layout's columns from values and return the report's mapping keys:
    every column's header -> field and how (alias / words / values / extra), and the headers of
    identity-like columns that could not be mapped (the file is then flagged, not complete)."""
    body = [row for i, row in enumerate(grid.rows[layout.body_start:], start=layout.body_start)
            if i != layout.numbering_index]
    mapping = map_columns(header_texts(grid, layout), layout.columns, body, header_map)
    by_values = {m.header for m in mapping if m.how == "values"}
    layout.unknown_headers = [h for h in layout.unknown_headers if h not in by_values]
    gaps = identity_gaps(mapping)
    return {"columns": [m.as_dict() for m in mapping], "identity_gaps": gaps,
            "identity_complete": not gaps}


class FrameBuilder:
    """The rows of many tables, one small frame per table (or chunk of a long one), put
    together once at the end in the frame_schema() order, extra_* columns after."""

    def __init__(self) -> None:
        self.schema = frame_schema()
        self.frames: list[pl.DataFrame] = []

    def add(self, rows: TableRows, contract: SourceContract, name: str, table: Table) -> None:
        for column in rows.frame.columns:
            self.schema.setdefault(column, pl.String())  # an extra_* column first met here
        self.frames.append(_spreadsheet_rows(rows.frame, table).with_columns(
            pl.lit(contract.key, pl.String).alias("source"),
            pl.lit(name, pl.String).alias("source_file"),
            pl.lit(table.sheet, pl.String).alias("sheet"),
            pl.lit(table.encoding, pl.String).alias("encoding"),
        ))

    @property
    def rows(self) -> int:
        """Rows added so far (for progress)."""
        return sum(f.height for f in self.frames)

    def frame(self) -> pl.DataFrame:
        """Every row added, in order (an empty frame of the right schema when none)."""
        every = pl.concat(self.frames, how="diagonal") if self.frames else pl.DataFrame()
        return every.select(
            pl.col(column) if column in every.columns else pl.lit(None, dtype).alias(column)
            for column, dtype in self.schema.items()
        ) if self.frames else pl.DataFrame(schema=self.schema)


def _spreadsheet_rows(frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    """`source_row` as a spreadsheet program shows it (contracts.md): in a CSV/TXT whose quoted
    cells hold line breaks, the record's number, not the line it starts on (the reader and the
    ledger count lines; a return list or `explain` must name the row an officer sees)."""
    starts = table.physical
    if table.delimiter is None or starts is None or len(starts) >= table.lines:
        return frame
    records = pl.Series(starts, dtype=pl.Int64).search_sorted(frame["source_row"], side="left")
    return frame.with_columns((records.cast(pl.Int64) + 1).alias("source_row"))


def _check_swallowed(table: Table, grid: Grid, layout: Layout, name: str) -> None:
    if table.delimiter is None:
        return
    found = swallowed_lines(grid.rows, grid.row_numbers, table.lines, table.delimiter,
                            len(layout.columns))
    if found:
        raise IngestError(name, f"lines {found[0]}–{found[1]} were read as one cell: a quote (\") "
                                "opened on the first of them is closed only lines later, so "
                                "whole rows sit inside one cell; close or remove the quote",
                          row=found[0])


def _where(table: Table) -> str:
    return f"sheet {table.sheet!r}: " if table.sheet is not None else ""


def _skip_or_fail(table: Table, name: str, contract: SourceContract, report: TableReport
                  ) -> TableReport:
    """A table without a recognised header: an error, or (contract skip_unrecognised_sheets)
    a skipped table whose physical rows are counted as such."""
    depth = header_scan_depth(table.grid.rows)
    reason = (f"no header row with a name column (Họ và tên) and another known column in the "
              f"first {depth} rows (looked at rows {table.grid.row_numbers[0] if depth else 1}"
              f"–{table.grid.row_numbers[depth - 1] if depth else 1}"
              f"{'' if table.sheet is not None else f'; text read as {table.encoding}'})")
    if not contract.skip_unrecognised_sheets:
        raise IngestError(name, f"{_where(table)}{reason}; không nhận ra dòng tiêu đề. "
                                f"Fix the header, or set skip_unrecognised_sheets: true in the "
                                f"{contract.key} contract to skip such sheets")
    read_rows = list(table.grid.row_numbers)
    for chunk in table.more or ():
        read_rows.extend(chunk.row_numbers)
    kinds = dict.fromkeys(KINDS, 0)
    kinds["skipped_sheet"] = len(read_rows)
    ledger = reconcile(kinds, read_rows, table.physical or read_rows, table.counted_by,
                       table.used_range)
    report["skipped"] = reason
    report["ledger"] = ledger.as_dict()
    return report


def read_file_tables(
    path: Path, name: str, contract: SourceContract, limits: Limits | None = None,
    builder: FrameBuilder | None = None,
) -> tuple[FrameBuilder, list[TableReport]]:
    """One extract file -> (its rows, added to `builder` or a new one; one report per table).

    Each report carries the table's ledger: its physical rows (counted from the file, not the
    reader) by kind. Raises IngestError when the file cannot be read, when a table has no
    recognised header (unless the contract skips such tables), when a table's header lacks a
    column the contract requires, and when a physical row is not accounted for.
    """
    limits = limits or Limits.from_env()
    header_map = contract.header_map
    fields = canonical_fields()
    tables, fingerprint = _read_tables(path, name, header_map, limits)

    builder = builder or FrameBuilder()
    reports: list[TableReport] = []
    for table in tables:
        report: TableReport = {
            "file": name,
            "sheet": table.sheet,
            "encoding": table.encoding,
            "header_row": None,
            "data_rows": 0,
            "total_rows": 0,
            "blank_rows": 0,
            "repeated_headers": 0,
            "footer_rows": 0,
            "repaired_cells": table.repaired_cells,
            "unknown_headers": [],
            **fingerprint,
        }
        if table.sheet is not None and table.state != "visible":
            report["sheet_state"] = table.state
        layout = detect_layout(table.grid, header_map, table.merges)
        if layout is None:
            reports.append(_skip_or_fail(table, name, contract, report))
            continue
        report.update(map_table_columns(table.grid, layout, header_map))
        missing = missing_required(layout.columns, contract)
        if missing:
            raise IngestError(
                name,
                f"{_where(table)}required column(s) missing from the header: {', '.join(missing)} "
                f"(contract {contract.key}; header row {table.grid.row_numbers[layout.header_index]})",
            )
        # columns nobody knows are kept as extra_* columns of the frame (after numeric_cells)
        extras = [(m["column"], m["field"]) for m in report["columns"] if m["how"] == "extra"]
        for column, extra in extras:
            layout.columns[column] = extra
        table_fields = [*fields, *(extra for _, extra in extras)]
        rows = extract_rows(table.grid, layout, table_fields)
        _check_swallowed(table, table.grid, layout, name)
        builder.add(rows, contract, name, table)
        read_rows = list(table.grid.row_numbers)
        for chunk in table.more or ():
            more = extract_rows(chunk, layout, table_fields, start=0)
            _check_swallowed(table, chunk, layout, name)
            builder.add(more, contract, name, table)
            rows.add_counts(more)
            read_rows.extend(chunk.row_numbers)
        ledger = reconcile(table_kinds(table.grid.rows, layout, rows), read_rows,
                           table.physical if table.physical is not None else read_rows,
                           table.counted_by, table.used_range)
        if not ledger.balanced:
            rows_named = ranges(ledger.unaccounted) if ledger.unaccounted else "(count)"
            raise IngestError(name, f"{_where(table)}row(s) {rows_named} of the "
                                    f"file are not accounted for: the file holds "
                                    f"{ledger.physical_rows} rows ({ledger.counted_by}), the reader "
                                    f"accounted for {ledger.accounted}; không khớp số dòng")
        report.update(
            header_row=table.grid.row_numbers[layout.header_index],
            data_rows=rows.data_rows,
            total_rows=rows.total_rows,
            blank_rows=rows.blank_rows,
            repeated_headers=rows.repeated_headers,
            footer_rows=rows.footer_rows,
            unknown_headers=layout.unknown_headers,
            column_letters={column_letters(i): c for i, c in enumerate(layout.columns) if c},
            ledger=ledger.as_dict(),
        )
        if "ho_ten" in layout.joined:
            report["name_columns"] = [column_letters(i) for i in layout.joined["ho_ten"]]
        if rows.unnamed:
            report["unnamed_columns"] = rows.unnamed
        reports.append(report)
    return builder, reports


def read_source(source_dir: Path, contract: SourceContract,
                follow_symlinks: bool | None = None,
                on_file: Callable[[str, int, int, int], None] | None = None,
                ) -> tuple[pl.DataFrame, list[TableReport]]:
    """Read every extract file (.csv, .txt, .xlsx, .xls) of one source folder.

    Files are read in order of their relative posix path; hidden files and ~$ lock files are
    ignored. Returns (frame, file_reports); see frame_schema() for the frame's columns. Raises
    IngestError for a folder without extract files, for anything in it that cannot be listed
    (an unreadable folder, a symbolic link not followed: listing.list_extracts) and for any
    unreadable file. `on_file(file, files done, files total, rows so far)` is called after each
    file (progress display).
    """
    source_dir = Path(source_dir)
    label = source_dir.name or str(source_dir)
    if not source_dir.is_dir():
        raise SourceMissing(label, "thư mục nguồn không có (source folder missing)")
    listing = list_extracts(source_dir, follow_symlinks)
    if listing.errors:
        shown = "; ".join(listing.errors[:5]) + ("; …" if len(listing.errors) > 5 else "")
        raise IngestError(label, f"{len(listing.errors)} entr{'y' if len(listing.errors) == 1 else 'ies'} "
                                 f"of the source folder cannot be read: {shown}")
    paths = listing.files
    if not paths:
        raise IngestError(label, "source folder has no extract files (.csv, .txt, .xlsx, .xls)")
    limits = Limits.from_env()
    builder = FrameBuilder()
    reports: list[TableReport] = []
    for done, path in enumerate(paths, start=1):
        _, file_reports = read_file_tables(
            path, path.relative_to(source_dir).as_posix(), contract, limits, builder
        )
        reports.extend(file_reports)
        if on_file is not None:
            on_file(path.relative_to(source_dir).as_posix(), done, len(paths), builder.rows)
    reports.extend({"file": rel, "skipped": "not an extract file type (.csv, .txt, .xlsx, .xls)"}
                   for rel in listing.ignored)
    return builder.frame(), reports


def read_file(path: Path, contract: SourceContract) -> tuple[pl.DataFrame, list[TableReport]]:
    """Read one extract file (.csv, .txt, .xlsx, .xls) as read_source reads each of its files.

    Returns (frame, table_reports); source_file is the file's name. Raises IngestError for a
    missing file, an unknown file type and any file that cannot be read.
    """
    path = Path(path)
    if not path.is_file():
        raise IngestError(path.name or str(path), "file not found")
    if path.suffix.lower() not in EXTRACT_SUFFIXES:
        raise IngestError(path.name, f"not an extract file type ({path.suffix or 'no suffix'}); "
                                     f"expected one of {', '.join(EXTRACT_SUFFIXES)}")
    builder, reports = read_file_tables(path, path.name, contract)
    return builder.frame(), reports
