"""The ducpho-etl command line (typer + rich): one module per group of commands."""

from __future__ import annotations

import importlib

from ducpho_etl.cli.app import app

# Each module registers its commands on `app` when imported.
COMMAND_MODULES = ["run", "contracts", "explain", "report", "export", "serve", "returns",
                   "review"]
for _name in COMMAND_MODULES:
    importlib.import_module(f"ducpho_etl.cli.{_name}")

__all__ = ["app"]
