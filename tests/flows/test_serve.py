"""The nightly schedule as an operator meets it, on a real `prefect server` (loopback, own
PREFECT_HOME): `ducpho-etl serve --interval 5` and `ducpho-etl deploy` + `prefect worker start`.
The published summary must equal that of `ducpho-etl run` on the same input (the committed small
sample, whose cleaned counts are its truth's); a corrupt source turns the scheduled run red, names
the source, notifies a local receiver and keeps the source's stale result; a run in which every
source failed leaves `latest` where it was.
"""

import contextlib
import json
import os
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from ducpho_etl.publish import latest_run, read_manifest

SMALL = Path(__file__).resolve().parents[2] / "sample_data" / "small"
POOL = "ducpho-test-pool"
RUN_TIMEOUT_S = 300


def _summary(output: Path) -> pl.DataFrame:
    return pl.read_csv(output / "latest" / "summary.csv")


@contextlib.contextmanager
def _client(server):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: server.url}), get_client(sync_client=True) as client:
        yield client


def _first_run(server, deployment_name: str, log: str, retire: bool = True):
    """The deployment's first scheduled run, once final, and the deployment. With `retire`, as
    soon as that run is Running the deployment is paused and its runs still waiting are deleted,
    so that no second run starts (the first one still needs the deployment to exist)."""
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    deadline = time.monotonic() + RUN_TIMEOUT_S
    by_name = DeploymentFilter(name=DeploymentFilterName(any_=[deployment_name]))
    with _client(server) as client:
        first = None
        while first is None:
            assert time.monotonic() < deadline, f"no run of {deployment_name}:\n{server.log(log)}"
            runs = client.read_flow_runs(deployment_filter=by_name)
            started = sorted((r for r in runs if r.state and (r.state.is_running()
                                                              or r.state.is_final())),
                             key=lambda r: r.expected_start_time)
            if started:
                first = started[0]
            else:
                time.sleep(0.5)
        deployment = client.read_deployment(first.deployment_id)
        if retire:
            client.pause_deployment(deployment.id)
            for waiting in client.read_flow_runs(deployment_filter=by_name):
                if waiting.id != first.id and waiting.state and waiting.state.is_scheduled():
                    with contextlib.suppress(Exception):
                        client.delete_flow_run(waiting.id)
        while not (first.state and first.state.is_final()):
            assert time.monotonic() < deadline, f"{deployment_name} not done:\n{server.log(log)}"
            time.sleep(1)
            first = client.read_flow_run(first.id)
        return first, deployment


def _deploy(server, name: str, input_dir: Path, output: Path, *extra: str) -> None:
    done = server.run(f"deploy-{name}", "ducpho-etl", "deploy", "--input", str(input_dir),
                      "--output", str(output), "--pool", POOL, "--name", name,
                      "--interval", "5", *extra)
    assert done.returncode == 0, server.log(f"deploy-{name}")


