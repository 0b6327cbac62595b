"""The typer application and console shared by every command module."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Quiet, local Prefect defaults for one-off runs; a user's own settings win. Set before any
# module imports Prefect (its settings are read at import time).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_HOME", str(Path.cwd() / ".prefect"))
os.environ.setdefault("PREFECT_LOGGING_TO_API_BATCH_INTERVAL", "0.5")
# The embedded server migrates its database on first use: on a slow or busy laptop that takes
# longer than Prefect's 20 s default, and the first run would fail for nothing.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

import typer  # noqa: E402
from rich.console import Console  # noqa: E402

from ducpho_etl.privacy import owner_only_umask  # noqa: E402

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Clean citizen-data extracts and reconcile them with the CCCD registry.")
console = Console()


@app.callback()
def _wide_tables_in_logs() -> None:
    """Every file this process writes is owner-only (outputs hold personal data; publish, cache
    and report also chmod what they write, for processes that did not come through here).

    In a pipe or a log file rich would assume 80 columns and cut the tables: give them room
    (a terminal's own width, or COLUMNS when set, still wins). Set on every invocation: the
    console outlives one command when commands run in one process (tests, the server)."""
    owner_only_umask()
    if sys.stdout.isatty():
        return
    columns = os.environ.get("COLUMNS", "")
    console.width = int(columns) if columns.isdigit() else 160
