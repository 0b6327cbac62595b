"""Readers: the bytes of one extract file -> tables (`Grid`s) of cell texts with true row numbers.

CSV/TXT: decoded with encodings.decode_bytes, delimiter sniffed from the header area, parsed with
the csv module; every value stays text. XLSX/XLS: fastexcel (calamine), one table per non-empty
sheet. Layout (header, totals ...) is sheets.py's business.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from ducpho_etl.ingest.encodings import decode_bytes, repair_series, vietnamese_score
from ducpho_etl.ingest.sheets import HEADER_SCAN_ROWS, Grid, IngestError, header_score

DELIMITERS = (",", ";", "\t", "|")
DELIMITED_SUFFIXES = (".csv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xls")

_EMPTY: frozenset[int] = frozenset()

# Vietnamese letters that no cp1252 reading of legacy bytes can produce: proof of real Unicode.
_BEYOND_CP1252 = ("[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđơưăĩũ"
                  "ĨŨĐƠƯĂẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ]")
SHEET_ENCODING_MIN_CELLS = 3  # repaired cells that establish a sheet's legacy encoding


@dataclass
class Table:
    """One table read from a file: a CSV/TXT file or one sheet of a workbook."""

    sheet: str | None
    grid: Grid
    encoding: str
    repaired_cells: int = 0


# --------------------------------------------------------------------------------------------
# CSV / TXT
# --------------------------------------------------------------------------------------------


def sniff_delimiter(text: str, header_map: dict[str, str]) -> str:
    """The delimiter (comma, semicolon, tab, pipe) that best splits the header area into headers.

    The header area is the first HEADER_SCAN_ROWS lines; the winner is the delimiter whose split
    recognises the most headers (ties: the finer split). With no header recognised: the
    delimiter seen most often in those lines.
    """
    sample = "\n".join(text.splitlines()[:HEADER_SCAN_ROWS])
    best: tuple[int, int] = (0, 0)
    chosen: str | None = None
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
        except csv.Error:
            continue
        for row in rows:
            key = (header_score(row, header_map), len(row))
            if key[0] and key > best:
                best, chosen = key, delimiter
    if chosen is not None:
        return chosen
    return max(DELIMITERS, key=lambda d: sample.count(d))


def read_delimited(data: bytes, name: str, header_map: dict[str, str]) -> Table:
    """Parse a CSV/TXT file's bytes; row numbers are physical line numbers (line 1 = first line)."""
    if not data.strip():
        raise IngestError(name, "empty file")
    text, encoding = decode_bytes(data)
    delimiter = sniff_delimiter(text, header_map)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    row_numbers: list[int] = []
    previous_end = 0
    try:
        for record in reader:
            rows.append(record)
            row_numbers.append(previous_end + 1)
            previous_end = reader.line_num
    except csv.Error as exc:
        raise IngestError(name, f"not parseable as CSV ({exc})", row=previous_end + 1) from exc
    return Table(sheet=None, grid=Grid(rows=rows, row_numbers=row_numbers), encoding=encoding)


# --------------------------------------------------------------------------------------------
# XLSX / XLS
# --------------------------------------------------------------------------------------------


def _load(reader: fastexcel.ExcelReader, sheet: str, dtype: str) -> pl.DataFrame:
    # header_row=None and skip_rows=0 (an int, not None): fastexcel then starts at the sheet's
    # row 1, empty leading rows included, so frame row i is sheet row i + 1. With the default
    # skip_rows=None it silently skips leading empty rows, which shifts every row number.
    return reader.load_sheet(sheet, header_row=None, skip_rows=0, dtypes=dtype).to_polars()


