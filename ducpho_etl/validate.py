"""Row validation with Pandera, built from the source contract; failures become per-row codes.

Nothing is dropped here: a failing row keeps its place and carries machine codes; the
reconciliation step turns reject codes into status `rejected` and flag codes into reasons.

Row checks (ROW_CHECKS) are polars expressions wrapped as `pa.Check` (no
register_check_method: it imports pandas). The frame is validated collected, inside a config
context forcing SCHEMA_AND_DATA depth, so data checks can never silently pass. Schema-level
problems (a missing column, a wrong dtype) are not row problems: they raise ValidationError.
"""

from __future__ import annotations

from collections.abc import Callable

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData
from pandera.config import ValidationDepth, config_context

from ducpho_etl.codes import declare
from ducpho_etl.config import DEFAULT_DATA_YEAR
from ducpho_etl.contracts import PACKAGE_SCHEMAS_DIR, SourceContract, load_fields

USABLE_ID_STATUS = ["ok", "padded"]
OLDEST_AGE = 120
"""A birth date more than this many years before the data year is impossible."""


def _vietnamese_letters() -> str:
    """Every letter of the Vietnamese alphabet (all tones, both cases, NFC) plus ASCII letters
    (f, j, w, z appear in names of ethnic minorities and in foreign names)."""
    import unicodedata

    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    vowels = ["a", "a\u0306", "a\u0302", "e", "e\u0302", "i", "o", "o\u0302", "o\u031b", "u",
              "u\u031b", "y"]
    letters = {unicodedata.normalize("NFC", v + t) for v in vowels for t in tones}
    letters |= {c.upper() for c in letters} | set("đĐ")
    return "A-Za-z" + "".join(sorted(c for c in letters if len(c) == 1 and not c.isascii()))


NAME_PATTERN = rf"^[{_vietnamese_letters()}][{_vietnamese_letters()} .'\-]*$"


class ValidationError(ValueError):
    """The frame itself breaks its schema (a missing column, a wrong type): not a row problem."""


def _usable_identity() -> pl.Expr:
    return (pl.col("id12_status").is_in(USABLE_ID_STATUS) | pl.col("cmnd9").is_not_null()
            | pl.col("bhxh10").is_not_null() | pl.col("mst_valid").fill_null(False)
            | pl.col("birth_year").is_not_null())


def _data_year() -> pl.Expr:
    return pl.col("reference_year").cast(pl.Int32, strict=False).fill_null(DEFAULT_DATA_YEAR)


def _birth_date_possible() -> pl.Expr:
    """A birth date given in the extract is a real day, not after the data year and not more
    than OLDEST_AGE years before it (normalize nulls the dates it refuses, with date_impossible;
    an unreadable text is date_unparseable, not impossible)."""
    year = pl.col("birth_year")
    in_range = (year <= _data_year()) & (year >= _data_year() - OLDEST_AGE)
    refused = pl.col("norm_codes").list.contains("date_impossible").fill_null(False)
    return pl.when(year.is_null()).then(~refused).otherwise(in_range)


def _age_for_source(contract: SourceContract) -> pl.Expr:
    """The age the row's own birth year gives in the data year fits the list (min_age/max_age).

    A flag, not a reject: lunar-calendar years and typed dates are often off by a year or more.
    The linker separately checks the registry's birth year."""
    age = _data_year() - pl.col("birth_year")
    ok = pl.lit(True)
    if contract.min_age is not None:
        ok = ok & (age >= contract.min_age)
    if contract.max_age is not None:
        ok = ok & (age <= contract.max_age)
    return pl.col("birth_year").is_null() | ok


# code -> (severity, contract -> expression that is True where the row passes)
ROW_CHECKS: dict[str, tuple[str, Callable[[SourceContract], pl.Expr]]] = {
    "total_row": ("reject", lambda c: pl.col("row_kind") != "total"),
    "name_missing": ("reject", lambda c: pl.col("name").is_not_null()),
    "name_invalid": ("reject", lambda c: pl.col("name").is_null()
                     | pl.col("name").str.contains(NAME_PATTERN)),
    "no_identity": ("reject", lambda c: _usable_identity()),
    "birth_date_impossible": ("flag", lambda c: _birth_date_possible()),
    "age_implausible_for_source": ("flag", _age_for_source),
    "gender_unknown": ("flag", lambda c: pl.col("gender").is_not_null()),
    "place_not_in_town": ("flag", lambda c: pl.col("xa_2025").is_not_null()
                          | (pl.col("xa").is_null() & pl.col("dia_chi").is_null())),
}

# Columns the checks read, with their dtype (the normalised frame's).
CHECKED_COLUMNS: dict[str, pl.DataType] = {
    "row_kind": pl.String(), "name": pl.String(), "birth_year": pl.Int32(),
    "id12_status": pl.String(), "cmnd9": pl.String(), "bhxh10": pl.String(),
    "mst_valid": pl.Boolean(), "gender": pl.String(), "xa_2025": pl.String(), "xa": pl.String(),
    "dia_chi": pl.String(), "norm_codes": pl.List(pl.String()),
}

# Contract `unique` field -> the normalised column compared (other fields: the raw text).
UNIQUE_COLUMN = {"ma_bhxh": "bhxh10", "mst": "mst10", "so_dinh_danh": "id12", "so_cmnd": "cmnd9"}


def unique_column(field: str) -> str:
    return UNIQUE_COLUMN.get(field, field)


