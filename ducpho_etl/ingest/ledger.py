"""Physical accounting: every row a file physically holds is a data row or a counted other row.

The reader's rows are checked against a count taken from the file itself, by other means than
the reader: for CSV/TXT the record starts found by a quote-aware line scan (line breaks outside
quotes), for XLSX the rows holding a value in the sheet XML (xlsx_parts.py). A row the file holds
that no category claims fails the file, with the file, sheet and row range named: a CSV quote
left open that swallows the next lines, rows a reader stops short of, are caught here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ducpho_etl.ingest.rows import TableRows
from ducpho_etl.ingest.sheets import Layout, is_blank

KINDS = ("title", "header", "numbering", "blank", "data", "total", "repeated_header", "footer",
         "skipped_sheet")
"""Every physical row is exactly one of these."""

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class DelimitedScan:
    """Where a CSV/TXT file's records start, by line breaks outside double quotes."""

    record_starts: list[int]
    lines: int
    open_quote_line: int | None = None
    """Line of a quote still open at the end of the file (an unterminated quote), if any."""


def _quote_state(line: str, delimiter: str, inside: bool) -> bool:
    """Whether a quoted field is still open at the end of `line`, given whether one was open at
    its start. A quote opens a quoted field only at the start of a field (as Excel and the csv
    module read it); inside one, "" is a quote character and a lone quote closes it."""
    i, n = 0, len(line)
    at_start = not inside
    while i < n:
        if inside:
            j = line.find('"', i)
            if j < 0:
                return True
            if j + 1 < n and line[j + 1] == '"':
                i = j + 2
                continue
            inside, at_start, i = False, False, j + 1
        elif at_start and line[i] == '"':
            inside, i = True, i + 1
        else:
            j = line.find(delimiter, i)
            if j < 0:
                return False
            at_start, i = True, j + len(delimiter)
    return inside


def scan_delimited(text: str, delimiter: str) -> DelimitedScan:
    """Record starts (1-based lines) of CSV text: a line starts a record unless a quoted field
    opened on an earlier line is still open (line breaks inside quotes belong to the cell)."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    if '"' not in text:
        return DelimitedScan(list(range(1, len(lines) + 1)), len(lines))
    starts: list[int] = []
    inside = False
    opened = None
    for number, line in enumerate(lines, 1):
        if not inside:
            starts.append(number)
        if '"' in line:
            was = inside
            inside = _quote_state(line, delimiter, inside)
            if inside and not was:
                opened = number
    return DelimitedScan(starts, len(lines), opened if inside else None)


def ranges(numbers: Sequence[int]) -> str:
    """[3, 4, 5, 9] -> '3–5, 9' (at most 5 ranges, then '…')."""
    out: list[str] = []
    start = prev = None
    for n in sorted(numbers):
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            out.append(f"{start}–{prev}" if prev != start else str(start))
            start = prev = n
    if start is not None:
        out.append(f"{start}–{prev}" if prev != start else str(start))
    return ", ".join(out[:5]) + (", …" if len(out) > 5 else "")


@dataclass
class Ledger:
    """One table's rows by kind, against the rows the file physically holds."""

    physical_rows: int
    counted_by: str
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    unaccounted: list[int] = field(default_factory=list)
    used_range: str | None = None

    @property
    def accounted(self) -> int:
        return sum(self.kinds.values())

    @property
    def balanced(self) -> bool:
        """Every physical row accounted for, once."""
        return not self.unaccounted and self.accounted == self.physical_rows

    def as_dict(self) -> dict:
        out: dict = {"physical_rows": self.physical_rows, "counted_by": self.counted_by,
                     **self.kinds, "accounted": self.accounted,
                     "unaccounted": len(self.unaccounted)}
        if self.unaccounted:
            out["unaccounted_rows"] = ranges(self.unaccounted)
        if self.used_range:
            out["used_range"] = self.used_range
        return out


def table_kinds(rows: Sequence[Sequence[str | None]], layout: Layout,
                table_rows: TableRows) -> dict[str, int]:
    """Rows of one read table by kind (the grid's every row, once)."""
    kinds = dict.fromkeys(KINDS, 0)
    for cells in rows[: layout.header_index]:
        kinds["blank" if is_blank(cells) else "title"] += 1
    kinds["header"] = layout.header_rows
    kinds["numbering"] = int(layout.numbering_index is not None)
    kinds["data"] = table_rows.data_rows
    kinds["total"] = table_rows.total_rows
    kinds["blank"] += table_rows.blank_rows
    kinds["repeated_header"] = table_rows.repeated_headers
    kinds["footer"] = table_rows.footer_rows
    return kinds


def reconcile(kinds: dict[str, int], read_rows: Sequence[int], physical: Sequence[int],
              counted_by: str, used_range: str | None = None) -> Ledger:
    """Check the reader's rows (`read_rows`, every row it returned, by row number) against the
    rows the file holds (`physical`): each physical row must be a row the reader returned, and
    the kinds must add up to the rows returned."""
    ledger = Ledger(physical_rows=len(physical), counted_by=counted_by, kinds=dict(kinds),
                    used_range=used_range)
    seen = set(read_rows)
    ledger.unaccounted = [n for n in physical if n not in seen]
    if counted_by == "csv-lines-outside-quotes":
        # the reader started a row where the file's quotes say a cell goes on: rows disagree
        held = set(physical)
        ledger.unaccounted += [n for n in read_rows if n not in held]
    if counted_by == "xlsx-sheet-xml":
        # a sheet's reader rows run 1..height; the physical count is the rows through the last
        # one holding a value (empty rows in between are the reader's blank rows)
        ledger.physical_rows = max(max(physical, default=0), len(read_rows))
    return ledger


def swallowed_lines(rows: Sequence[Sequence[str | None]], row_numbers: Sequence[int],
                    lines: int, delimiter: str, width: int) -> tuple[int, int] | None:
    """(first, last line) of a record whose quoted cell holds whole lines of delimited cells: a
    quote left open that swallowed the next lines (a real multi-line cell, an address over two
    lines, holds at most a delimiter or two). None when there is none. Only records spanning
    several lines are looked at."""
    threshold = max(2, (width - 1) // 2)
    ends = [*row_numbers[1:], lines + 1]
    for index, (start, end) in enumerate(zip(row_numbers, ends, strict=True)):
        if end - start < 2:
            continue
        for cell in rows[index]:
            if cell and ("\n" in cell or "\r" in cell):
                pieces = _LINE_BREAK.split(cell)[1:]
                if any(p.count(delimiter) >= threshold for p in pieces):
                    return start, end - 1
    return None
