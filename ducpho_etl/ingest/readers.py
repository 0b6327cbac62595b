"""Readers: the bytes of one extract file -> tables (`Grid`s) of cell texts with true row numbers.

CSV/TXT: decoded with encodings.decode_bytes, delimiter sniffed from the header area, parsed with
the csv module in chunks (a long file never sits in memory as Python lists); every value stays
text. XLSX/XLS: fastexcel (calamine), one table per non-empty sheet, after xlsx_parts.py has
checked the zip and counted the sheet rows. Layout (header, totals ...) is sheets.py's business;
each table carries the file's own row count for the ledger (ledger.py).
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from ducpho_etl.ingest.encodings import (
    DECODING_TRIED,
    decode_bytes,
    holds_legacy_cells,
    repair_lines,
    repair_series,
    vietnamese_score,
)
from ducpho_etl.ingest.errors import IngestError
from ducpho_etl.ingest.ledger import scan_delimited
from ducpho_etl.ingest.limits import Limits, over_limit
from ducpho_etl.ingest.sheets import (
    HEADER_SCAN_ROWS,
    Grid,
    column_letters,
    header_score,
)
from ducpho_etl.ingest.xlsx_parts import SheetPart, column_index, inspect_xlsx

DELIMITERS = (",", ";", "\t", "|")
DELIMITED_SUFFIXES = (".csv", ".txt")
WORKBOOK_SUFFIXES = (".xlsx", ".xls")
CHUNK_ROWS = 50_000
"""CSV/TXT records parsed and turned into a frame at a time."""

_EMPTY: frozenset[int] = frozenset()

# Vietnamese letters that no cp1252 reading of legacy bytes can produce: proof of real Unicode.
_BEYOND_CP1252 = ("[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđơưăĩũ"
                  "ĨŨĐƠƯĂẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ]")
SHEET_ENCODING_MIN_CELLS = 3  # repaired cells that establish a sheet's legacy encoding
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass
class Table:
    """One table read from a file: a CSV/TXT file or one sheet of a workbook."""

    sheet: str | None
    grid: Grid
    encoding: str
    repaired_cells: int = 0
    physical: list[int] | None = None
    """Row numbers the file itself holds, counted without the reader (see ledger.py)."""
    counted_by: str = "reader"
    used_range: str | None = None
    state: str = "visible"
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    delimiter: str | None = None
    lines: int = 0
    more: Iterator[Grid] | None = None
    """Further rows of a long CSV/TXT, chunk by chunk (`grid` holds the first chunk)."""


# --------------------------------------------------------------------------------------------
# CSV / TXT
# --------------------------------------------------------------------------------------------


def _first_lines(text: str, n: int) -> list[str]:
    return [m.group() for m in itertools.islice(_LINE.finditer(text), n)]


def sniff_delimiter(text: str, header_map: dict[str, str]) -> str:
    """The delimiter (comma, semicolon, tab, pipe) that best splits the header area into headers.

    The header area is the first HEADER_SCAN_ROWS lines; the winner is the delimiter whose split
    recognises the most headers (ties: the finer split). With no header recognised: the
    delimiter seen most often in those lines.
    """
    lines = _first_lines(text, HEADER_SCAN_ROWS)
    sample = "".join(lines)
    best: tuple[int, int] = (0, 0)
    chosen: str | None = None
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(lines, delimiter=delimiter))
        except csv.Error:
            continue
        for row in rows:
            key = (header_score(row, header_map), len(row))
            if key[0] and key > best:
                best, chosen = key, delimiter
    if chosen is not None:
        return chosen
    return max(DELIMITERS, key=lambda d: sample.count(d))


def _records(text: str, delimiter: str, name: str,
             limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each CSV record, parsed lazily from the text."""
    csv.field_size_limit(max(limits.max_cell_chars, 1))
    reader = csv.reader((m.group() for m in _LINE.finditer(text)), delimiter=delimiter)
    previous_end = 0
    try:
        for record in reader:
            if len(record) > limits.max_columns:
                raise IngestError(name, over_limit("columns", len(record), "max_columns",
                                                   limits.max_columns), row=previous_end + 1)
            yield previous_end + 1, record
            previous_end = reader.line_num
    except csv.Error as exc:
        if "field limit" in str(exc):
            raise IngestError(name, over_limit("a cell's length (characters) above",
                                               limits.max_cell_chars, "max_cell_chars",
                                               limits.max_cell_chars),
                              row=previous_end + 1) from None
        raise IngestError(name, f"not parseable as CSV ({exc})", row=previous_end + 1) from exc


def _grids(records: Iterator[tuple[int, list[str]]]) -> Iterator[Grid]:
    while chunk := list(itertools.islice(records, CHUNK_ROWS)):
        yield Grid(rows=[r for _, r in chunk], row_numbers=[n for n, _ in chunk])


