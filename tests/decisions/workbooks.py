"""An agency's answers written into a returned list, as a spreadsheet program would save it:
every cell of every sheet copied (as text), the answer column filled in."""

from __future__ import annotations

from pathlib import Path

import fastexcel
import xlsxwriter

ANSWER_TITLE = "Kết quả xử lý của cơ quan"


def sheets(path: Path) -> dict[str, list[list[str | None]]]:
    reader = fastexcel.read_excel(path)
    return {name: [list(row) for row in reader.load_sheet(
        name, header_row=None, skip_rows=0, dtypes="string").to_polars().iter_rows()]
        for name in reader.sheet_names}


def data_rows(path: Path, sheet: str) -> list[tuple[int, dict[str, str | None]]]:
    """(Excel row number, {column title: value}) of each listed row of a status sheet."""
    grid = sheets(path)[sheet]
    at = next(i for i, row in enumerate(grid) if ANSWER_TITLE in row)
    header = grid[at]
    return [(i + 1, dict(zip(header, row, strict=False)))
            for i, row in enumerate(grid) if i > at and any(row)]


def answered(source: Path, target: Path, answers: dict[tuple[str, int], str],
             order: dict[str, list[int]] | None = None) -> Path:
    """A copy of `source` with answers[(sheet, excel_row)] in the answer column; `order`
    optionally moves the data rows of a sheet (the agency sorted its list)."""
    book = xlsxwriter.Workbook(target)
    for name, grid in sheets(source).items():
        ws = book.add_worksheet(name)
        at = next((i for i, row in enumerate(grid) if ANSWER_TITLE in row), None)
        column = grid[at].index(ANSWER_TITLE) if at is not None else None
        rows = list(enumerate(grid))
        if at is not None and order and name in order:
            head, body = rows[:at + 1], rows[at + 1:]
            by_number = {i + 1: (i, row) for i, row in body}
            rows = head + [by_number[n] for n in order[name]]
        for out, (i, row) in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write_string(out, c, str(value))
            text = answers.get((name, i + 1))
            if text is not None and column is not None:
                ws.write_string(out, column, text)
    book.close()
    return target
