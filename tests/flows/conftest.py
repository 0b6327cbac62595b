"""Fixtures for the flow tests: a small generated sample, and one real `prefect server` on
loopback for the whole session (its own PREFECT_HOME; everything started here is stopped here)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from ducpho_etl.sample import generate_sample

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def flow_sample(tmp_path_factory) -> Path:
    """A small sample (scale 0.01): input/ and truth/. Copy input/ before changing it."""
    root = tmp_path_factory.mktemp("flow_sample")
    generate_sample(root, scale=0.01, seed=11)
    return root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """SIGTERM the process group we started, then SIGKILL what is left."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@dataclass
class PrefectServer:
    url: str
    env: dict[str, str]
    logs: Path

    def start(self, name: str, *args: str, cwd: Path = REPO) -> subprocess.Popen:
        """A command of .venv/bin (ducpho-etl, prefect) against this server, in its own process
        group, output to logs/<name>.log."""
        return subprocess.Popen([str(BIN / args[0]), *args[1:]], env=self.env, cwd=cwd,
                                start_new_session=True, stdout=(self.logs / f"{name}.log").open("ab"),
                                stderr=subprocess.STDOUT)

    def run(self, name: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        log = self.logs / f"{name}.log"
        with log.open("ab") as out:
            return subprocess.run([str(BIN / args[0]), *args[1:]], env=self.env, cwd=REPO,
                                  stdout=out, stderr=subprocess.STDOUT, timeout=timeout)

    @staticmethod
    def stop(process: subprocess.Popen) -> None:
        stop(process)

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """`prefect server start` on a free loopback port, with fast scheduler and poll loops, few
    runs scheduled ahead (a 5 s interval would otherwise queue an hour of runs) and a patient
    SQLite (a busy CI machine otherwise gets "database is locked" as 503s)."""
    root = tmp_path_factory.mktemp("prefect_server")
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "DUCPHO_NOTIFY"))}
    env.update(PREFECT_HOME=str(root / "home"), PREFECT_API_URL=url,
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_RUNNER_POLL_FREQUENCY="2",
               PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
               PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS="2",
               PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS="1",
               PREFECT_SERVER_SERVICES_SCHEDULER_MIN_SCHEDULED_TIME="PT10S",
               PREFECT_SERVER_DATABASE_TIMEOUT="60",
               PREFECT_WORKER_QUERY_SECONDS="1",
               PREFECT_LOGGING_TO_API_BATCH_INTERVAL="0.5", COLUMNS="160")
    logs = root / "logs"
    logs.mkdir()
    server = PrefectServer(url, env, logs)
    process = server.start("server", "prefect", "server", "start", "--host", "127.0.0.1",
                           "--port", str(port), cwd=root)
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, server.log("server")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "prefect server not healthy after 180 s"
            time.sleep(0.5)
        yield server
    finally:
        stop(process)