def read_delimited(data: bytes, name: str, header_map: dict[str, str],
                   limits: Limits | None = None) -> Table:
    """Parse a CSV/TXT file's bytes; row numbers are physical line numbers (line 1 = first line).

    The returned table's grid holds the first CHUNK_ROWS records, `more` the rest, lazily.
    """
    limits = limits or Limits()
    if not data.strip():
        raise IngestError(name, "empty file")
    text, encoding = decode_bytes(data)
    repaired = 0
    if encoding.startswith("utf-8") and holds_legacy_cells(text):
        text, repaired = repair_lines(text)
    if (nul := text.find("\x00")) >= 0:
        raise IngestError(name, f"holds NUL bytes: a binary or damaged file, not text "
                                f"(read as {encoding} after trying {DECODING_TRIED})",
                          row=text.count("\n", 0, nul) + 1)
    delimiter = sniff_delimiter(text, header_map)
    scan = scan_delimited(text, delimiter)
    if scan.open_quote_line is not None:
        raise IngestError(name, 'a quote (") opened on this line is never closed: the lines '
                                f"after it ({scan.open_quote_line}–{scan.lines}) would be read "
                                "as one cell; close or remove the quote",
                          row=scan.open_quote_line)
    if len(scan.record_starts) > limits.max_rows:
        raise IngestError(name, over_limit("rows", len(scan.record_starts), "max_rows",
                                           limits.max_rows))
    grids = _grids(_records(text, delimiter, name, limits))
    first = next(grids, Grid(rows=[], row_numbers=[]))
    return Table(sheet=None, grid=first, encoding=encoding, repaired_cells=repaired,
                 physical=scan.record_starts,
                 counted_by="csv-lines-outside-quotes", delimiter=delimiter, lines=scan.lines,
                 more=grids)


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


def _check_sheet_limits(part: SheetPart | None, sheet: str, name: str, limits: Limits) -> None:
    """Rows and columns of a sheet over the caps, known from its XML before it is loaded."""
    if part is None:
        return
    if part.content_rows and part.content_rows[-1] > limits.max_rows:
        raise IngestError(name, f"sheet {sheet!r}: " + over_limit(
            "rows", part.content_rows[-1], "max_rows", limits.max_rows))
    if part.used_range and ":" in part.used_range:
        last = column_index(re.sub(r"\d", "", part.used_range.split(":")[1])) + 1
        if last > limits.max_columns:
            raise IngestError(name, f"sheet {sheet!r}: " + over_limit(
                "columns", last, "max_columns", limits.max_columns))


def _check_loaded(table: Table, name: str, limits: Limits) -> None:
    rows = table.grid.rows
    width = max((len(r) for r in rows), default=0)
    if width > limits.max_columns:
        raise IngestError(name, f"sheet {table.sheet!r}: " + over_limit(
            "columns", width, "max_columns", limits.max_columns))
    for r_index, cells in enumerate(rows):
        for c_index, cell in enumerate(cells):
            if cell is not None and len(cell) > limits.max_cell_chars:
                raise IngestError(name, f"sheet {table.sheet!r}: " + over_limit(
                    "a cell's length (characters)", len(cell), "max_cell_chars",
                    limits.max_cell_chars), row=table.grid.row_numbers[r_index],
                    column=column_letters(c_index))


def read_workbook(path: Path, name: str, limits: Limits | None = None) -> list[Table]:
    """Every non-empty sheet of an XLSX/XLS workbook, in workbook order.

    An XLSX is checked first (xlsx_parts.inspect_xlsx: encrypted, not a zip, over the size cap)
    and each sheet's rows are counted from its XML for the ledger.
    """
    limits = limits or Limits()
    if path.stat().st_size == 0:
        raise IngestError(name, "empty file")
    kind = path.suffix.lower().lstrip(".")
    parts = inspect_xlsx(path, name, limits) if kind == "xlsx" else {}
    tables = []
    try:
        reader = fastexcel.read_excel(path)
        for sheet in reader.sheet_names:
            part = parts.get(sheet)
            _check_sheet_limits(part, sheet, name, limits)
            table = _sheet_table(reader, sheet, kind)
            if table is None:
                if part is not None and part.content_rows:
                    raise IngestError(name, f"sheet {sheet!r}: rows "
                                            f"{part.content_rows[0]}–{part.content_rows[-1]} hold "
                                            "values but the reader returned none")
                continue
            _check_loaded(table, name, limits)
            if part is not None:
                table.physical, table.counted_by = part.content_rows, "xlsx-sheet-xml"
                table.used_range, table.state, table.merges = (part.used_range, part.state,
                                                               part.merges)
            else:
                table.physical = list(table.grid.row_numbers)
            tables.append(table)
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
        number = _letterless_number(text_only)
        fixed, tags = repair_series(text_only.zip_with(~number, text_only.clear(len(text_only))))
        fixed = text_only.zip_with(number, fixed)
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
            redo = (tags.is_null() | (tags == rival)).fill_null(True) & ~_letterless_number(original)
            pending = original.zip_with(redo, original.clear(len(original)))
            second, second_tags = repair_series(pending, legacy)
            keep_rival = _rival_reads_better(fixed_columns[i], second, tags == rival)
            use = (second_tags.is_not_null() & ~keep_rival).fill_null(False)
            fixed_columns[i] = second.zip_with(use, fixed_columns[i])
            repairs[legacy] += int(use.sum())
            repairs[rival] -= int((use & (tags == rival)).fill_null(False).sum())
    return fixed_columns, repairs


def _letterless_number(original: pl.Series) -> pl.Series:
    """Cells with digits and no Latin letter (an ID or a date behind a typographic apostrophe or
    dash): no text to repair, and forcing the sheet's legacy decoding on them turns the
    punctuation into a letter ("\u2019051..." -> "\u00d2051...") that hides the number."""
    return (original.str.contains(r"\d") & ~original.str.contains(r"[A-Za-z]")).fill_null(False)


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
