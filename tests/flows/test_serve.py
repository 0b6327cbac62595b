"""The nightly deployment on a real `prefect server start` (loopback, its own PREFECT_HOME):
`ducpho-etl serve --interval 5` registers it, the server schedules a run, the served process
runs it to Completed and `latest` appears. Everything started here is stopped here."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "prefect server exited"
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"prefect server not healthy after {seconds} s")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the process group we started, then SIGKILL what is left."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_serve_refuses_without_api_url(monkeypatch, tmp_path):
    from ducpho_etl.cli import app

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr("flows.serve.api_url", lambda: None)
    result = CliRunner().invoke(app, ["serve", "--input", str(tmp_path), "--output",
                                      str(tmp_path / "out"), "--interval", "5"])
    assert result.exit_code == 2
    assert "PREFECT_API_URL" in result.output and "prefect server start" in result.output


def test_served_deployment_runs_on_schedule(flow_sample, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    input_dir = tmp_path / "input"
    shutil.copytree(flow_sample / "input", input_dir)
    output = tmp_path / "output"
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect_home"), PREFECT_API_URL=url,
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_RUNNER_POLL_FREQUENCY="2",
               PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
               PREFECT_LOGGING_TO_API_BATCH_INTERVAL="0.5")
    logs = tmp_path / "logs"
    logs.mkdir()
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=tmp_path, start_new_session=True,
        stdout=(logs / "server.log").open("wb"), stderr=subprocess.STDOUT)
    served = None
    try:
        _wait_healthy(url, server, 120)
        served = subprocess.Popen(
            [str(BIN / "ducpho-etl"), "serve", "--input", str(input_dir), "--output", str(output),
             "--interval", "5", "--source", "thue"],
            env=env, cwd=REPO, start_new_session=True,
            stdout=(logs / "serve.log").open("wb"), stderr=subprocess.STDOUT)
        completed = None
        deadline = time.monotonic() + 120
        with temporary_settings({PREFECT_API_URL: url}), get_client(sync_client=True) as client:
            while completed is None and time.monotonic() < deadline:
                assert served.poll() is None, (logs / "serve.log").read_text()[-3000:]
                runs = client.read_flow_runs(deployment_filter=DeploymentFilter(
                    name=DeploymentFilterName(any_=["nightly"])))
                completed = next((r for r in runs if r.state and r.state.is_completed()), None)
                failed = [r for r in runs if r.state and (r.state.is_failed() or r.state.is_crashed())]
                assert not failed, (logs / "serve.log").read_text()[-3000:]
                time.sleep(1)
            assert completed is not None, (logs / "serve.log").read_text()[-3000:]
            deployment = client.read_deployment(completed.deployment_id)
            assert deployment.schedules and deployment.schedules[0].schedule.interval.total_seconds() == 5
            assert completed.parameters["sources"] == ["thue"]
        assert (output / "latest" / "summary.csv").exists()
    finally:
        if served is not None:
            _stop(served)
        _stop(server)


@pytest.mark.parametrize("cron", ["0 1 * * *"])
def test_cron_schedule_uses_vietnam_time(cron):
    from flows.serve import TIMEZONE, schedules

    (schedule,) = schedules(cron, None)
    assert schedule.cron == cron and schedule.timezone == TIMEZONE == "Asia/Ho_Chi_Minh"
