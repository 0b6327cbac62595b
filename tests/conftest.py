"""Shared helpers: tiny registries and raw source frames built in code, never from fixtures on disk.

Under pytest-xdist (`make test` runs `-n 2 --dist loadfile`: a test file stays whole on one
worker, so its module fixtures are built once) each worker gets its own PREFECT_HOME, i.e. its own
embedded-server SQLite database (two processes migrating or writing one file get "database is
locked"). Session fixtures are built once per worker that needs them.
"""

from __future__ import annotations

import os
from pathlib import Path

if os.environ.get("PYTEST_XDIST_WORKER"):  # before anything imports prefect (it reads its settings once)
    os.environ["PREFECT_HOME"] = str(Path(os.environ.get("PREFECT_HOME") or Path.cwd() / ".prefect")
                                     / f"xdist-{os.environ['PYTEST_XDIST_WORKER']}")

import polars as pl  # noqa: E402
import pytest  # noqa: E402

from ducpho_etl.contracts import canonical_fields

# The files that take minutes (real Prefect servers, a pty, a browser), handed out first: under
# `--dist loadfile` a long file handed out last keeps one worker busy while the other idles.
SLOW_FILES_FIRST = ("tests/flows/test_serve.py", "tests/flows/test_nightly.py",
                    "tests/cli/test_terminal_pty.py", "tests/review/", "tests/flows/",
                    "tests/publish/test_publish_faults.py", "tests/decisions/", "tests/report/",
                    "tests/sample/test_habits.py", "tests/e2e/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order files slowest first (a stable sort: the tests of a file keep their order)."""
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return next((i for i, prefix in enumerate(SLOW_FILES_FIRST) if path.startswith(prefix)),
                    len(SLOW_FILES_FIRST))

    items.sort(key=rank)


REGISTRY_COLUMNS = ["so_dinh_danh", "so_cmnd", "ho_ten", "ngay_sinh", "gioi_tinh", "ma_xa",
                    "dia_chi", "trang_thai"]


def registry_frame(people: list[dict]) -> pl.DataFrame:
    """Registry rows with defaults: alive, no CMND, commune 21439."""
    defaults = {"so_cmnd": None, "ma_xa": "21439", "dia_chi": None, "trang_thai": "Còn sống"}
    rows = [{**defaults, **p} for p in people]
    return pl.DataFrame(rows, schema={c: pl.Utf8 for c in REGISTRY_COLUMNS})


def raw_frame(rows: list[dict], source: str = "x", file: str = "a.csv") -> pl.DataFrame:
    """A reader-shaped raw frame: every canonical field present (null where not given)."""
    fields = canonical_fields()
    records = []
    for i, row in enumerate(rows):
        record = {"source": source, "source_file": row.pop("_file", file), "sheet": None,
                  "source_row": row.pop("_row", i + 2), "row_kind": row.pop("_kind", "data"),
                  "encoding": "utf-8"}
        record.update({f: row.get(f) for f in fields})
        record["numeric_cells"] = []
        records.append(record)
    schema = {"source": pl.Utf8, "source_file": pl.Utf8, "sheet": pl.Utf8, "source_row": pl.Int64,
              "row_kind": pl.Utf8, "encoding": pl.Utf8, **{f: pl.Utf8 for f in fields},
              "numeric_cells": pl.List(pl.Utf8)}
    return pl.DataFrame(records, schema=schema)


@pytest.fixture
def make_registry():
    return registry_frame


@pytest.fixture
def make_raw():
    return raw_frame


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session (about 15 s to start on an idle
    machine; up to minutes on a loaded shared one, hence the generous startup timeout)."""
    import os

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=240):
        yield
