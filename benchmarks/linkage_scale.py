"""Our linkage time (ducpho_etl.link.link_rows over every source) at several sample scales.

Usage: python benchmarks/linkage_scale.py [scale ...]   (default: 1 10)
Samples are generated with ducpho_etl.sample.generate_sample into /tmp/bench_scale/s<scale>
(kept for later runs; scale 1 = 170,001 residents, 231,270 rows; scale 10 = 1.7M residents,
2.3M rows).
Linkage time (common.link_sources: the registry index built once, sources linked as the nightly
flow runs them, common.configured_workers() at a time; also with one worker; the median of three runs)
excludes reading and normalising (timed separately, cached after the first run).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import polars as pl  # noqa: E402
from common import (  # noqa: E402
    configured_workers,
    link_sources,
    median_run,
    peak_rss_gb,
    prepared,
    score,
    truth_links,
)

from ducpho_etl.sample import generate_sample  # noqa: E402

ROOT = Path("/tmp/bench_scale")


def sample_at(scale: float) -> tuple[Path, float | None]:
    """Every scale from the same (current) generator, so the samples are alike but for size."""
    folder = ROOT / f"s{scale:g}"
    if (folder / "truth" / "truth.parquet").exists():
        return folder, None
    started = time.perf_counter()
    generate_sample(folder, scale=scale)
    return folder, round(time.perf_counter() - started, 1)


def timed_links(registry: pl.DataFrame, sources: dict[str, pl.DataFrame], workers: int):
    """((links, timings of the first run), median seconds, every run's seconds)."""
    def once():
        made, linkage = link_sources(registry, sources, workers)
        return (made, linkage), linkage["link_s"]
    return median_run(once)


def measure(scale: float) -> dict:
    sample, generate_s = sample_at(scale)
    registry, sources, timings = prepared(sample, ROOT / f"cache_s{scale:g}")
    due = truth_links(sample)
    (made, linkage), median, runs = timed_links(registry, sources, configured_workers())
    _, one_median, one_runs = timed_links(registry, sources, 1)
    no_id = sum(r.filter(~pl.col("id12_status").is_in(["ok", "padded"])).height
                for r in sources.values())
    return {"scale": scale, "registry": registry.height,
            "rows": sum(r.height for r in sources.values()), "rows_without_usable_id": no_id,
            "generate_s": generate_s, **timings, **linkage, "link_s": median, "link_s_runs": runs,
            "link_s_one_worker": one_median, "link_s_one_worker_runs": one_runs,
            "peak_rss_gb": round(peak_rss_gb(), 2),
            **score(made, due)}


def main(argv: list[str]) -> None:
    scales = [float(a) for a in argv] or [1.0, 10.0]
    results = [measure(s) for s in scales]
    for r in results:
        print(json.dumps({k: v for k, v in r.items() if k != "per_source"}))
    base = results[0]
    for r in results[1:]:
        print(f"scale {r['scale']:g} / {base['scale']:g}: rows x{r['rows'] / base['rows']:.2f}, "
              f"registry x{r['registry'] / base['registry']:.2f}, "
              f"linkage time x{r['link_s'] / base['link_s']:.2f} "
              f"({base['link_s']:.1f} s -> {r['link_s']:.1f} s; one worker "
              f"x{r['link_s_one_worker'] / base['link_s_one_worker']:.2f}, "
              f"{base['link_s_one_worker']:.1f} s -> {r['link_s_one_worker']:.1f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
