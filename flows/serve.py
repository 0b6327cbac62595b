"""The nightly deployment: the nightly flow served on a schedule by a real Prefect server.

Schedules never fire on Prefect's temporary (ephemeral) server, so serving needs
PREFECT_API_URL pointing at `prefect server start` (SQLite by default; PostgreSQL in production
through PREFECT_API_DATABASE_CONNECTION_URL on the server side).
"""

from __future__ import annotations

import os
from pathlib import Path

from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron, Interval

from flows.nightly import nightly

TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_CRON = "0 1 * * *"  # 01:00 every night, Vietnam time
DEPLOYMENT_NAME = "nightly"


class ServeError(RuntimeError):
    """Serving is impossible as configured (no API server to hold the schedule)."""


def api_url() -> str | None:
    from prefect.settings import PREFECT_API_URL

    return os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value() or None


def schedules(cron: str | None, interval: float | None) -> list:
    if interval is not None:
        return [Interval(interval, timezone=TIMEZONE)]
    return [Cron(cron or DEFAULT_CRON, timezone=TIMEZONE)]


def serve_nightly(input_dir: Path, output_dir: Path, cron: str | None = None,
                  interval: float | None = None, sources: list[str] | None = None,
                  data_year: int = 2023, name: str = DEPLOYMENT_NAME) -> None:
    """Register the deployment with its schedule and run its flow runs until interrupted."""
    if not api_url():
        raise ServeError(
            "PREFECT_API_URL is not set: schedules do not fire on Prefect's temporary server. "
            "Start one with `prefect server start` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api (see README, 'Nightly schedule').")
    nightly.serve(
        name=name,
        schedules=schedules(cron, interval),
        parameters={"input_dir": str(Path(input_dir).resolve()),
                    "output_dir": str(Path(output_dir).resolve()),
                    "sources": sources, "data_year": data_year},
        description="Clean and reconcile every source nightly; publish OUTPUT/runs/<id>, switch latest.",
        tags=["ducpho-etl"],
        limit=1,  # never two nightly runs at once on the same OUTPUT
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
