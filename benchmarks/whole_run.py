"""The whole nightly run as an officer starts it: `ducpho-etl run --force` on a sample's input, in a
fresh process with Prefect's embedded server, timed from outside; then the manifest's own figures.

Prints the wall time of the command (server start included), the sources' part of it
(manifest `seconds_sources`: first source started to last one done, with the run's workers), each
source's stages (read, waiting for the shared registry, reconcile), the peak resident memory of
the process and the published totals, so a slower stage shows where it is. Median of `--repeats`
runs (the machine's load varies a run by a quarter); every run is printed.

    .venv/bin/python benchmarks/whole_run.py [SAMPLE_DIR] [--repeats 3]
      (default sample_data/full; generate it with `ducpho-etl sample --output DIR`)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run(input_dir: Path, output_dir: Path) -> dict:
    """One `ducpho-etl run --force` in a child process: its wall time, peak RSS and manifest."""
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))  # as `make run`: its database kept
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "ducpho-etl"), "run", "--input",
                    str(input_dir), "--output", str(output_dir), "--force"],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    manifest = json.loads((output_dir / "latest" / "manifest.json").read_text(encoding="utf-8"))
    return {"wall_s": round(wall, 2), "peak_rss_gb": round(max(peak, before) / 1024 ** 2, 2),
            "manifest": manifest}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sample", nargs="?", type=Path, default=ROOT / "sample_data" / "full")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    input_dir = args.sample / "input" if (args.sample / "input").is_dir() else args.sample
    runs = []
    with tempfile.TemporaryDirectory(prefix="whole_run_") as tmp:
        for i in range(args.repeats):
            run = one_run(input_dir, Path(tmp) / f"run{i}")
            runs.append(run)
            print(f"run {i + 1}: wall {run['wall_s']:.1f} s, sources "
                  f"{run['manifest']['seconds_sources']:.1f} s, peak {run['peak_rss_gb']:.2f} GB",
                  flush=True)
    middle = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]
    manifest = middle["manifest"]
    total = next(c for c in manifest["counts"] if c["source"] == "total")
    print(f"\n{input_dir}: {total['raw_rows']:,} rows read, {total['cleaned']:,} cleaned, "
          f"{manifest['max_workers']} workers, load average {os.getloadavg()[0]:.1f}")
    walls = ", ".join(f"{r['wall_s']:.1f}" for r in runs)
    print(f"median wall {statistics.median(r['wall_s'] for r in runs):.1f} s (runs {walls}); sources "
          f"{statistics.median(r['manifest']['seconds_sources'] for r in runs):.1f} s")
    print(f"{'source':16} {'rows':>8} {'read':>6} {'registry':>8} {'reconcile':>9} {'total':>6}"
          "   (the median run)")
    for key, source in manifest["sources"].items():
        stages = source.get("stages") or {}
        rows = next((c["raw_rows"] for c in manifest["counts"] if c["source"] == key), 0)
        print(f"{key:16} {rows:8,} {stages.get('read', 0):6.1f} {stages.get('registry', 0):8.1f} "
              f"{stages.get('reconcile', 0):9.1f} {source.get('seconds') or 0:6.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
