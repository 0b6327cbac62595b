"""Row validation with Pandera, built from the source contract; failures become per-row codes.

Nothing is dropped here: a failing row keeps its place and carries machine codes; the
reconciliation step turns reject codes into status `rejected` and flag codes into reasons.
"""

from __future__ import annotations

from collections.abc import Callable

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from ducpho_etl.contracts import SourceContract

USABLE_ID_STATUS = ["ok", "padded"]
NAME_LETTERS = r"^[\p{L} .'\-]+$"


def _usable_identity() -> pl.Expr:
    return (pl.col("id12_status").is_in(USABLE_ID_STATUS) | pl.col("cmnd9").is_not_null()
            | pl.col("bhxh10").is_not_null() | pl.col("mst_valid").fill_null(False)
            | pl.col("birth_year").is_not_null())


# code -> (severity, expression that is True where the row passes)
ROW_CHECKS: dict[str, tuple[str, Callable[[], pl.Expr]]] = {
    "total_row": ("reject", lambda: pl.col("row_kind") != "total"),
    "name_missing": ("reject", lambda: pl.col("name").is_not_null()),
    "name_invalid": ("reject", lambda: pl.col("name").is_null()
                     | pl.col("name").str.contains(NAME_LETTERS)),
    "no_identity": ("reject", _usable_identity),
    "gender_unknown": ("flag", lambda: pl.col("gender").is_not_null()),
    "place_not_in_town": ("flag", lambda: pl.col("xa_2025").is_not_null()
                          | (pl.col("xa").is_null() & pl.col("dia_chi").is_null())),
}


def _as_check(code: str, make_expr: Callable[[], pl.Expr]) -> pa.Check:
    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(make_expr().fill_null(False).alias(code))

    return pa.Check(check, name=code)


def _unique_check(field: str) -> pa.Check:
    def check(data: PolarsData) -> pl.LazyFrame:
        col = pl.col(field)
        return data.lazyframe.select((col.is_null() | col.is_first_distinct()).alias("u"))

    return pa.Check(check, name=f"duplicate_{field}")


UNIQUE_COLUMN = {"ma_bhxh": "bhxh10", "mst": "mst10", "so_dinh_danh": "id12", "so_cmnd": "cmnd9"}


def build_schema(contract: SourceContract) -> pa.DataFrameSchema:
    """The Pandera schema of a normalised source frame: row checks plus the contract's uniques."""
    checks = [_as_check(code, make) for code, (_, make) in ROW_CHECKS.items()]
    checks += [_unique_check(UNIQUE_COLUMN[f]) for f in contract.unique if f in UNIQUE_COLUMN]
    columns = {
        "name": pa.Column(pl.Utf8, nullable=True),
        "birth_year": pa.Column(pl.Int32, nullable=True),
        "id12_status": pa.Column(pl.Utf8, nullable=True),
        "row_kind": pa.Column(pl.Utf8, checks=[pa.Check.isin(["data", "total"])]),
    }
    return pa.DataFrameSchema(columns, checks=checks, strict=False)


def validate_rows(canon: pl.DataFrame, contract: SourceContract) -> pl.DataFrame:
    """row_id, reject_codes, flag_codes for every row (empty lists where all checks pass)."""
    schema = build_schema(contract)
    failures = pl.DataFrame(schema={"index": pl.Int64, "check": pl.Utf8})
    try:
        schema.validate(canon.drop("row_id"), lazy=True)
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases.select(pl.col("index").cast(pl.Int64), "check")
    failures = failures.filter(pl.col("index").is_not_null()).unique()
    severity = {code: sev for code, (sev, _) in ROW_CHECKS.items()}
    failures = failures.with_columns(
        pl.col("check").replace_strict(severity, default="flag").alias("severity")
    )
    per_row = failures.group_by("index").agg(
        pl.col("check").filter(pl.col("severity") == "reject").sort().alias("reject_codes"),
        pl.col("check").filter(pl.col("severity") == "flag").sort().alias("flag_codes"),
    )
    empty = pl.lit([], pl.List(pl.Utf8))
    return (canon.select("row_id").with_row_index("index").with_columns(pl.col("index").cast(pl.Int64))
            .join(per_row, on="index", how="left")
            .select("row_id", pl.col("reject_codes").fill_null(empty),
                    pl.col("flag_codes").fill_null(empty)))


REASONS = {
    "total_row": ("Dòng tổng cộng, không phải dữ liệu một người", "Total row, not a person"),
    "name_missing": ("Thiếu họ tên", "Name missing"),
    "name_invalid": ("Họ tên chứa ký tự không phải chữ", "Name contains non-letters"),
    "no_identity": ("Không có số định danh, CMND, mã BHXH, MST hay ngày sinh để đối chiếu",
                    "No ID, old ID, insurance or tax code, nor birth date to match on"),
    "gender_unknown": ("Không rõ giới tính", "Gender unknown"),
    "place_not_in_town": ("Địa chỉ không thuộc thị xã Đức Phổ hoặc không nhận ra",
                          "Address not recognised as a commune of Đức Phổ"),
    "duplicate_bhxh10": ("Mã số BHXH lặp lại trong danh sách", "Social-insurance code repeated"),
    "duplicate_mst10": ("Mã số thuế lặp lại trong danh sách", "Tax code repeated"),
    "duplicate_id12": ("Số CCCD lặp lại trong danh sách", "ID repeated in the list"),
    "duplicate_cmnd9": ("Số CMND lặp lại trong danh sách", "Old ID repeated in the list"),
}
