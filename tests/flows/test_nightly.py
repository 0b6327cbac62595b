"""The nightly flow on a small sample: failing alone, stale results, re-running one source,
content-keyed caching, a run killed mid-publish, and no personal data in logs or artifacts."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from ducpho_etl import pipeline
from ducpho_etl.config import REGISTRY_REFERENCE_YEAR, load_config
from ducpho_etl.publish import SUMMARY_COLUMNS, latest_run, read_manifest, registry_year_of


class Capture(logging.Handler):
    """Every record of the `prefect` logger tree (flow and task run loggers included)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        out = []
        for record in self.records:
            out.append(record.getMessage())
            if record.exc_info:
                out.append(logging.Formatter().formatException(record.exc_info))
        return out


ALL = ["hoi_nong_dan", "bhxh", "thue", "tre_em", "nguoi_cao_tuoi", "bao_tro_xa_hoi", "nguoi_co_cong"]


def _manifest(output: Path) -> dict:
    return read_manifest(latest_run(output))


def _summary(output: Path) -> pl.DataFrame:
    return pl.read_csv(latest_run(output) / "summary.csv")


@pytest.fixture(scope="module")
def first_run(flow_sample, tmp_path_factory, prefect_harness):
    """One complete run on a copy of the sample; returns (input, output, outcome, log texts,
    flow run id). Tests copy the folders before changing them."""
    from flows.nightly import nightly

    root = tmp_path_factory.mktemp("first_run")
    shutil.copytree(flow_sample / "input", root / "input")
    capture = Capture()
    logging.getLogger("prefect").addHandler(capture)
    try:
        state = nightly(load_config(root / "input", root / "output"), return_state=True)
    finally:
        logging.getLogger("prefect").removeHandler(capture)
    outcome = state.result()
    return root / "input", root / "output", outcome, capture.messages(), state.state_details.flow_run_id


def _copy_run(first_run, tmp_path) -> tuple[Path, Path]:
    src_in, src_out = first_run[0], first_run[1]
    shutil.copytree(src_in, tmp_path / "input")
    shutil.copytree(src_out, tmp_path / "output", symlinks=True)
    return tmp_path / "input", tmp_path / "output"


def test_first_run_publishes_every_source_fresh(first_run):
    _, output, outcome, _, _ = first_run
    assert outcome.failed == {}
    assert [e["state"] for e in outcome.sources.values()] == ["fresh"] * 7
    summary = _summary(output)
    assert summary.columns == SUMMARY_COLUMNS
    assert summary["source"].to_list() == [*ALL, "total"]
    manifest = _manifest(output)
    entry = manifest["sources"]["bhxh"]
    assert entry["stale"] is False and entry["from_cache"] is False and entry["error"] is None
    assert entry["files"] and all(len(f["sha256"]) == 64 for f in entry["files"])
    assert {"read", "reconcile"} <= set(entry["stages"])
    # the linkage model each source used, without personal data
    model = entry["link_model"]
    assert model["kind"] in ("estimated", "fallback") and model["exact_links"] > 0
    assert set(model["weights"]) >= {"family", "given", "birth"} and model["decision"]["rule"]
    assert not re.search(r"\d{9,}", json.dumps(model))
    assert manifest["registry_files"][0]["sha256"] and manifest["versions"]["prefect"] == "3.9.1"
    # the years the run read its data and its registry as of: what later tools (review,
    # evaluate, returns import) prepare the registry with again
    assert (manifest["data_year"], manifest["registry_year"]) == (2023, REGISTRY_REFERENCE_YEAR)
    assert registry_year_of(manifest) == REGISTRY_REFERENCE_YEAR
    assert registry_year_of({**manifest, "registry_year": 2024}) == 2024
    assert registry_year_of({"data_year": 2023}) == REGISTRY_REFERENCE_YEAR  # an older manifest