def _sheet_table(reader: fastexcel.ExcelReader, sheet: str, kind: str) -> Table | None:
    texts = _load(reader, sheet, "string")
    if texts.height == 0 or texts.width == 0:
        return None
    # Cell types are not exposed per cell; the conversions tell them apart: a cell converts to
    # boolean when it is numeric (or a boolean), to date when it is numeric or a date; text cells
    # convert to neither (a text "1960" or "051085123456" stays text).
    as_bool = _load(reader, sheet, "boolean")
    as_date = _load(reader, sheet, "date")
    if as_bool.shape != texts.shape or as_date.shape != texts.shape:  # pragma: no cover
        raise RuntimeError(f"sheet {sheet!r} changed shape between reads")

    columns: list[list[str | None]] = []
    numeric_rows: dict[int, set[int]] = {}
    repaired, repairs = _repair_columns(texts, as_bool, as_date)
    for col_index, name in enumerate(texts.columns):
        text = texts.get_column(name)
        boolean = as_bool.get_column(name)
        date = as_date.get_column(name)
        is_bool_cell = text.is_in(["true", "false"]).fill_null(False)
        numeric = (boolean.is_not_null() & ~is_bool_cell).fill_null(False)
        is_date = (date.is_not_null() & boolean.is_null()).fill_null(False)

        nulls = pl.Series(name, [None] * len(text), dtype=pl.String)
        fixed = repaired[col_index]
        numbers = text.str.replace(r"^(-?\d+)\.0+$", "${1}")
        dates = date.dt.strftime("%Y-%m-%d")
        value = fixed
        value = numbers.zip_with(numeric, value)
        value = dates.zip_with(is_date, value)
        value = value.str.strip_chars()
        value = value.zip_with((value != "").fill_null(False), nulls)
        columns.append(value.to_list())
        for row_index in numeric.arg_true().to_list():
            numeric_rows.setdefault(row_index, set()).add(col_index)

    height = texts.height
    rows = [list(r) for r in zip(*columns, strict=True)]
    numeric = [frozenset(numeric_rows[i]) if i in numeric_rows else _EMPTY for i in range(height)]
    legacy = max(("tcvn3", "vni"), key=lambda t: repairs[t])
    encoding = f"{kind}+{legacy}" if repairs[legacy] else kind
    return Table(
        sheet=sheet,
        grid=Grid(rows=rows, row_numbers=list(range(1, height + 1)), numeric=numeric),
        encoding=encoding,
        repaired_cells=sum(repairs.values()),
    )


def read_workbook(path: Path, name: str) -> list[Table]:
    """Every non-empty sheet of an XLSX/XLS workbook, in workbook order."""
    if path.stat().st_size == 0:
        raise IngestError(name, "empty file")
    kind = path.suffix.lower().lstrip(".")
    try:
        reader = fastexcel.read_excel(path)
        tables = [t for s in reader.sheet_names if (t := _sheet_table(reader, s, kind))]
    except IngestError:
        raise
    except Exception as exc:  # calamine: not a zip, truncated, not a workbook, unreadable cell
        reason = str(exc).replace(str(path), name).splitlines()[0][:200] if str(exc) else ""
        raise IngestError(
            name, f"not a readable {kind.upper()} workbook ({type(exc).__name__}: {reason})"
        ) from exc
    if not tables:
        raise IngestError(name, "workbook has no sheet with data")
    return tables


def _text_cells(texts: pl.DataFrame, as_bool: pl.DataFrame, as_date: pl.DataFrame,
                name: str) -> pl.Series:
    """The column's text cells only (numbers and dates nulled)."""
    text, boolean, date = texts[name], as_bool[name], as_date[name]
    is_bool_cell = text.is_in(["true", "false"]).fill_null(False)
    numeric = (boolean.is_not_null() & ~is_bool_cell).fill_null(False)
    is_date = (date.is_not_null() & boolean.is_null()).fill_null(False)
    is_text = (text.is_not_null() & ~numeric & ~is_date).fill_null(False)
    return text.zip_with(is_text, pl.Series(name, [None] * len(text), dtype=pl.String))


