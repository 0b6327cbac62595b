"""Read one source folder (every extract file in it) into one raw frame plus per-file reports.

The frame keeps every non-blank row below each header, in file order, with the row number a
spreadsheet program shows: nothing is judged here (junk rows stay data; total rows are marked).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from ducpho_etl.contracts import SourceContract, canonical_fields
from ducpho_etl.ingest.files import file_fingerprint
from ducpho_etl.ingest.headers import identity_gaps, map_columns
from ducpho_etl.ingest.readers import (
    DELIMITED_SUFFIXES,
    WORKBOOK_SUFFIXES,
    Table,
    read_delimited,
    read_workbook,
)
from ducpho_etl.ingest.sheets import Grid, IngestError, Layout, cell_text, detect_layout, extract_rows

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
    files of other kinds.
    """
    found = []
    for path in source_dir.rglob("*"):
        rel = path.relative_to(source_dir)
        if any(part.startswith((".", "~$")) for part in rel.parts):
            continue
        if path.is_file() and path.suffix.lower() in EXTRACT_SUFFIXES:
            found.append((rel.as_posix(), path))
    return [p for _, p in sorted(found)]


def _read_tables(path: Path, name: str, header_map: dict[str, str]) -> tuple[list[Table], dict]:
    if path.suffix.lower() in DELIMITED_SUFFIXES:
        data = path.read_bytes()
        fingerprint = {"size_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        return [read_delimited(data, name, header_map)], fingerprint
    fingerprint = file_fingerprint(path)
    return read_workbook(path, name), fingerprint


# A field counts as present when its column, or one standing in for it, is in the header.
_STANDS_IN = {"ngay_sinh": ("ngay_sinh_nam", "ngay_sinh_nu"),
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


def read_file_tables(
    path: Path, name: str, contract: SourceContract
) -> tuple[list[pl.DataFrame], list[dict]]:
    """One extract file -> (one frame per table, one report per table).

    Raises IngestError when the file cannot be read, when no table has a header, and when a
    table's header lacks a column the contract requires.
    """
    header_map = contract.header_map
    fields = canonical_fields()
    schema = frame_schema()
    tables, fingerprint = _read_tables(path, name, header_map)

    frames: list[pl.DataFrame] = []
    reports: list[dict] = []
    skipped: list[dict] = []
    for table in tables:
        layout = detect_layout(table.grid, header_map)
        report = {
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
        if layout is None:
            # A workbook may hold a sheet of notes or a summary next to the list: reported, and
            # an error only when no table of the file has a header.
            report["skipped"] = "no header row with a name column (Họ và tên)"
            skipped.append(report)
            continue
        report.update(map_table_columns(table.grid, layout, header_map))
        missing = missing_required(layout.columns, contract)
        if missing:
            where = f"sheet {table.sheet!r}: " if table.sheet is not None else ""
            raise IngestError(
                name,
                f"{where}required column(s) missing from the header: {', '.join(missing)} "
                f"(contract {contract.key}; header row {table.grid.row_numbers[layout.header_index]})",
            )
        # columns nobody knows are kept as extra_* columns of the frame (after numeric_cells)
        extras = [(m["column"], m["field"]) for m in report["columns"] if m["how"] == "extra"]
        for column, extra in extras:
            layout.columns[column] = extra
        rows = extract_rows(table.grid, layout, [*fields, *(extra for _, extra in extras)])
        report.update(
            header_row=table.grid.row_numbers[layout.header_index],
            data_rows=rows.data_rows,
            total_rows=rows.total_rows,
            blank_rows=rows.blank_rows,
            repeated_headers=rows.repeated_headers,
            footer_rows=rows.footer_rows,
            unknown_headers=layout.unknown_headers,
        )
        reports.append(report)
        n = len(rows.source_row)
        columns: dict[str, list] = {
            "source": [contract.key] * n,
            "source_file": [name] * n,
            "sheet": [table.sheet] * n,
            "source_row": rows.source_row,
            "row_kind": rows.row_kind,
            "encoding": [table.encoding] * n,
            **rows.values,
            "numeric_cells": rows.numeric_cells,
        }
        table_schema = {**schema, **{extra: pl.String() for _, extra in extras}}
        columns = {key: columns.get(key, rows.values.get(key)) for key in table_schema}
        frames.append(pl.DataFrame(columns, schema=table_schema))
    if not reports:
        where = f"first {len(tables)} sheet(s)" if tables[0].sheet is not None else "file"
        raise IngestError(
            name,
            f"no header row with a name column (Họ và tên) and another known column "
            f"in the first rows of the {where}",
        )
    # Keep the file's sheet order in the reports.
    order = {t.sheet: i for i, t in enumerate(tables)}
    reports = sorted(reports + skipped, key=lambda r: order[r["sheet"]])
    return frames, reports


def read_source(source_dir: Path, contract: SourceContract) -> tuple[pl.DataFrame, list[dict]]:
    """Read every extract file (.csv, .txt, .xlsx, .xls) of one source folder.

    Files are read in order of their relative posix path; hidden files and ~$ lock files are
    ignored. Returns (frame, file_reports); see frame_schema() for the frame's columns. Raises
    IngestError for a folder without extract files and for any unreadable file.
    """
    source_dir = Path(source_dir)
    label = source_dir.name or str(source_dir)
    if not source_dir.is_dir():
        raise IngestError(label, "source folder is missing")
    paths = extract_files(source_dir)
    if not paths:
        raise IngestError(label, "source folder has no extract files (.csv, .txt, .xlsx, .xls)")
    frames: list[pl.DataFrame] = []
    reports: list[dict] = []
    for path in paths:
        file_frames, file_reports = read_file_tables(
            path, path.relative_to(source_dir).as_posix(), contract
        )
        frames.extend(file_frames)
        reports.extend(file_reports)
    if not frames:  # pragma: no cover - read_file_tables raises first
        return pl.DataFrame(schema=frame_schema()), reports
    return pl.concat(frames, how="diagonal"), reports


def read_file(path: Path, contract: SourceContract) -> tuple[pl.DataFrame, list[dict]]:
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
    frames, reports = read_file_tables(path, path.name, contract)
    if not frames:  # pragma: no cover - read_file_tables raises first
        return pl.DataFrame(schema=frame_schema()), reports
    return pl.concat(frames, how="diagonal"), reports