def test_corrupt_sources_fail_alone_and_rerun_restores(first_run, tmp_path):
    from ducpho_etl.cli import app

    input_dir, output = _copy_run(first_run, tmp_path)
    before = _summary(output)
    first_id = latest_run(output).name
    # thue: a CSV without a name column; nguoi_co_cong: a truncated workbook.
    (input_dir / "thue" / "ghi_chu.csv").write_text("STT,Ghi chú\n1,abc\n", encoding="utf-8")
    workbook = input_dir / "nguoi_co_cong" / "nguoi_co_cong.xlsx"
    good_bytes = workbook.read_bytes()
    workbook.write_bytes(good_bytes[: len(good_bytes) // 2])

    runner = CliRunner()
    result = runner.invoke(app, ["run", "--input", str(input_dir), "--output", str(output)])
    assert result.exit_code == 1, result.output
    assert "Thuế" in result.output and "Người có công" in result.output
    assert "CŨ" in result.output  # the Vietnamese state (stale)

    run_dir = latest_run(output)
    assert run_dir.name != first_id
    summary = pl.read_csv(run_dir / "summary.csv")
    assert summary.columns == SUMMARY_COLUMNS
    assert summary.equals(before)  # failed sources keep their previous counts, others unchanged
    manifest = read_manifest(run_dir)
    for key in ("thue", "nguoi_co_cong"):
        entry = manifest["sources"][key]
        assert entry["stale"] is True and entry["state"] == "stale"
        assert entry["from_run"] == first_id
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", entry["as_of"])
        assert entry["error"]
        assert (run_dir / "reconciliation" / f"{key}.parquet").exists()
        assert (run_dir / "cleaned" / f"{key}.parquet").exists()
    assert "ghi_chu.csv" in manifest["sources"]["thue"]["error"]
    second_id = run_dir.name
    assert all(manifest["sources"][k]["state"] == "cached" for k in ALL
               if k not in ("thue", "nguoi_co_cong"))

    # Fix one file and re-run that source alone: complete, and it is no longer stale.
    (input_dir / "thue" / "ghi_chu.csv").unlink()
    result = runner.invoke(app, ["run", "--input", str(input_dir), "--output", str(output),
                                 "--source", "thue"])
    assert result.exit_code == 0, result.output
    run3 = latest_run(output)
    summary = pl.read_csv(run3 / "summary.csv")
    assert summary.equals(before)
    manifest = read_manifest(run3)
    assert manifest["selected_sources"] == ["thue"]
    assert manifest["sources"]["thue"]["stale"] is False
    assert manifest["sources"]["thue"]["state"] in ("fresh", "cached")
    others = {k: manifest["sources"][k] for k in ALL if k not in ("thue", "nguoi_co_cong")}
    assert all(e["carried_over"] and not e["stale"] and e["from_run"] == second_id
               for e in others.values())
    # nguoi_co_cong was not re-run: still stale, still from the first run, with its error.
    ncc = manifest["sources"]["nguoi_co_cong"]
    assert ncc["stale"] is True and ncc["from_run"] == first_id and ncc["error"]
    assert len(list((run3 / "reconciliation").glob("*.parquet"))) == 7

    workbook.write_bytes(good_bytes)
    result = runner.invoke(app, ["run", "--input", str(input_dir), "--output", str(output),
                                 "--source", "nguoi_co_cong"])
    assert result.exit_code == 0, result.output
    manifest = _manifest(output)
    assert not any(e["stale"] for e in manifest["sources"].values())
    assert _summary(output).equals(before)
    result = runner.invoke(app, ["summary", "--output", str(output)])
    assert result.exit_code == 0 and "CŨ" not in result.output


def test_failed_source_without_previous_result_is_visible(flow_sample, tmp_path, prefect_harness):
    from flows.nightly import NothingPublished, nightly, run_nightly

    input_dir = tmp_path / "input"
    shutil.copytree(flow_sample / "input", input_dir, ignore=shutil.ignore_patterns(
        "hoi_nong_dan", "bhxh", "tre_em", "nguoi_cao_tuoi", "bao_tro_xa_hoi"))
    (input_dir / "thue" / "ghi_chu.csv").write_text("STT,Ghi chú\n1,abc\n", encoding="utf-8")
    # every source of the run failed: nothing is published
    with pytest.raises(NothingPublished, match="thue"):
        nightly(load_config(input_dir, tmp_path / "out", sources=["thue"]))
    assert not (tmp_path / "out" / "latest").exists()
    # one of two failed: published, the run is red and names it
    state = nightly(load_config(input_dir, tmp_path / "out", sources=["thue", "nguoi_co_cong"]),
                    return_state=True)
    assert state.is_failed() and state.name == "Partially failed"
    assert "thue" in state.message and "nguoi_co_cong" not in state.message
    outcome = run_nightly(load_config(input_dir, tmp_path / "out",
                                      sources=["thue", "nguoi_co_cong"]))
    assert list(outcome.failed) == ["thue"]
    entry = _manifest(tmp_path / "out")["sources"]["thue"]
    assert entry["state"] == "failed" and entry["ok"] is False and entry["from_run"] is None
    row = _summary(tmp_path / "out").row(0, named=True)
    assert row["source"] == "thue" and row["raw_rows"] == 0 and row["cleaned"] == 0


def test_subflow_failing_before_it_starts_is_named_by_its_source(tmp_path, prefect_harness):
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterParentTaskRunId,
    )

    from flows.nightly import run_source_task

    @flow
    def parent() -> object:
        # registry files that are not a list: the source subflow refuses its parameters
        return run_source_task("thue", load_config(tmp_path, tmp_path), "không phải danh sách")

    state = parent(return_state=True)
    result = state.result()
    assert result.state == "failed" and "parameters" in result.error.lower()
    with get_client(sync_client=True) as client:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
        assert "thue" in {t.name for t in tasks}
        subflows = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_task_run_id=FlowRunFilterParentTaskRunId(any_=[t.id for t in tasks])))
    assert [(r.name, r.state.type.value) for r in subflows] == [("thue", "FAILED")]


