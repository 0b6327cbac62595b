"""Contracts of the published tables (schemas/outputs.yaml) as Pandera schemas.

check_reconciliation(df), check_cleaned(df) and check_summary(df) return the frame unchanged
when it follows its contract and raise OutputContractError naming the table, the column and the
failing check otherwise. Values appear in messages only for columns marked `public` (codes,
keys, counts), never personal data; rows are named by position and, where the table has them,
by source_file:source_row.
"""

from __future__ import annotations

from collections.abc import Callable

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from ducpho_etl.contracts import ContractError, load_output_contracts
from ducpho_etl.validate import failure_cases

DTYPES: dict[str, pl.DataType] = {
    "str": pl.String(), "int64": pl.Int64(), "int32": pl.Int32(), "float64": pl.Float64(),
    "bool": pl.Boolean(), "list[str]": pl.List(pl.String()),
}
MAX_ROWS_NAMED = 5


class OutputContractError(ValueError):
    """A table about to be published breaks its contract in schemas/outputs.yaml."""

    def __init__(self, table: str, column: str | None, check: str, detail: str) -> None:
        self.table, self.column, self.check = table, column, check
        where = f", column {column!r}" if column else ""
        super().__init__(f"{table} table{where}: check {check} failed: {detail}")


def _column(table: str, name: str, spec: dict) -> pa.Column:
    dtype = DTYPES.get(str(spec.get("dtype", "str")))
    if dtype is None:
        raise ContractError(f"outputs.yaml: {table}.{name}: unknown dtype {spec.get('dtype')!r} "
                            f"(known: {sorted(DTYPES)})")
    checks = []
    if "isin" in spec:
        checks.append(pa.Check.isin(list(spec["isin"])))
    if "pattern" in spec:
        checks.append(pa.Check.str_matches(spec["pattern"]))
    if "min" in spec:
        checks.append(pa.Check.ge(spec["min"]))
    return pa.Column(dtype, checks=checks, nullable=bool(spec.get("nullable", False)),
                     unique=bool(spec.get("unique", False)))


def _frame_check(name: str, expr: Callable[[], pl.Expr]) -> pa.Check:
    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(expr().fill_null(False).alias(name))

    return pa.Check(check, name=name)


def _rules(rules: dict) -> list[tuple[str, str | None, pa.Check]]:
    """(check name, column it is about, check) for each table-level rule."""
    out: list[tuple[str, str | None, pa.Check]] = []
    if "unique_together" in rules:
        cols = list(rules["unique_together"])
        name = f"unique_together({', '.join(cols)})"
        out.append((name, cols[-1], _frame_check(name, lambda: ~pl.struct(cols).is_duplicated())))
    if "not_null_when" in rules:
        spec = rules["not_null_when"]
        column = spec["column"]
        (when_col, values), = spec["when"].items()
        name = f"not_null_when({column} where {when_col} in {list(values)})"
        out.append((name, column, _frame_check(
            name, lambda: ~pl.col(when_col).is_in(list(values)) | pl.col(column).is_not_null())))
    if "parts_add_up" in rules:
        spec = rules["parts_add_up"]
        total, parts = spec["total"], list(spec["parts"])
        name = f"parts_add_up({total} = {' + '.join(parts)})"
        out.append((name, total, _frame_check(
            name, lambda: pl.col(total) == pl.sum_horizontal(parts))))
    if "total_row" in rules:
        spec = rules["total_row"]
        key, value, sums = spec["key"], spec["value"], list(spec["sums"])
        is_total = pl.col(key) == value
        name = f"total_row({key} == {value!r} is the last row)"
        if spec.get("last", False):
            out.append((name, key, _frame_check(name, lambda: (
                is_total == (pl.int_range(pl.len()) == pl.len() - 1)) & (is_total.sum() == 1))))
        for col in sums:
            check_name = f"total_is_sum({col})"
            out.append((check_name, col, _frame_check(check_name, lambda col=col: (
                ~is_total | (pl.col(col) == pl.col(col).filter(~is_total).sum())))))
    return out


def output_schema(table: str) -> tuple[pa.DataFrameSchema, dict, dict[str, str | None]]:
    """(schema, table spec, check name -> column) for one table of outputs.yaml."""
    tables = load_output_contracts()["tables"]
    if table not in tables:
        raise ContractError(f"outputs.yaml: no table {table!r} (known: {sorted(tables)})")
    spec = tables[table]
    columns = {name: _column(table, name, col) for name, col in spec["columns"].items()}
    rules = _rules(spec.get("rules") or {})
    schema = pa.DataFrameSchema(columns, checks=[c for _, _, c in rules], strict=False, name=table)
    return schema, spec, {name: column for name, column, _ in rules}


def _row_names(df: pl.DataFrame, indexes: list[int]) -> str:
    shown = indexes[:MAX_ROWS_NAMED]
    if {"source_file", "source_row"} <= set(df.columns):
        refs = [f"{df['source_file'][i]}:{df['source_row'][i]}" for i in shown]
    elif "source" in df.columns:
        refs = [f"{i} ({df['source'][i]})" for i in shown]
    else:
        refs = [str(i) for i in shown]
    more = f" and {len(indexes) - MAX_ROWS_NAMED} more" if len(indexes) > MAX_ROWS_NAMED else ""
    return ", ".join(refs) + more


def check_table(df: pl.DataFrame | pl.LazyFrame, table: str) -> pl.DataFrame:
    """Validate a published table against its contract; return it (collected) or raise."""
    if isinstance(df, pl.LazyFrame):
        df = df.collect()  # a LazyFrame would only get its schema checked
    schema, spec, rule_columns = output_schema(table)
    missing = [c for c in spec["columns"] if c not in df.columns]
    if missing:
        raise OutputContractError(table, missing[0], "column_in_dataframe",
                                  f"missing column(s) {missing}")
    order = spec.get("order")
    if order and list(df.columns) != list(order):
        raise OutputContractError(table, None, "column_order",
                                  f"columns must be exactly {order}, found {list(df.columns)}")
    cases = failure_cases(schema, df)
    if cases is not None:
        first = cases.row(0, named=True)
        check = first["check"]
        frame_level = first["schema_context"] == "DataFrameSchema"
        column = rule_columns.get(check) if frame_level else first["column"]
        same = cases.filter(pl.col("check") == check)
        if not frame_level:
            same = same.filter(pl.col("column") == first["column"])
        rows = sorted({int(i) for i in same["index"].to_list() if i is not None})
        public = bool(spec["columns"].get(column or "", {}).get("public"))
        if not rows:  # a dtype or other column-wide problem
            detail = str(first["failure_case"])
        else:
            detail = f"{len(rows)} row(s): {_row_names(df, rows)}"
            if public and not frame_level:
                values = sorted({str(v) for v in same["failure_case"].to_list()})[:MAX_ROWS_NAMED]
                detail += f"; values {values}"
        others = cases.select("column", "check").unique().height - 1
        if others:
            detail += f" ({others} other check(s) failed too)"
        raise OutputContractError(table, column, check, detail) from None
    return df


def check_reconciliation(df: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    return check_table(df, "reconciliation")


def check_cleaned(df: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    return check_table(df, "cleaned")


def check_summary(df: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    return check_table(df, "summary")
