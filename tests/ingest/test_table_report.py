"""The per-table reports of read_source keep to results.TableReport, the shape manifest.json
records under `sources.<key>.files`: every key declared, the required ones present, each value of
its declared kind (a report written with a new or misspelt key fails here, not in a reader of the
manifest)."""

from __future__ import annotations

import types
import typing

import pytest

from ducpho_etl.contracts import load_sources
from ducpho_etl.ingest import read_source
from ducpho_etl.results import ColumnMapping, TableReport
from ducpho_etl.sample.generate import generate_sample

HINTS = typing.get_type_hints(TableReport)


def _kind_of(hint) -> tuple[type, ...]:
    """The runtime types a declared hint admits (list[str] -> list, int | None -> int, None)."""
    args = typing.get_args(hint)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return tuple(t for a in args for t in _kind_of(a))
    if origin is not None:
        return (origin,)
    return (type(None),) if hint is type(None) else (hint,)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> list[TableReport]:
    root = tmp_path_factory.mktemp("sample")
    generate_sample(root, scale=0.01, seed=11)
    out: list[TableReport] = []
    for key, contract in load_sources().items():
        out.extend(read_source(root / "input" / key, contract)[1])
    return out


def test_every_report_key_is_declared_and_of_its_kind(reports):
    assert len(reports) > 7  # several tables per source (sheets, files)
    for report in reports:
        assert set(report) <= set(HINTS), set(report) - set(HINTS)
        assert TableReport.__required_keys__ <= set(report)
        for key, value in report.items():
            assert isinstance(value, _kind_of(HINTS[key])), (key, type(value))


def test_column_mappings_have_the_declared_keys(reports):
    mapped = [m for r in reports for m in r.get("columns", [])]
    assert mapped
    assert all(set(m) == set(typing.get_type_hints(ColumnMapping)) for m in mapped)


def test_read_tables_report_their_rows_and_ledger(reports):
    read = [r for r in reports if "skipped" not in r]
    assert read and all(r["ledger"]["accounted"] == r["ledger"]["physical_rows"] for r in read)
    assert all(r["data_rows"] > 0 for r in read if r["header_row"] is not None)