def _repair_columns(texts: pl.DataFrame, as_bool: pl.DataFrame,
                    as_date: pl.DataFrame) -> tuple[list[pl.Series], dict[str, int]]:
    """Repair text cells: each cell on its own merits, then, once a sheet is clearly in one
    legacy encoding (TCVN3 or VNI read as cp1252), the cells too short to tell alone."""
    repairs = {"tcvn3": 0, "vni": 0, "nfd": 0}
    originals, fixed_columns, tag_columns = [], [], []
    for name in texts.columns:
        text_only = _text_cells(texts, as_bool, as_date, name)
        fixed, tags = repair_series(text_only)
        for tag, count in tags.drop_nulls().value_counts().iter_rows():
            repairs[tag] = repairs.get(tag, 0) + count
        originals.append(text_only)
        fixed_columns.append(fixed)
        tag_columns.append(tags)
    legacy = max(("tcvn3", "vni"), key=lambda t: repairs[t])
    rival = "vni" if legacy == "tcvn3" else "tcvn3"
    unicode_cells = sum(int(o.str.contains(_BEYOND_CP1252).fill_null(False).sum()) for o in originals)
    if unicode_cells > repairs["tcvn3"] + repairs["vni"]:
        # a Unicode sheet: a cell that happens to decode as TCVN3/VNI (a typo'd name made only of
        # Latin-1 letters) is a real name, not a legacy one
        for i, (original, tags) in enumerate(zip(originals, tag_columns, strict=True)):
            legacy_tag = tags.is_in(["tcvn3", "vni"]).fill_null(False)
            undo = _reads_as_vietnamese(original, legacy_tag)
            fixed_columns[i] = original.str.normalize("NFC").zip_with(undo, fixed_columns[i])
            for tag in ("tcvn3", "vni"):
                repairs[tag] -= int((undo & (tags == tag)).fill_null(False).sum())
        return fixed_columns, repairs
    if repairs[legacy] >= SHEET_ENCODING_MIN_CELLS:
        for i, (original, tags) in enumerate(zip(originals, tag_columns, strict=True)):
            # cells left alone, and cells a tie sent to the other legacy encoding
            redo = (tags.is_null() | (tags == rival)).fill_null(True)
            pending = original.zip_with(redo, original.clear(len(original)))
            second, second_tags = repair_series(pending, legacy)
            keep_rival = _rival_reads_better(fixed_columns[i], second, tags == rival)
            use = (second_tags.is_not_null() & ~keep_rival).fill_null(False)
            fixed_columns[i] = second.zip_with(use, fixed_columns[i])
            repairs[legacy] += int(use.sum())
            repairs[rival] -= int((use & (tags == rival)).fill_null(False).sum())
    return fixed_columns, repairs


def _rival_reads_better(rival_text: pl.Series, sheet_text: pl.Series,
                        was_rival: pl.Series) -> pl.Series:
    """True where a cell decoded with the other legacy encoding reads clearly more Vietnamese
    than with the sheet's own (the sheet's encoding wins ties). Only tied cells are scored."""
    out = [False] * len(rival_text)
    for index in was_rival.fill_null(False).arg_true().to_list():
        a, b = rival_text[index], sheet_text[index]
        out[index] = (a is not None and b is not None
                      and vietnamese_score(a) > vietnamese_score(b) + 0.25)
    return pl.Series(out, dtype=pl.Boolean)


def _reads_as_vietnamese(original: pl.Series, candidates: pl.Series) -> pl.Series:
    """True where a candidate cell already reads as Vietnamese as it stands (score >= 0.5): in a
    Unicode sheet such a cell is a real name with a typo, not TCVN3/VNI bytes (mixed sheets exist:
    a garbled cell like "NguyÔn V¨n Hïng" scores low and is still repaired)."""
    out = [False] * len(original)
    for index in candidates.arg_true().to_list():
        value = original[index]
        out[index] = value is not None and vietnamese_score(value) >= 0.5
    return pl.Series(out, dtype=pl.Boolean)
