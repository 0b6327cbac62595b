"""Fault catalogue, whole runs: bad registries, a failing source among good ones, a disk that
fills up, an output that cannot be written, two runs at once, SIGKILL at a stage, and a few
cases through the command line the officer uses."""

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

from ducpho_etl.config import REGISTRY_REFERENCE_YEAR, load_config
from ducpho_etl.contracts import load_sources
from ducpho_etl.ingest import IngestError
from ducpho_etl.pipeline import describe_error, shared_registry
from ducpho_etl.publish import AccountingError, check_accounting, latest_run, publish_run
from ducpho_etl.registry import RegistryError, load_prepared_registry
from tests.stages import stage_result

REGISTRY = ("so_dinh_danh,so_cmnd,ho_ten,ngay_sinh,gioi_tinh,ma_xa,dia_chi,trang_thai\n"
            "051050001234,,Nguyễn Văn Hùng,12/03/1950,Nam,21439,,Còn sống\n"
            "051148000123,,Trần Thị Lan,01/01/1948,Nữ,21439,,Còn sống\n")
GOOD = ("STT,Họ và tên,Ngày sinh,Giới tính,Số CCCD\n1,Nguyễn Văn Hùng,12/03/1950,Nam,051050001234\n"
        "2,Trần Thị Lan,01/01/1948,Nữ,051148000123\n")
OPEN_QUOTE = GOOD + '3,"Lê Văn Tám,1945,Nam,\n4,Phạm Văn Đồng,1906,Nam,\n'
BIN = Path(sys.executable).parent


@pytest.fixture
def input_dir(tmp_path: Path) -> Path:
    root = tmp_path / "input"
    (root / "registry").mkdir(parents=True)
    (root / "registry" / "registry.csv").write_text(REGISTRY, encoding="utf-8")
    for key, text in (("bhxh", GOOD), ("thue", OPEN_QUOTE)):
        (root / key).mkdir()
        (root / key / f"{key}.csv").write_text(text, encoding="utf-8")
    return root


def results(input_dir: Path, keys=("bhxh",)):
    raw, index = shared_registry(input_dir, REGISTRY_REFERENCE_YEAR)
    sources = load_sources()
    return [stage_result(input_dir, sources[k], index, raw) for k in keys]


# ------------------------------------------------------------------ registries

@pytest.mark.parametrize(("write", "pattern"), [
    (lambda d: (d / "registry.csv").write_text("ho_ten,ngay_sinh\nA,1950\n"),
     r"registry\.csv: missing registry column\(s\)"),
    (lambda d: (d / "registry.parquet").write_bytes(b"PAR1 garbage"),
     r"registry\.parquet: cannot be read as PARQUET"),
    (lambda d: None, r"no registry file"),
    (lambda d: (d / "registry.csv").write_text(REGISTRY + REGISTRY.splitlines()[1] + "\n"),
     r"registry\.csv.*so_dinh_danh"),
])
def test_bad_registries(tmp_path, write, pattern):
    folder = tmp_path / "registry"
    folder.mkdir()
    write(folder)
    with pytest.raises(RegistryError, match=pattern) as caught:
        load_prepared_registry(folder, REGISTRY_REFERENCE_YEAR)
    assert "051050001234" not in str(caught.value)  # no ID number in the message


# ------------------------------------------------------------------ sources in a run

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


# ------------------------------------------------------------------ through the command line

def _check(path: Path, source: str = "bhxh") -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([str(BIN / "ducpho-etl"), "check", str(path), "--source", source],
                          capture_output=True, text=True, env=env, timeout=120)


def test_cli_check_names_the_unterminated_quote(input_dir):
    done = _check(input_dir / "thue" / "thue.csv", "thue")
    assert done.returncode == 1
    assert "thue.csv, row 4: a quote" in " ".join(done.stdout.split())
    assert "Traceback" not in done.stdout + done.stderr


def test_cli_check_reads_utf16_unicode_text(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes(GOOD.replace(",", "\t").encode("utf-16"))
    done = _check(path)
    assert done.returncode == 0, done.stdout
    assert "utf-16-le" in done.stdout


def test_cli_check_refuses_an_encrypted_workbook(tmp_path):
    path = tmp_path / "khoa.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048)
    done = _check(path)
    assert done.returncode == 1
    assert "encrypted (password-protected)" in " ".join(done.stdout.split())


# ------------------------------------------------------------------ the scheduled run

SPLIT_NAME = ("STT,Họ và tên,,Ngày sinh,Giới tính,Mã số thuế\n1,Nguyễn Văn,Hùng,12/03/1950,Nam,\n"
              "2,Trần Thị,Lan,01/01/1948,Nữ,\n")


def test_nightly_run_never_calls_a_broken_folder_fresh_or_cached(input_dir, tmp_path,
                                                                  prefect_harness):
    """The issue's case through the flow: a symlinked subfolder appears in bhxh after a good
    run. bhxh must fail naming the link (its earlier result kept, marked stale), not be served
    from the cache or published as fresh; thue's split name columns are read as whole names."""
    from flows.nightly import nightly, run_nightly

    (input_dir / "thue" / "thue.csv").write_text(SPLIT_NAME, encoding="utf-8")
    output = tmp_path / "out"
    first = nightly(load_config(input_dir, output, sources=["bhxh", "thue"]))
    assert first.failed == {}
    assert {k: e["state"] for k, e in first.sources.items()} == {"bhxh": "fresh",
                                                                  "thue": "fresh"}
    manifest = json.loads((Path(first.run_dir) / "manifest.json").read_text())
    thue_file = manifest["sources"]["thue"]["files"][0]
    assert thue_file["name_columns"] == ["B", "C"] and thue_file["ledger"]["data"] == 2

    elsewhere = input_dir / "bhxh_dot2"
    elsewhere.mkdir()
    (elsewhere / "dot2.csv").write_text(GOOD, encoding="utf-8")
    os.symlink(elsewhere, input_dir / "bhxh" / "dot2")
    second = run_nightly(load_config(input_dir, output, sources=["bhxh", "thue"]))  # partly failed
    assert list(second.failed) == ["bhxh"]
    assert "dot2: symbolic link, not followed" in second.failed["bhxh"]
    assert second.sources["bhxh"]["state"] == "stale"
    assert second.sources["thue"]["state"] == "cached"
