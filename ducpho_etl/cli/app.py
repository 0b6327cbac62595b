"""The typer application and console shared by every command module."""

from __future__ import annotations

import sys
from pathlib import Path

from ducpho_etl import config

# Quiet, local Prefect defaults for one-off runs; a user's own settings win. Set before any
# module imports Prefect (its settings are read at import time).
config.set_prefect_defaults(Path.cwd() / ".prefect")

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
    console.width = config.terminal_columns() or 160
