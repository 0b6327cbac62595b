"""The nightly deployment on a real Prefect server: served by this process, or kept by the
server and run by a worker of a process work pool (survives server restarts and crashed servers).

Schedules never fire on Prefect's temporary (ephemeral) server, so both need PREFECT_API_URL
pointing at `prefect server start` (SQLite by default; PostgreSQL in production through
PREFECT_SERVER_DATABASE_CONNECTION_URL on the server side). Both run the same flow with the same
parameters as `ducpho-etl run`. Schedules are in Việt Nam time.
"""

from pathlib import Path
from uuid import UUID

from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron, Interval

from ducpho_etl import notify
from ducpho_etl.clock import TIMEZONE
from ducpho_etl.config import RunConfig, export, prefect_api_url
from flows.nightly import nightly

DEFAULT_CRON = "0 1 * * *"  # 01:00 every night, Vietnam time
DEPLOYMENT_NAME = "nightly"
DEFAULT_POOL = "ducpho-process"
DESCRIPTION = "Clean and reconcile every source nightly; publish OUTPUT/runs/<id>, switch latest."


class ServeError(RuntimeError):
    """Serving or deploying is impossible as configured (no API server to hold the schedule)."""


def api_url() -> str | None:
    from prefect.settings import PREFECT_API_URL

    return prefect_api_url() or PREFECT_API_URL.value() or None


def _require_server() -> None:
    if not api_url():
        raise ServeError(
            "PREFECT_API_URL is not set: schedules do not fire on Prefect's temporary server. "
            "Start one with `prefect server start` and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api (see README, 'Nightly schedule').")


def schedules(cron: str | None, interval: float | None) -> list:
    if interval is not None:
        return [Interval(interval, timezone=TIMEZONE)]
    return [Cron(cron or DEFAULT_CRON, timezone=TIMEZONE)]


def parameters(config: RunConfig) -> dict:
    """The flow's parameters, as `ducpho-etl run` passes them (absolute paths: the process that
    runs the flow may start elsewhere)."""
    config = config.model_copy(update={"input_dir": config.input_dir.resolve(),
                                       "output_dir": config.output_dir.resolve()})
    return {"config": config.model_dump(mode="json")}


def notify_env(notify_file: Path | None, notify_url: str | None) -> dict[str, str]:
    """The environment that tells the failure hook where to write (ducpho_etl.notify)."""
    env = {}
    if notify_file is not None:
        env[notify.FILE_ENV] = str(Path(notify_file).resolve())
    if notify_url:
        env[notify.URL_ENV] = notify_url
    return env


def _deployment(name: str, cron: str | None, interval: float | None, config: RunConfig) -> dict:
    """What serving and deploying share: name, schedule, the run's parameters, module entrypoint."""
    return {"name": name, "schedules": schedules(cron, interval),
            "parameters": parameters(config),
            "description": DESCRIPTION, "tags": ["ducpho-etl"],
            "entrypoint_type": EntrypointType.MODULE_PATH}


def serve_nightly(config: RunConfig, cron: str | None = None, interval: float | None = None,
                  name: str = DEPLOYMENT_NAME,
                  notify_file: Path | None = None, notify_url: str | None = None) -> None:
    """Register the deployment with its schedule and run its flow runs in child processes of
    this one until interrupted."""
    _require_server()
    export(notify_env(notify_file, notify_url))  # inherited by each run's process
    nightly.serve(**_deployment(name, cron, interval, config),
                  limit=1)  # never two nightly runs at once on the same OUTPUT


def ensure_process_pool(pool: str) -> None:
    """The work pool, created as a local-process pool when missing (a worker started first with
    `--type process` may create it at the same moment: that is fine too)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            found = client.read_work_pool(pool)
        except ObjectNotFound:
            try:
                client.create_work_pool(WorkPoolCreate(
                    name=pool, type="process",
                    base_job_template=ProcessWorker.get_default_base_job_template()))
                return
            except ObjectAlreadyExists:
                found = client.read_work_pool(pool)
    if found.type != "process":
        raise ServeError(f"work pool {pool!r} is of type {found.type!r}, not 'process'")


def deploy_nightly(config: RunConfig, pool: str = DEFAULT_POOL, cron: str | None = None,
                   interval: float | None = None, name: str = DEPLOYMENT_NAME,
                   notify_file: Path | None = None, notify_url: str | None = None,
                   paused: bool = False) -> UUID:
    """Register the deployment with the server and a process work pool: the server keeps the
    schedule, `prefect worker start --pool POOL` runs it (the installed `flows.nightly` module,
    no image, no copy of the code). Re-running updates it in place."""
    from prefect import deploy

    _require_server()
    ensure_process_pool(pool)
    deployment = nightly.to_deployment(
        **_deployment(name, cron, interval, config),
        concurrency_limit=1,  # never two nightly runs at once on the same OUTPUT
        paused=paused, job_variables={"env": notify_env(notify_file, notify_url)})
    (deployment_id,) = deploy(deployment, work_pool_name=pool, build=False, push=False,
                              print_next_steps_message=False, ignore_warnings=True)
    return deployment_id