def _as_check(code: str, expr: pl.Expr) -> pa.Check:
    def check(data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(expr.fill_null(False).alias(code))

    return pa.Check(check, name=code)


def _unique_check(column: str) -> pa.Check:
    """Later rows repeating a value of the column fail; the first one passes (nulls pass)."""
    def check(data: PolarsData) -> pl.LazyFrame:
        col = pl.col(column)
        if column not in UNIQUE_COLUMN.values():  # raw text: compare trimmed, ignoring case
            col = col.str.strip_chars().str.to_uppercase()
        return data.lazyframe.select((col.is_null() | col.is_first_distinct()).alias("u"))

    return pa.Check(check, name=f"duplicate_{column}")


def build_schema(contract: SourceContract) -> pa.DataFrameSchema:
    """The Pandera schema of a normalised source frame: row checks plus the contract's uniques."""
    checks = [_as_check(code, make(contract)) for code, (_, make) in ROW_CHECKS.items()]
    checks += [_unique_check(unique_column(f)) for f in contract.unique]
    columns = {name: pa.Column(dtype, nullable=True) for name, dtype in CHECKED_COLUMNS.items()}
    columns["row_kind"] = pa.Column(pl.String(), checks=[pa.Check.isin(["data", "total"])])
    for field in contract.unique:
        columns.setdefault(unique_column(field), pa.Column(pl.String(), nullable=True))
    return pa.DataFrameSchema(columns, checks=checks, strict=False,
                              name=f"source {contract.key}")


def failure_cases(schema: pa.DataFrameSchema, frame: pl.DataFrame) -> pl.DataFrame | None:
    """Pandera's failure cases of a collected frame, checked at full depth whatever the global
    pandera settings (a schema-only depth would let every data check pass silently); None if clean."""
    try:
        with config_context(validation_enabled=True,
                            validation_depth=ValidationDepth.SCHEMA_AND_DATA):
            schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors.failure_cases
    return None


def validate_rows(canon: pl.DataFrame | pl.LazyFrame, contract: SourceContract) -> pl.DataFrame:
    """row_id, reject_codes, flag_codes for every row (empty lists where all checks pass).

    Raises ValidationError when the frame lacks a column the checks need or has a wrong dtype.
    """
    if isinstance(canon, pl.LazyFrame):
        canon = canon.collect()  # a LazyFrame would only get its schema checked
    schema = build_schema(contract)
    frame = canon.drop("row_id")
    if "reference_year" not in frame.columns:
        frame = frame.with_columns(pl.lit(DEFAULT_DATA_YEAR, pl.Int32).alias("reference_year"))
    missing = [c for c in schema.columns if c not in frame.columns]
    if missing:
        raise ValidationError(f"source {contract.key}: normalised frame lacks column(s) {missing}")
    failures = pl.DataFrame(schema={"index": pl.Int64, "check": pl.Utf8})
    cases = failure_cases(schema, frame)
    if cases is not None:
        frame_level = cases.filter(pl.col("index").is_null())
        if frame_level.height:
            first = frame_level.row(0, named=True)
            raise ValidationError(
                f"source {contract.key}: column {first['column']!r} fails {first['check']} "
                f"({frame_level.height} schema problem(s))")
        failures = cases.select(pl.col("index").cast(pl.Int64), "check")
    failures = failures.unique()
    severity = {code: sev for code, (sev, _) in ROW_CHECKS.items()}
    failures = failures.with_columns(
        pl.col("check").replace_strict(severity, default="flag", return_dtype=pl.Utf8).alias("severity")
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
    "name_invalid": ("Họ tên chứa ký tự không phải chữ cái tiếng Việt",
                     "Name contains characters that are not Vietnamese letters"),
    "no_identity": ("Không có số định danh, CMND, mã BHXH, MST hay ngày sinh để đối chiếu",
                    "No ID, old ID, insurance or tax code, nor birth date to match on"),
    "birth_date_impossible": ("Ngày sinh không thể có (không tồn tại, sau năm dữ liệu hoặc quá 120 "
                              "năm trước)",
                              "Impossible birth date (no such day, after the data year or over "
                              "120 years before it)"),
    "age_implausible_for_source": ("Tuổi theo ngày sinh ghi trong danh sách không phù hợp với "
                                   "đối tượng của danh sách (cần xem lại)",
                                   "Age from the listed birth date does not fit this list "
                                   "(check it)"),
    "gender_unknown": ("Không rõ giới tính", "Gender unknown"),
    "place_not_in_town": ("Địa chỉ không thuộc thị xã Đức Phổ hoặc không nhận ra",
                          "Address not recognised as a commune of Đức Phổ"),
    "duplicate_bhxh10": ("Mã số BHXH lặp lại trong danh sách", "Social-insurance code repeated"),
    "duplicate_mst10": ("Mã số thuế lặp lại trong danh sách", "Tax code repeated"),
    "duplicate_id12": ("Số CCCD lặp lại trong danh sách", "ID repeated in the list"),
    "duplicate_cmnd9": ("Số CMND lặp lại trong danh sách", "Old ID repeated in the list"),
}
# A contract may promise any other field unique: its code is duplicate_<field>.
for _field, _spec in load_fields(PACKAGE_SCHEMAS_DIR).items():
    if _field not in UNIQUE_COLUMN:
        REASONS.setdefault(f"duplicate_{_field}", (
            f"{_spec.get('label', _field)} lặp lại trong danh sách",
            f"{_field} repeated in the list"))
# a row check's code has its severity; the others (duplicates of a unique field) are flags
declare(REASONS, lambda code: ROW_CHECKS[code][0] if code in ROW_CHECKS else "flag")


def reason(code: str, language: int = 0) -> str:
    """The Vietnamese (0) or English (1) text of a validation code (the code itself if unknown)."""
    texts = REASONS.get(code)
    return texts[language] if texts else code