def test_unchanged_source_from_cache_changed_one_recomputed(first_run, tmp_path, monkeypatch):
    from flows.nightly import nightly

    input_dir, output = _copy_run(first_run, tmp_path)
    calls: list[str] = []
    real = pipeline.reconcile_source

    def counting(raw, contract, *args, **kwargs):
        calls.append(contract.key)
        return real(raw, contract, *args, **kwargs)

    monkeypatch.setattr(pipeline, "reconcile_source", counting)
    # bhxh: one byte more (a trailing blank line: same rows, new content hash).
    csv = input_dir / "bhxh" / "bhxh_ducpho_2023_phan1.csv"
    csv.write_bytes(csv.read_bytes() + b"\r\n")
    # thue: touched (new mtime), same content: still served from cache.
    os.utime(input_dir / "thue" / "thue_bo_sung.csv", (time.time() + 60, time.time() + 60))
    outcome = nightly(load_config(input_dir, output))
    assert calls == ["bhxh"]
    states = {k: e["state"] for k, e in outcome.sources.items()}
    assert states == {k: ("fresh" if k == "bhxh" else "cached") for k in ALL}
    assert _manifest(output)["sources"]["thue"]["from_cache"] is True
    # a cached result keeps the model it was computed with
    assert _manifest(output)["sources"]["thue"]["link_model"]["kind"] in ("estimated", "fallback")
    assert _summary(output).equals(pl.read_csv(first_run[1] / "latest" / "summary.csv"))

    calls.clear()
    outcome = nightly(load_config(input_dir, output, sources=["thue"], force=True))
    assert calls == ["thue"]
    assert outcome.sources["thue"]["state"] == "fresh"


