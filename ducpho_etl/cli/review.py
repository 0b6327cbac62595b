"""`ducpho-etl review`: the review workbench in the browser, and its officers' accounts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ducpho_etl import config
from ducpho_etl.cli.app import app, console

review_app = typer.Typer(help="Bàn xác minh trên trình duyệt / the review workbench.",
                         invoke_without_command=True, no_args_is_help=False)
app.add_typer(review_app, name="review")

OutputOption = Annotated[Path | None, typer.Option("--output", "-o",
                                                   help="OUTPUT folder of the runs")]
# uvicorn's access lines carry method, path and status only (paths hold source keys and row
# positions, never a name or ID); no request bodies, no headers
LOG_CONFIG = {
    "version": 1, "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(message)s"}},
    "handlers": {"out": {"class": "logging.StreamHandler", "formatter": "plain",
                         "stream": "ext://sys.stderr"}},
    "loggers": {"uvicorn": {"handlers": ["out"], "level": "INFO"},
                "uvicorn.error": {"level": "INFO"},
                "uvicorn.access": {"handlers": ["out"], "level": "INFO", "propagate": False}},
}


@review_app.callback()
def review(ctx: typer.Context, output: OutputOption = None,
           port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8765,
           host: Annotated[str, typer.Option(help="address to listen on (default loopback "
                                                  "only)")] = "127.0.0.1",
           session_minutes: Annotated[int, typer.Option(help="idle minutes before a login "
                                                             "expires")] = 30) -> None:
    """Open the workbench: `ducpho-etl review --output DIR [--port 8765]`, then browse to
    http://127.0.0.1:8765 and log in (accounts: `ducpho-etl review add-user`)."""
    if ctx.invoked_subcommand is not None:
        return
    if output is None or not output.is_dir():
        console.print("[red]Cần --output: thư mục kết quả các lần chạy / --output must be the "
                      "OUTPUT folder")
        raise typer.Exit(2)
    from datetime import timedelta

    import uvicorn

    from ducpho_etl.review.app import create_app
    from ducpho_etl.review.sessions import Sessions
    from ducpho_etl.review.store import open_review_store

    store = open_review_store(output, config.db_url())
    web = create_app(output, store, Sessions(idle=timedelta(minutes=session_minutes)))
    console.print(f"Bàn xác minh: http://{host}:{port}/  (Ctrl+C để dừng / to stop)",
                  highlight=False)
    uvicorn.run(web, host=host, port=port, log_config=LOG_CONFIG, server_header=False)


@review_app.command("add-user")
def add_user(name: Annotated[str, typer.Argument(help="officer's user name")],
             output: OutputOption = None,
             password_stdin: Annotated[bool, typer.Option(
                 "--password-stdin", help="read the password from standard input")] = False
             ) -> None:
    """Create (or reset) an officer's account; the password is stored as a scrypt hash."""
    from ducpho_etl.review.passwords import WeakPassword, hash_password
    from ducpho_etl.review.store import open_review_store

    if output is None:
        console.print("[red]Cần --output / --output is required")
        raise typer.Exit(2)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Mật khẩu (password)", hide_input=True,
                                confirmation_prompt=True)
    try:
        hashed = hash_password(password)
    except WeakPassword as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from None
    output.mkdir(parents=True, exist_ok=True)
    open_review_store(output, config.db_url()).add_user(name, hashed)
    console.print(f"Đã tạo tài khoản {name} / account created", highlight=False)