@pytest.fixture(scope="module")
def small_input(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("small_input")
    shutil.copytree(SMALL / "input", root / "input")
    return root / "input"


@pytest.fixture(scope="module")
def reference(prefect_server, small_input, tmp_path_factory) -> pl.DataFrame:
    """`ducpho-etl run` on the same input (against the same server: no temporary server)."""
    output = tmp_path_factory.mktemp("run") / "output"
    done = prefect_server.run("run", "ducpho-etl", "run", "--input", str(small_input),
                              "--output", str(output))
    assert done.returncode == 0, prefect_server.log("run")
    return _summary(output)


@pytest.fixture(scope="module")
def worker(prefect_server):
    """One process worker on the test pool for this module's deployments."""
    process = prefect_server.start("worker", "prefect", "worker", "start", "--pool", POOL,
                                   "--type", "process")
    yield process
    prefect_server.stop(process)


@pytest.fixture(scope="module")
def pool_run(prefect_server, worker, small_input, tmp_path_factory):
    """The nightly deployment registered by `ducpho-etl deploy`, its scheduled run executed by
    the worker: (output folder, flow run, deployment)."""
    output = tmp_path_factory.mktemp("pool") / "output"
    _deploy(prefect_server, "nightly-pool", small_input, output)
    flow_run, deployment = _first_run(prefect_server, "nightly-pool", "worker")
    return output, flow_run, deployment


class Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver():
    """A webhook on 127.0.0.1 that keeps what it is sent: (url, received notices)."""
    handler = type("Handler", (Receiver,), {"received": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/notify", handler.received
    finally:
        httpd.shutdown()
        httpd.server_close()


def _check_against_reference(output: Path, reference: pl.DataFrame) -> None:
    summary = _summary(output)
    assert summary.equals(reference)
    assert summary.filter(pl.col("source") != "total")["cleaned"].min() > 0
    truth = pl.read_csv(SMALL / "truth" / "summary.csv")
    assert dict(summary.select("source", "cleaned").iter_rows()) == dict(
        truth.select("source", "cleaned").iter_rows())


def test_served_schedule_publishes_what_run_publishes(prefect_server, small_input, reference,
                                                      tmp_path):
    output = tmp_path / "output"
    served = prefect_server.start("serve", "ducpho-etl", "serve", "--input", str(small_input),
                                  "--output", str(output), "--interval", "5")
    try:
        flow_run, deployment = _first_run(prefect_server, "nightly", "serve", retire=False)
    finally:
        prefect_server.stop(served)
    assert flow_run.state.is_completed(), (flow_run.state, prefect_server.log("serve"))
    assert flow_run.auto_scheduled and deployment.schedules[0].schedule.interval.total_seconds() == 5
    assert deployment.schedules[0].schedule.timezone == "Asia/Ho_Chi_Minh"
    _check_against_reference(output, reference)


def test_deployment_on_work_pool_runs_by_worker(prefect_server, pool_run, reference):
    output, flow_run, deployment = pool_run
    assert flow_run.state.is_completed(), (flow_run.state, prefect_server.log("worker"))
    assert deployment.work_pool_name == POOL and flow_run.work_pool_name == POOL
    assert flow_run.auto_scheduled and deployment.entrypoint == "flows.nightly.nightly"
    _check_against_reference(output, reference)
    manifest = read_manifest(latest_run(output))
    assert all(e["state"] == "fresh" for e in manifest["sources"].values())


def _copy_output(output: Path, tmp_path: Path) -> Path:
    target = tmp_path / "output"
    shutil.copytree(output, target, symlinks=True)
    return target


def test_corrupt_source_turns_the_scheduled_run_red_and_notifies(
        prefect_server, pool_run, small_input, receiver, tmp_path):
    url, received = receiver
    output = _copy_output(pool_run[0], tmp_path)
    before = _summary(output)
    first_id = latest_run(output).name
    input_dir = tmp_path / "input"
    shutil.copytree(small_input, input_dir)
    (input_dir / "thue" / "ghi_chu.csv").write_text("STT,Ghi chú\n1,abc\n", encoding="utf-8")
    notices = tmp_path / "notices" / "failures.jsonl"
    _deploy(prefect_server, "nightly-corrupt", input_dir, output, "--notify-url", url,
            "--notify-file", str(notices))
    flow_run, deployment = _first_run(prefect_server, "nightly-corrupt", "worker")

    assert not flow_run.state.is_completed() and flow_run.state.is_failed()
    assert flow_run.state.name == "Partially failed"
    assert "thue" in flow_run.state.message and "bhxh" not in flow_run.state.message
    # the notice reached the local receiver (and the file), naming the source
    deadline = time.monotonic() + 30
    while not received and time.monotonic() < deadline:
        time.sleep(0.5)
    (notice,) = [n for n in received if n["flow_run_id"] == str(flow_run.id)]
    assert notice["state"] == "Partially failed" and "thue" in notice["message"]
    assert notice["flow_run_id"] == str(flow_run.id) and notice["output_dir"] == str(output)
    assert notice in [json.loads(line) for line in notices.read_text(encoding="utf-8").splitlines()]
    # published, with thue's previous result kept and marked stale
    run_dir = latest_run(output)
    assert run_dir.name != first_id
    assert _summary(output).equals(before)
    entry = read_manifest(run_dir)["sources"]["thue"]
    assert entry["state"] == "stale" and entry["from_run"] == first_id and "ghi_chu.csv" in entry["error"]
    assert entry["as_of"] == read_manifest(pool_run[0] / "latest")["sources"]["thue"]["as_of"]
    # the run-source task and the subflow of the failed source are named by its key
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterParentTaskRunId,
    )

    with _client(prefect_server) as client:
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[flow_run.id])))
        by_name = {t.name: t for t in tasks}
        assert by_name["thue"].state.is_completed()  # it returned the failed result
        subflows = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_task_run_id=FlowRunFilterParentTaskRunId(any_=[t.id for t in tasks])))
    assert {r.name for r in subflows} == set(read_manifest(run_dir)["sources"])
    assert next(r for r in subflows if r.name == "thue").state.is_failed()


def test_every_source_failing_leaves_latest_where_it_was(prefect_server, pool_run, small_input,
                                                         tmp_path):
    output = _copy_output(pool_run[0], tmp_path)
    before = os.readlink(output / "latest")
    runs_before = sorted(p.name for p in (output / "runs").iterdir())
    input_dir = tmp_path / "input"
    shutil.copytree(small_input / "registry", input_dir / "registry")
    for key in [p.name for p in small_input.iterdir() if p.name != "registry"]:
        (input_dir / key).mkdir()
        (input_dir / key / "ghi_chu.csv").write_text("STT,Ghi chú\n1,abc\n", encoding="utf-8")
    notices = tmp_path / "failures.jsonl"
    _deploy(prefect_server, "nightly-all-fail", input_dir, output, "--notify-file", str(notices))
    flow_run, deployment = _first_run(prefect_server, "nightly-all-fail", "worker")

    assert flow_run.state.is_failed()
    assert "every source failed" in flow_run.state.message
    assert all(key in flow_run.state.message for key in ("bhxh", "thue", "nguoi_co_cong"))
    assert os.readlink(output / "latest") == before
    assert sorted(p.name for p in (output / "runs").iterdir()) == runs_before
    (notice,) = [json.loads(line) for line in notices.read_text(encoding="utf-8").splitlines()
                 if json.loads(line)["flow_run_id"] == str(flow_run.id)]
    assert notice["state"] == "Failed" and "every source failed" in notice["message"]


def test_serve_and_deploy_refuse_without_api_url(monkeypatch, tmp_path):
    from ducpho_etl.cli import app

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr("flows.serve.api_url", lambda: None)
    for command in ("serve", "deploy"):
        result = CliRunner().invoke(app, [command, "--input", str(tmp_path), "--output",
                                          str(tmp_path / "out"), "--interval", "5"])
        assert result.exit_code == 2
        assert "PREFECT_API_URL" in result.output and "prefect server start" in result.output


@pytest.mark.parametrize("cron", ["0 1 * * *"])
def test_cron_schedule_uses_vietnam_time(cron):
    from flows.serve import schedules

    (schedule,) = schedules(cron, None)
    assert schedule.cron == cron and schedule.timezone == "Asia/Ho_Chi_Minh"
