"""Contracts of the published tables: reconciliation, cleaned and summary (schemas/outputs.yaml)."""

from __future__ import annotations

import polars as pl
import pytest

from ducpho_etl.output_contracts import (
    OutputContractError,
    check_cleaned,
    check_reconciliation,
    check_summary,
)

COUNTS = ["raw_rows", "cleaned", "duplicate", "deceased", "review", "not_found", "rejected"]


def _summary(rows: list[tuple]) -> pl.DataFrame:
    schema = {"source": pl.Utf8, "label": pl.Utf8, **{c: pl.Int64 for c in COUNTS}}
    return pl.DataFrame(rows, schema=schema, orient="row")


GOOD_SUMMARY = [("bhxh", "Bảo hiểm xã hội", 10, 5, 1, 1, 1, 1, 1),
                ("thue", "Thuế", 4, 4, 0, 0, 0, 0, 0),
                ("total", "Tổng cộng", 14, 9, 1, 1, 1, 1, 1)]


def _recon(statuses: list[str], person_ids: list[str | None] | None = None) -> pl.DataFrame:
    n = len(statuses)
    return pl.DataFrame({
        "source": ["bhxh"] * n, "source_file": ["a.csv"] * n, "sheet": [None] * n,
        "source_row": list(range(2, n + 2)), "status": statuses,
        "person_id": person_ids or ["051080000001"] * n,
        "reason_codes": [["linked_by_id"]] * n, "reason": ["Khớp theo số CCCD"] * n,
        "raw_ho_ten": ["Lê Văn An"] * n,
    }, schema_overrides={"sheet": pl.Utf8, "source_row": pl.Int64, "person_id": pl.Utf8})


def test_good_tables_pass():
    assert check_summary(_summary(GOOD_SUMMARY)).height == 3
    assert check_reconciliation(_recon(["matched", "duplicate"])).height == 2
    cleaned = pl.DataFrame({"source": ["bhxh"], "source_file": ["a.csv"], "sheet": [None],
                            "source_row": [2], "person_id": ["051080000001"], "ho_ten": ["Lê Văn An"],
                            "ngay_sinh": ["01/02/1980"], "gioi_tinh": ["Nam"], "ma_xa": ["21439"]},
                           schema_overrides={"sheet": pl.Utf8})
    assert check_cleaned(cleaned).height == 1
    with pytest.raises(OutputContractError, match=r"cleaned table, column 'person_id': check "
                                                  r"field_uniqueness"):
        check_cleaned(pl.concat([cleaned, cleaned.with_columns(source_row=pl.lit(3, pl.Int64))]))


def test_summary_that_does_not_add_up_is_refused():
    rows = [list(r) for r in GOOD_SUMMARY]
    rows[0][4] = 2  # bhxh: duplicate 2 -> 11 statuses for 10 rows
    rows[2][4] = 2
    with pytest.raises(OutputContractError) as info:
        check_summary(_summary([tuple(r) for r in rows]))
    message = str(info.value)
    assert message.startswith("summary table, column 'raw_rows': check parts_add_up(raw_rows = "
                              "cleaned + duplicate")
    assert "0 (bhxh)" in message and "1 (thue)" not in message


def test_summary_total_must_be_the_sum():
    rows = [list(r) for r in GOOD_SUMMARY]
    rows[2][2], rows[2][3] = 15, 10  # adds up within itself, not the sum of the sources
    with pytest.raises(OutputContractError) as info:
        check_summary(_summary([tuple(r) for r in rows]))
    assert "check total_is_sum(raw_rows)" in str(info.value) and "2 (total)" in str(info.value)


def test_summary_needs_a_last_total_row_and_exact_columns():
    with pytest.raises(OutputContractError, match="total_row"):
        check_summary(_summary(GOOD_SUMMARY[:2]))
    with pytest.raises(OutputContractError, match="total_row"):
        check_summary(_summary([GOOD_SUMMARY[2], *GOOD_SUMMARY[:2]]))
    with pytest.raises(OutputContractError, match="column_order"):
        check_summary(_summary(GOOD_SUMMARY).select("label", "source", *COUNTS))
    with pytest.raises(OutputContractError, match=r"column 'rejected': check column_in_dataframe"):
        check_summary(_summary(GOOD_SUMMARY).drop("rejected"))
    with pytest.raises(OutputContractError, match=r"column 'review': check greater_than_or_equal"):
        rows = [list(r) for r in GOOD_SUMMARY]
        rows[1][6], rows[1][3] = -1, 5
        rows[2][6], rows[2][3] = 0, 10
        check_summary(_summary([tuple(r) for r in rows]))


def test_reconciliation_with_an_unknown_status_is_refused():
    with pytest.raises(OutputContractError) as info:
        check_reconciliation(_recon(["matched", "maybe"]))
    message = str(info.value)
    assert message.startswith("reconciliation table, column 'status': check isin(")
    assert "a.csv:3" in message and "['maybe']" in message


def test_reconciliation_rules_and_no_personal_data_in_messages():
    with pytest.raises(OutputContractError) as info:
        check_reconciliation(_recon(["matched"], ["51080000001"]))
    assert "column 'person_id'" in str(info.value) and "51080000001" not in str(info.value)
    with pytest.raises(OutputContractError, match=r"not_null_when\(person_id"):
        check_reconciliation(_recon(["deceased", "not_found"], [None, None]))
    twice = _recon(["matched", "duplicate"]).with_columns(source_row=pl.lit(2, pl.Int64))
    with pytest.raises(OutputContractError, match=r"unique_together\(source_file, sheet, source_row\)"):
        check_reconciliation(twice)
    with pytest.raises(OutputContractError, match=r"column 'source_row': check dtype\('Int64'\)"):
        check_reconciliation(_recon(["matched"]).with_columns(pl.col("source_row").cast(pl.Int32)))


def test_lazy_frames_are_checked_on_their_data():
    with pytest.raises(OutputContractError, match="isin"):
        check_reconciliation(_recon(["maybe"]).lazy())
