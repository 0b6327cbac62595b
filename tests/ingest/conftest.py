"""Builders for the fault catalogue: hostile extract files written in code (never from disk
fixtures), read the way the pipeline reads a source folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from ducpho_etl.contracts import SourceContract, load_sources
from ducpho_etl.ingest.source import IngestError, read_source

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Địa chỉ"]
PEOPLE = [
    ["1", "Nguyễn Văn Hùng", "12/03/1950", "Nam", "051050001234", "Phổ An"],
    ["2", "Trần Thị Lan", "01/01/1948", "Nữ", "051148000123", "Phổ Thạnh"],
    ["3", "Lê Văn Tám", "1945", "Nam", "", "Phổ Ninh"],
]


@dataclasses.dataclass
class Source:
    """One source folder under INPUT/ being built by a test."""

    folder: Path
    contract: SourceContract

    def path(self, name: str) -> Path:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def text(self, name: str, text: str, encoding: str = "utf-8") -> Path:
        path = self.path(name)
        path.write_bytes(text.encode(encoding))
        return path

    def csv(self, name: str, rows: list[list[str]], delimiter: str = ",",
            encoding: str = "utf-8", newline: str = "\n") -> Path:
        lines = [delimiter.join(_quoted(c, delimiter) for c in row) for row in rows]
        return self.text(name, newline.join(lines) + newline, encoding)

    def xlsx(self, name: str, sheets: dict[str, list[list]], merges: dict | None = None,
             hidden: tuple[str, ...] = ()) -> Path:
        """Sheets of rows (None = empty cell); merges: sheet -> [(r1, c1, r2, c2, text)]."""
        path = self.path(name)
        book = xlsxwriter.Workbook(path, {"strings_to_numbers": False})
        for sheet, rows in sheets.items():
            ws = book.add_worksheet(sheet)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, (int, float)):
                        ws.write_number(r, c, value)
                    else:
                        ws.write_string(r, c, value)
            for r1, c1, r2, c2, text in (merges or {}).get(sheet, []):
                ws.merge_range(r1, c1, r2, c2, text)
            if sheet in hidden:
                ws.hide()
        book.close()
        return path

    def read(self) -> tuple[pl.DataFrame, list[dict]]:
        return read_source(self.folder, self.contract)

    def ok(self) -> tuple[pl.DataFrame, list[dict]]:
        """Read; every table's ledger must account for each physical row exactly once."""
        frame, reports = self.read()
        ledger_ok(reports)
        return frame, reports

    def fails(self, pattern: str) -> IngestError:
        with pytest.raises(IngestError, match=pattern) as caught:
            self.read()
        return caught.value

    def skipping(self) -> Source:
        return Source(self.folder, dataclasses.replace(self.contract,
                                                       skip_unrecognised_sheets=True))


def _quoted(cell: str, delimiter: str) -> str:
    if any(ch in cell for ch in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def ledger_ok(reports: list[dict]) -> list[dict]:
    """Every read table's ledger: each physical row accounted for exactly once."""
    ledgers = [r["ledger"] for r in reports if "ledger" in r]
    assert ledgers, "no ledger in the reports"
    for ledger in ledgers:
        assert ledger["unaccounted"] == 0, ledger
        assert ledger["accounted"] == ledger["physical_rows"], ledger
    return ledgers


@pytest.fixture
def source(tmp_path: Path) -> Source:
    """An empty bhxh source folder inside an INPUT folder."""
    folder = tmp_path / "input" / "bhxh"
    folder.mkdir(parents=True)
    return Source(folder, load_sources()["bhxh"])


@pytest.fixture
def people() -> list[list[str]]:
    return [HEADER, *[list(p) for p in PEOPLE]]
