"""Fault catalogue, a source's result on its way to publication: a failing source fails alone,
the ledger guard catches a lost row, and a disk that fills up, an output that cannot be written,
two runs at once or SIGKILL at a stage never move `latest` off a complete run."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest

from ducpho_etl.ingest import IngestError
from ducpho_etl.pipeline import describe_error
from ducpho_etl.publish import AccountingError, check_accounting, latest_run, publish_run
from tests.run_inputs import results, write_input


@pytest.fixture
def input_dir(tmp_path: Path) -> Path:
    return write_input(tmp_path / "input")


def test_a_failing_source_fails_alone_with_file_and_row(input_dir):
    (good,) = results(input_dir)
    assert good.error is None and good.raw_rows == 2
    assert good.files[0]["ledger"]["data"] == 2
    check_accounting(good)
    with pytest.raises(IngestError) as caught:
        results(input_dir, ("thue",))
    error = describe_error(caught.value)
    assert "thue.csv, row 4: a quote" in error and "never closed" in error


def test_ledger_guard_catches_a_row_lost_after_reading(input_dir):
    (good,) = results(input_dir)
    good.reconciliation = good.reconciliation.head(1)
    good.raw_rows = 1
    with pytest.raises(AccountingError, match=r"bhxh: the files' ledgers hold 2 data and total "
                                              r"rows but 1 reconciliation rows"):
        check_accounting(good)


def _publish_first(input_dir: Path, output: Path) -> Path:
    (good,) = results(input_dir, ("bhxh",))
    return publish_run(output, [good], {"sources": {}})


def test_no_space_left_keeps_latest(input_dir, tmp_path, monkeypatch):
    output = tmp_path / "out"
    first = _publish_first(input_dir, output)
    (good,) = results(input_dir, ("bhxh",))

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full)
    with pytest.raises(OSError, match="No space left"):
        publish_run(output, [good], {"sources": {}})
    assert latest_run(output) == first.resolve()
    assert [p.name for p in (output / "runs").iterdir()] == [first.name]


def test_output_that_cannot_be_written_keeps_latest(input_dir, tmp_path, monkeypatch):
    output = tmp_path / "out"
    first = _publish_first(input_dir, output)
    (good,) = results(input_dir, ("bhxh",))
    real = os.replace

    def refuse(src, dst):
        if "runs" in str(dst):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError):
        publish_run(output, [good], {"sources": {}})
    assert latest_run(output) == first.resolve()
    assert [p.name for p in (output / "runs").iterdir()] == [first.name]


def test_two_runs_at_once(input_dir, tmp_path):
    output = tmp_path / "out"
    (good,) = results(input_dir, ("bhxh",))
    done: list[Path] = []
    threads = [threading.Thread(target=lambda: done.append(
        publish_run(output, [good], {"sources": {}}))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(done) == 2 and len({p.name for p in done}) == 2
    latest = latest_run(output)
    assert latest in [p.resolve() for p in done]
    assert json.loads((latest / "manifest.json").read_text())["counts"][0]["raw_rows"] == 2
    for run in done:
        assert (run / "summary.csv").exists()


CHILD = r"""
import sys, time
from pathlib import Path
from ducpho_etl.config import REGISTRY_REFERENCE_YEAR
from ducpho_etl.contracts import load_sources
from ducpho_etl.pipeline import read_stage, reconcile_stage, shared_registry
from ducpho_etl.publish import SourceResult, publish_run
input_dir, output, stage = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
marker = output / f"at-{stage}"
def pause(where):
    if where == stage:
        marker.write_text("x")
        time.sleep(60)
pause("start")
raw, index = shared_registry(input_dir, REGISTRY_REFERENCE_YEAR)
pause("registry")
contract = load_sources()["bhxh"]
frame, files = read_stage(input_dir, contract)
recon, cleaned, model = reconcile_stage(frame, contract, index, raw, 2023)
result = SourceResult("bhxh", contract.label, frame.height, recon, cleaned, files)
pause("reconciled")
publish_run(output, [result], {"sources": {}}, finalize=lambda staging: pause("publish"))
"""


@pytest.mark.parametrize("stage", ["registry", "reconciled", "publish"])
def test_sigkill_at_a_stage_leaves_latest_intact(input_dir, tmp_path, stage):
    output = tmp_path / "out"
    first = _publish_first(input_dir, output)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(input_dir), str(output), stage])
    deadline = time.monotonic() + 90
    while not (output / f"at-{stage}").exists():
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert latest_run(output) == first.resolve()
    visible = [p.name for p in (output / "runs").iterdir() if not p.name.startswith(".")]
    assert visible == [first.name]
    assert json.loads((first / "manifest.json").read_text())["counts"][0]["raw_rows"] == 2
