"""A throwaway PostgreSQL server for the tests: initdb into a temporary folder, pg_ctl start on
a unix socket (no TCP port, nothing else on the machine can reach it), stopped at the end.

initdb refuses to run as root: as root, the server runs as the unprivileged `postgres` (or
`nobody`) user through runuser, in a folder that user owns. Returns None, with the reason, when
no PostgreSQL binaries are found (.ci/run installs them in CI)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PostgresServer:
    bin_dir: Path
    data_dir: Path
    socket_dir: Path
    run_as: list[str]
    superuser: str = "ducpho"
    port: int = 5432

    def url(self, database: str = "postgres") -> str:
        return (f"postgresql+psycopg://{self.superuser}@/{database}"
                f"?host={self.socket_dir}&port={self.port}")

    def create_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        import sqlalchemy as sa

        name = f"t_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def stop(self) -> None:
        subprocess.run([*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir),
                        "-m", "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def find_bin_dir() -> Path | None:
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _unprivileged() -> tuple[list[str], int, int] | str:
    """(command prefix, uid, gid) to run the server as; a reason string when impossible."""
    if os.geteuid() != 0:
        return [], os.getuid(), os.getgid()
    if not shutil.which("runuser"):
        return "running as root and runuser is missing (initdb refuses root)"
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], entry.pw_uid, entry.pw_gid
    return "running as root and neither a 'postgres' nor a 'nobody' user exists"


def start_server() -> PostgresServer | str:
    """A running server, or the reason why none could be started."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return ("no PostgreSQL binaries (pg_ctl not on PATH nor in /usr/lib/postgresql/*/bin); "
                "install them with `apt-get install -y postgresql` (.ci/run does)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg driver is not installed (pip install -e '.[dev]')"
    who = _unprivileged()
    if isinstance(who, str):
        return who
    run_as, uid, gid = who
    root = Path(tempfile.mkdtemp(prefix="ducpho-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    for path in (root, sockets):
        os.chown(path, uid, gid)
    root.chmod(0o755)
    server = PostgresServer(bin_dir, data, sockets, run_as)
    steps = [
        [str(bin_dir / "initdb"), "-D", str(data), "-U", server.superuser, "-A", "trust",
         "-E", "UTF8", "--no-locale"],
        [str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "-l", str(root / "log"),
         "-o", f"-c listen_addresses='' -c unix_socket_directories='{sockets}' -p {server.port} "
               "-c fsync=off -c full_page_writes=off", "start"],
    ]
    for step in steps:
        done = subprocess.run([*run_as, *step], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = (root / "log").read_text(errors="replace")[-400:] if (root / "log").exists() else ""
            server.stop()
            return f"{Path(step[0]).name} failed: {done.stderr.strip()[-400:]} {log}"
    return server
