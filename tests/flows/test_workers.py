"""Sources run `RunConfig.workers` at a time however the nightly flow is started: by the CLI, or
by a deployment's worker, which calls the flow itself with the deployment's parameters. Nothing
is read from the environment when flows/ is imported (config.py reads it, in load_config)."""

import os
import subprocess
import sys
from pathlib import Path

from ducpho_etl.config import MAX_WORKERS_ENV, load_config

REPO = Path(__file__).resolve().parents[2]


def test_a_deployment_run_takes_its_workers_from_its_config(flow_sample, tmp_path,
                                                            prefect_harness, monkeypatch):
    import flows.nightly as nightly_module
    from flows.serve import parameters

    sizes: list[int | None] = []

    class Recording(nightly_module.ThreadPoolTaskRunner):
        def __init__(self, max_workers: int | None = None, **kwargs) -> None:
            sizes.append(max_workers)
            super().__init__(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(nightly_module, "ThreadPoolTaskRunner", Recording)
    config = load_config(flow_sample / "input", tmp_path / "out", sources=["thue"], workers=3)
    # the environment of the worker's process says otherwise: the deployment's config wins
    monkeypatch.setenv(MAX_WORKERS_ENV, "5")
    # as a worker runs the deployment: the flow called with the parameters it was registered with
    outcome = nightly_module.nightly(**parameters(config))
    assert outcome.failed == {}
    assert sizes == [3]


def test_importing_the_flows_reads_no_worker_count():
    # a value load_config would refuse: importing the flows must not read it
    env = {**os.environ, MAX_WORKERS_ENV: "many"}
    done = subprocess.run([sys.executable, "-c", "import flows.nightly, flows.serve"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
