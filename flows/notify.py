"""The nightly flow's on_failure / on_crashed hook: a notice to where operators look.

Destinations are set by DUCPHO_NOTIFY_FILE / DUCPHO_NOTIFY_URL in the process that runs the flow
(`ducpho-etl serve` and `deploy` set them from --notify-file / --notify-url).
"""

from typing import Any

from prefect.logging import get_logger

from ducpho_etl import clock, notify
from ducpho_etl.privacy import scrub


def failure_record(flow_name: str, flow_run: Any, state: Any) -> dict:
    """What an operator needs: which run, how it ended, which sources failed (masked text)."""
    config = (flow_run.parameters or {}).get("config") or {}
    output_dir = config.get("output_dir") if isinstance(config, dict) \
        else str(getattr(config, "output_dir", "")) or None
    return {
        "event": "ducpho-etl run failed",
        "flow": flow_name,
        "flow_run": flow_run.name,
        "flow_run_id": str(flow_run.id),
        "deployment_id": str(flow_run.deployment_id) if flow_run.deployment_id else None,
        "state": state.name,
        "message": scrub(state.message or ""),
        "output_dir": output_dir,
        "time_vn": clock.vn_time(clock.utc_now()).isoformat(),
    }


def notify_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect hook (flow, flow_run, state); problems are logged, never raised."""
    file, url = notify.destinations()
    logger = get_logger("ducpho_etl.notify")
    if file is None and url is None:
        logger.info("run %s ended %s; no notification configured (%s, %s)", flow_run.name,
                    state.name, notify.FILE_ENV, notify.URL_ENV)
        return
    for problem in notify.send(failure_record(flow.name, flow_run, state), file, url):
        logger.warning("notification not delivered: %s", problem)