def test_run_killed_mid_publish_leaves_latest_intact(first_run, tmp_path):
    """A real kill: a child process running the flow is SIGKILLed inside the publish step."""
    from prefect.settings import PREFECT_API_URL

    input_dir, output = _copy_run(first_run, tmp_path)
    before = os.readlink(output / "latest")
    marker = tmp_path / "publishing"
    script = tmp_path / "child.py"
    script.write_text(f"""
import time
from pathlib import Path
import flows.nightly as nightly_module
from ducpho_etl.config import load_config

real_publish = nightly_module.publish_run

def stall(staging):
    Path({str(marker)!r}).write_text(str(staging))
    time.sleep(120)

def stalling_publish(*args, **kwargs):
    return real_publish(*args, finalize=stall, **kwargs)

nightly_module.publish_run = stalling_publish
nightly_module.nightly(load_config({str(input_dir)!r}, {str(output)!r}, sources=["thue"],
                                  force=True))
""")
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    child = subprocess.Popen([sys.executable, str(script)], env=env, cwd=Path(__file__).parents[2],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert child.poll() is None, "child exited before publishing"
            assert time.monotonic() < deadline, "child never reached the publish step"
            time.sleep(0.2)
        staging = Path(marker.read_text())
        assert staging.is_dir() and (staging / "summary.csv").exists()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert os.readlink(output / "latest") == before
    assert pl.read_csv(output / "latest" / "summary.csv").height == 8
    published = [p.name for p in (output / "runs").iterdir() if not p.name.startswith(".")]
    assert published == [Path(before).name]


def test_logs_and_artifacts_carry_no_personal_data(first_run, flow_sample):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterParentTaskRunId,
        LogFilter,
        LogFilterFlowRunId,
    )

    _, _, outcome, messages, flow_run_id = first_run
    names = set()
    for path in (flow_sample / "input" / "registry").glob("*.csv"):
        names |= set(pl.read_csv(path, infer_schema=False)["ho_ten"].drop_nulls().to_list())
    for path in (latest_run(first_run[1]) / "reconciliation").glob("*.parquet"):
        frame = pl.read_parquet(path, columns=["status", "raw_ho_ten", "name"])
        frame = frame.filter(pl.col("status") != "rejected")  # not header or total rows
        for column in ("raw_ho_ten", "name"):
            names |= set(frame[column].drop_nulls().to_list())
    names = {n for n in names if len(n.split()) >= 2}
    assert len(names) > 100

    with get_client(sync_client=True) as client:
        # each source's subflow runs inside a run-source task of this flow run
        task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[flow_run_id])))
        subflows = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_task_run_id=FlowRunFilterParentTaskRunId(any_=[t.id for t in task_runs])))
        assert sorted(r.name for r in subflows) == sorted(ALL)
        ids = [flow_run_id, *(r.id for r in subflows)]
        time.sleep(1.5)  # the API log handler sends in batches (0.5 s)
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)))
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    assert len(logs) > 20
    assert {a.key for a in artifacts} == {"ducpho-summary", "ducpho-run-report"}
    report_md = next(a.data for a in artifacts if a.key == "ducpho-run-report")
    assert "|---|" in report_md  # a table of counts
    if importlib.util.find_spec("ducpho_etl.report") is not None:  # the HTML report is linked
        assert "report.html" in report_md
    table = json.loads(next(a.data for a in artifacts if a.key == "ducpho-summary"))
    assert [r["source"] for r in table] == [*ALL, "total"] and "state" in table[0]
    texts = messages + [log.message for log in logs] + [json.dumps(a.data, ensure_ascii=False)
                                                        for a in artifacts]
    assert any("bhxh" in t for t in texts)
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    for text in texts:
        # Prefect's own run IDs may end in twelve digits by chance: not an ID number
        assert not re.search(r"(?<!\d)\d{12}(?!\d)", uuid.sub("<run>", text)), text
        hits = [n for n in names if n in text]
        assert not hits, (hits[:3], text[:200])


@pytest.mark.filterwarnings("ignore:Logger 'prefect.task_runs' attempted to send logs")
def test_read_retries_transient_errors_only(tmp_path, monkeypatch, prefect_harness):
    from ducpho_etl.ingest import IngestError
    from flows import source

    calls = []

    def flaky(input_dir, contract):
        calls.append(contract.key)
        if len(calls) < 3:
            raise OSError(5, "Input/output error")  # EIO: a network share hiccup
        return pl.DataFrame({"x": [1]}), []

    monkeypatch.setattr(source, "read_stage", flaky)
    fast = source.read_task.with_options(retry_delay_seconds=0, retry_jitter_factor=None)
    frame, _ = fast(load_config(tmp_path, tmp_path), "thue")
    assert frame.height == 1 and len(calls) == 3

    calls.clear()

    def bad(input_dir, contract):
        calls.append(contract.key)
        raise IngestError("x.csv", "no header row with a name column")

    monkeypatch.setattr(source, "read_stage", bad)
    with pytest.raises(source.StageError, match="x.csv"):
        fast(load_config(tmp_path, tmp_path), "thue")
    assert len(calls) == 1


def test_sources_are_submitted_largest_first(tmp_path):
    from ducpho_etl.pipeline import largest_first

    for key, size in [("thue", 10), ("bhxh", 1000), ("tre_em", 100)]:
        (tmp_path / key).mkdir()
        (tmp_path / key / "a.csv").write_bytes(b"x" * size)
    assert largest_first(tmp_path, ["thue", "tre_em", "nguoi_co_cong", "bhxh"]) == [
        "bhxh", "tre_em", "thue", "nguoi_co_cong"]
