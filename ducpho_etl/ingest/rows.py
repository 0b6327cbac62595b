"""The rows of one table below its header, column-wise: each row classified (data, total, blank,
the header printed again, a signature line) and its cells mapped to the contract's fields.

The layout was found on the table's first rows (sheets.detect_layout); here every row of a table of
any length goes through polars column expressions. Python looks only at the few rows that could be
a repeated header or a signature line (the two columns filled most often rule the others out) and
at the distinct texts that could open a total row ("Tổng cộng", "Cộng:"), with the same rules as
the row-at-a-time predicates of sheets.py that layout detection uses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from ducpho_etl.contracts import canonical_fields, fold_header, fold_series
from ducpho_etl.ingest.sheets import (
    _DATE_LINE,
    _FOOTER_PHRASES,
    _GENDER_OF_PAIR,
    _TOTAL_INITIALS,
    DATE_PART_FIELDS,
    PAIR_FIELDS,
    Grid,
    Layout,
    _is_total_text,
    cell_text,
    column_letters,
)

PY_WHITESPACE = "".join(ch for ch in map(chr, range(0x110000)) if ch.isspace())
"""What str.strip() removes (polars' default set differs on a few control characters)."""

_PHRASE = "|".join(re.escape(p) for p in _FOOTER_PHRASES) + "|" + _DATE_LINE.pattern


@dataclass
class TableRows:
    """The kept rows of one table (data and total rows) as a frame, and what was left out."""

    frame: pl.DataFrame
    """source_row, row_kind ("data" / "total"), one column per field, numeric_cells."""
    blank_rows: int = 0
    repeated_headers: int = 0
    footer_rows: int = 0
    unnamed: dict[str, int] = field(default_factory=dict)
    """Column letter -> filled cells in a column with no header text (kept in the ledger)."""
    data_rows: int = 0
    total_rows: int = 0

    def add_counts(self, more: TableRows) -> None:
        """Count a later chunk of the same table in (its rows go to the frame builder apart)."""
        self.data_rows += more.data_rows
        self.total_rows += more.total_rows
        self.blank_rows += more.blank_rows
        self.repeated_headers += more.repeated_headers
        self.footer_rows += more.footer_rows
        for letter, n in more.unnamed.items():
            self.unnamed[letter] = self.unnamed.get(letter, 0) + n


def _cell_frame(rows: Sequence[Sequence[str | None]], width: int) -> pl.DataFrame:
    """Cells as stripped text columns c0..c{width-1} (null for empty or missing cells), and each
    row's own length (_width)."""
    names = [f"c{j}" for j in range(width)]
    raw = pl.DataFrame({n: [row[j] if j < len(row) else None for row in rows]
                        for j, n in enumerate(names)},
                       schema=dict.fromkeys(names, pl.String))
    text = [pl.col(n).str.strip_chars(PY_WHITESPACE) for n in names]
    return raw.select(*[pl.when(t != "").then(t).alias(n) for t, n in zip(text, names, strict=True)],
                      pl.Series("_width", [len(row) for row in rows], pl.Int32))


def _most_filled(cells: pl.DataFrame, columns: list[int], k: int) -> list[int]:
    counts = cells.select(pl.col(f"c{j}").count() for j in columns).row(0) if columns else ()
    return [j for _, j in sorted(zip(counts, columns, strict=True), key=lambda x: -x[0])[:k]]


def _repeated_header(cells: pl.DataFrame, width: int, filled: pl.Series,
                     header: Sequence[str | None]) -> pl.Series:
    """The header printed again: at least two filled cells, all but at most one of them equal to
    their column's header once folded. Rows where the two most-filled header columns are both
    filled and neither equals its header cannot be one; only the others are folded whole."""
    folded = {j: fold_header(h) for j, h in enumerate(header) if j < width and cell_text(h)}
    out = pl.Series("repeated", [False] * cells.height, pl.Boolean)
    if len(folded) < 2:
        return out
    a, b = _most_filled(cells, list(folded), 2)

    def same(frame: pl.DataFrame, j: int) -> pl.Series:
        return (fold_series(frame[f"c{j}"]) == folded[j]).fill_null(False)

    maybe = (filled >= 2) & (cells[f"c{a}"].is_null() | cells[f"c{b}"].is_null()
                             | same(cells, a) | same(cells, b))
    if not maybe.any():
        return out
    rows = cells.filter(maybe)
    matches = pl.DataFrame([same(rows, j).alias(str(j)) for j in folded]).select(
        pl.sum_horizontal(pl.all().cast(pl.Int32))).to_series()
    need = (filled.filter(maybe).cast(pl.Int32) - 1).clip(lower_bound=2)
    return out.scatter(maybe.arg_true(), matches >= need)


def _signature_line(cells: pl.DataFrame, width: int, filled: pl.Series) -> pl.Series:
    """A signature-block line ("Người lập biểu", "(Ký, ghi rõ họ tên)", "..., ngày 30 tháng 6
    năm 2023"): every filled cell is such a phrase. A row whose most-filled cell is filled and no
    phrase cannot be one; only the others are folded whole."""
    out = pl.Series("footer", [False] * cells.height, pl.Boolean)
    if width == 0:
        return out

    def phrase(column: pl.Series) -> pl.Series:
        return fold_series(column).str.contains(_PHRASE)

    (a,) = _most_filled(cells, list(range(width)), 1)
    first = cells[f"c{a}"]
    maybe = (filled >= 1) & (first.is_null() | phrase(first).fill_null(False))
    if not maybe.any():
        return out
    rows = cells.filter(maybe)
    every = pl.DataFrame([phrase(rows[f"c{j}"]).fill_null(True).alias(str(j))
                          for j in range(width)]).select(pl.all_horizontal(pl.all())).to_series()
    return out.scatter(maybe.arg_true(), every)


def _total_texts(cells: pl.DataFrame, columns: list[int]) -> dict[int, pl.Expr]:
    """Column -> whether its cell reads as a total ("Tổng cộng: 15 người"), judged once per
    distinct text that starts like one."""
    initials = "^[" + "".join(_TOTAL_INITIALS) + "]"
    texts = pl.concat([cells[f"c{j}"] for j in columns]) if columns else pl.Series([], dtype=pl.String)
    candidates = texts.filter(texts.str.contains(initials).fill_null(False)).unique().to_list()
    totals = [t for t in candidates if _is_total_text(t)]
    return {j: pl.col(f"c{j}").is_in(totals) for j in columns}


def _is_total(cells: pl.DataFrame, width: int, name_col: int | None) -> pl.Expr:
    """sheets.is_total_row as an expression: a total keyword in one of the first cells, and no
    real name in the name cell (empty, a count, or the keyword cell itself)."""
    limit = min(max(4, (name_col or 0) + 1), width)
    looked = list(range(limit))
    if name_col is not None and name_col < width:
        looked = sorted({*looked, name_col})
    total = _total_texts(cells, looked)
    if name_col is None or name_col >= width:
        no_name = pl.lit(True)
    else:
        name = pl.col(f"c{name_col}")
        no_name = ((pl.col("_width") <= name_col) | name.is_null()
                   | name.str.contains(r"\d") | total[name_col])
    return pl.any_horizontal(
        pl.lit(False),
        *[total[j] & (pl.lit(True) if j == name_col else no_name) for j in range(limit)],
    ).fill_null(False)


def _first_filled(columns: list[int]) -> tuple[pl.Expr, pl.Expr]:
    """(the first filled cell of `columns`, the column it came from)."""
    value = pl.coalesce(*[pl.col(f"c{j}") for j in columns])
    where = pl.coalesce(*[pl.when(pl.col(f"c{j}").is_not_null()).then(pl.lit(j, pl.Int32))
                          for j in columns])
    return value, where


def _split_date(where: dict[str, list[int]]) -> pl.Expr:
    """One birth date from Ngày | Tháng | Năm columns, joined as text before normalisation so that
    a day is never read alone (as an Excel serial): d/m/yyyy, m/yyyy without the day, the year
    alone without the month; null without a year. A year cell that is not a number is kept as is."""
    # a day or month typed into a cell formatted as a date reads as that day of January 1900
    # (Excel's serial 27 is 1900-01-27): the number is the day of the month shown
    day, month, year = (
        _first_filled(where[p])[0].str.replace(r"\.0+$", "")
        .str.replace(r"^1900-01-(\d\d)(?:[ T]00:00(?::00)?)?$", "$1") if p in where
        else pl.lit(None, pl.String) for p in DATE_PART_FIELDS)
    number = year.str.contains(r"^\d{2,4}$")
    return (pl.when(number & month.is_not_null() & day.is_not_null())
            .then(pl.concat_str(day, month, year, separator="/"))
            .when(number & month.is_not_null())
            .then(pl.concat_str(month, year, separator="/"))
            .otherwise(year))


def _numeric_at(where: pl.Expr, columns: list[int]) -> pl.Expr:
    """Whether the cell at `where` (a column index per row) was a numeric spreadsheet cell."""
    return pl.coalesce(*[pl.when(where == j).then(pl.col(f"n{j}")) for j in columns],
                       pl.lit(False))


def _unnamed_counts(kept: pl.DataFrame, columns: list[int]) -> dict[str, int]:
    """Letter -> filled cells of the kept rows in columns without a header, in the order a
    row-by-row reading meets them (first row where filled, then column)."""
    found = []
    for j in columns:
        filled = kept[f"c{j}"].is_not_null()
        n = int(filled.sum())
        if n:
            found.append((int(filled.arg_true()[0]), j, n))
    return {column_letters(j): n for _, j, n in sorted(found)}


def extract_rows(
    grid: Grid,
    layout: Layout,
    fields: Sequence[str] | None = None,
    start: int | None = None,
) -> TableRows:
    """Every row below the header as data or total rows (blank rows counted, not kept).

    `fields` are the output columns (default: canonical_fields()); a field named by two columns
    takes the first non-empty value, except the columns of a split name (layout.joined), which
    are joined, and of a split birth date (Ngày | Tháng | Năm), joined into ngay_sinh; the
    Nam/Nữ pair becomes ngay_sinh and gioi_tinh. `start` reads a later chunk of
    a long table from its first row (the header and numbering rows were in an earlier chunk).
    """
    fields = list(fields if fields is not None else canonical_fields())
    first_row = layout.body_start if start is None else start
    skip = layout.numbering_index if start is None else None
    indexes = [i for i in range(first_row, len(grid.rows)) if i != skip]
    body = [grid.rows[i] for i in indexes]
    width = max(len(layout.columns), max(map(len, body), default=0))
    cells = _cell_frame(body, width)

    filled = cells.select(pl.sum_horizontal(
        *[pl.col(f"c{j}").is_not_null() for j in range(width)], pl.lit(0)
    ).alias("filled")).to_series()
    blank = filled == 0
    header = layout.header_cells or [cell_text(c) for c in grid.rows[layout.header_index]]
    repeated = _repeated_header(cells, width, filled, header) & ~blank
    footer = _signature_line(cells, width, filled) & ~blank & ~repeated
    keep = ~blank & ~repeated & ~footer

    where: dict[str, list[int]] = {}
    for i, name in enumerate(layout.columns):
        if name is not None:
            where.setdefault(name, []).append(i)
    if grid.numeric is not None:
        used = sorted({j for cols in where.values() for j in cols})
        numeric = [grid.numeric[i] for i in indexes]
        cells = cells.with_columns(pl.Series(f"n{j}", [j in row for row in numeric], pl.Boolean)
                                   for j in used)
    kept = cells.with_columns(
        pl.Series("source_row", [grid.row_numbers[i] for i in indexes], pl.Int64)).filter(keep)

    values: dict[str, pl.Expr] = {}
    flags: dict[str, pl.Expr] = {}
    numbered = grid.numeric is not None
    for name, columns in layout.joined.items():
        if name in fields:
            joined = pl.concat_str(*[pl.col(f"c{j}") for j in columns], separator=" ",
                                   ignore_nulls=True)
            values[name] = pl.when(joined != "").then(joined)
            if numbered:
                flags[name] = pl.any_horizontal(*[pl.col(f"n{j}") for j in columns])
    for name in fields:
        if name in where and name not in layout.joined:
            values[name], came_from = _first_filled(where[name])
            if numbered:
                flags[name] = _numeric_at(came_from, where[name])
    if "ngay_sinh_yyyy" in where and "ngay_sinh" in fields:
        values["ngay_sinh"] = pl.coalesce(values.get("ngay_sinh", pl.lit(None, pl.String)),
                                          _split_date(where))
    pairs = [(p, where[p]) for p in PAIR_FIELDS if p in where]
    if pairs and "ngay_sinh" in fields and "gioi_tinh" in fields:
        found = [_first_filled(columns) for _, columns in pairs]
        pair_value = pl.coalesce(*[value for value, _ in found])
        pair_from = pl.coalesce(*[came_from for _, came_from in found])
        date = values.get("ngay_sinh", pl.lit(None, pl.String))
        if numbered:
            from_pair = date.is_null() & pair_value.is_not_null() \
                & _numeric_at(pair_from, [j for _, cols in pairs for j in cols])
            flags["ngay_sinh"] = flags.get("ngay_sinh", pl.lit(False)) | from_pair
        values["ngay_sinh"] = pl.coalesce(date, pair_value)
        one = pl.sum_horizontal(*[value.is_not_null() for value, _ in found]) == 1
        gender = pl.coalesce(*[pl.when(value.is_not_null()).then(pl.lit(_GENDER_OF_PAIR[p]))
                               for (p, _), (value, _) in zip(pairs, found, strict=True)])
        values["gioi_tinh"] = pl.coalesce(values.get("gioi_tinh", pl.lit(None, pl.String)),
                                          pl.when(one).then(gender))
    name_col = where["ho_ten"][0] if "ho_ten" in where else None
    flagged = [pl.when(flags[f].fill_null(False)).then(pl.lit(f)) for f in fields if f in flags]
    frame = kept.select(
        "source_row",
        pl.when(_is_total(cells, width, name_col)).then(pl.lit("total")).otherwise(pl.lit("data"))
        .alias("row_kind"),
        *[values.get(f, pl.lit(None, pl.String)).cast(pl.String).alias(f) for f in fields],
        (pl.concat_list(*flagged).list.drop_nulls() if flagged
         else pl.lit([], pl.List(pl.String))).alias("numeric_cells"),
    )
    header_width = len(layout.columns)
    outside = [j for j in range(width) if j >= header_width or j in set(layout.unnamed_columns)]
    totals = int((frame["row_kind"] == "total").sum())
    return TableRows(
        frame=frame,
        blank_rows=int(blank.sum()),
        repeated_headers=int(repeated.sum()),
        footer_rows=int(footer.sum()),
        unnamed=_unnamed_counts(kept, outside),
        data_rows=frame.height - totals,
        total_rows=totals,
    )
