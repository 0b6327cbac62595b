"""The decision store: SQLite under OUTPUT/ by default, PostgreSQL (or any SQLAlchemy URL) with
DUCPHO_DB_URL when several officers work at once. Migrated (alembic) every time it is opened.

Append-only: a new decision on a row is a new record; the latest one per (source, row_key) is in
force and every earlier one stays in the history (who, when, what, on which evidence). The store
holds full person IDs (a decision names its person): like OUTPUT/ it is personal data, owner-only
on disk; nothing here logs a value.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from ducpho_etl import config
from ducpho_etl.decisions.model import Decision
from ducpho_etl.decisions.tables import access_log, decisions, users
from ducpho_etl.privacy import restrict

SQLITE_NAME = "decisions.sqlite"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (the workbench) beside a writer (a run)
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class DecisionStore:
    """Decisions, users and the access log over one SQLAlchemy engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is there)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":  # two processes opening at once
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(170617)"))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def revision(self) -> str | None:
        with self.engine.connect() as connection:
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    def close(self) -> None:
        self.engine.dispose()

    # --- decisions -------------------------------------------------------------------------
    def record(self, decision: Decision) -> None:
        """Append one decision (it becomes the row's current one)."""
        self.record_many([decision])

    def record_many(self, batch: list[Decision]) -> None:
        """Append several decisions in one transaction: all are stored, or none."""
        if not batch:
            return
        rows = [{"decision_id": d.decision_id, "source": d.source, "row_key": d.row_key,
                 "verdict": d.verdict, "person_id": d.person_id, "author": d.author,
                 "author_kind": d.author_kind, "note": d.note,
                 "decided_utc": d.decided_utc.astimezone(UTC),
                 "evidence": json.dumps(d.evidence, ensure_ascii=False, sort_keys=True)}
                for d in batch]
        with self.engine.begin() as connection:
            connection.execute(decisions.insert(), rows)

    def current(self, source: str | None = None) -> list[Decision]:
        """The decision in force for each decided row (the latest per source and row key)."""
        latest = sa.select(sa.func.max(decisions.c.seq).label("seq")) \
            .group_by(decisions.c.source, decisions.c.row_key)
        if source is not None:
            latest = latest.where(decisions.c.source == source)
        query = sa.select(decisions).where(decisions.c.seq.in_(latest.scalar_subquery())) \
            .order_by(decisions.c.seq)
        return self._decisions(query)

    def history(self, limit: int = 200, source: str | None = None) -> list[Decision]:
        """Every decision, newest first (superseded ones too): the audit trail."""
        query = sa.select(decisions).order_by(decisions.c.seq.desc()).limit(limit)
        if source is not None:
            query = query.where(decisions.c.source == source)
        return self._decisions(query)

    def _decisions(self, query: sa.Select) -> list[Decision]:
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [Decision(decision_id=r["decision_id"], source=r["source"], row_key=r["row_key"],
                         verdict=r["verdict"], person_id=r["person_id"], author=r["author"],
                         author_kind=r["author_kind"], note=r["note"] or "",
                         decided_utc=_utc(r["decided_utc"]),
                         evidence=json.loads(r["evidence"] or "{}")) for r in rows]

    # --- users (the workbench hashes the passwords; the store keeps the hash) ------------------
    def add_user(self, name: str, password_hash: str) -> None:
        """Create a user, or replace the password hash of an existing one (and re-activate it)."""
        with self.engine.begin() as connection:
            updated = connection.execute(
                users.update().where(users.c.name == name)
                .values(password_hash=password_hash, active=True)).rowcount
            if not updated:
                connection.execute(users.insert().values(
                    name=name, password_hash=password_hash, active=True,
                    created_utc=datetime.now(UTC)))

    def get_user(self, name: str) -> tuple[str, str, bool] | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(users.c.name, users.c.password_hash, users.c.active)
                                     .where(users.c.name == name)).first()
        return None if row is None else (row.name, row.password_hash, bool(row.active))

    def set_user_active(self, name: str, active: bool) -> None:
        with self.engine.begin() as connection:
            connection.execute(users.update().where(users.c.name == name).values(active=active))

    # --- access log: every view of full values ----------------------------------------------
    def log_access(self, user: str, source: str | None, row_key: str | None, action: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(access_log.insert().values(
                at_utc=datetime.now(UTC), user=user, source=source, row_key=row_key,
                action=action))

    def access_log(self, limit: int = 200) -> list[tuple[datetime, str, str | None, str | None, str]]:
        """(at_utc, user, source, row_key, action), newest first."""
        query = sa.select(access_log.c.at_utc, access_log.c.user, access_log.c.source,
                          access_log.c.row_key, access_log.c.action) \
            .order_by(access_log.c.seq.desc()).limit(limit)
        with self.engine.connect() as connection:
            return [(_utc(r[0]), r[1], r[2], r[3], r[4]) for r in connection.execute(query)]


def store_url(output_dir: Path, url: str | None = None) -> str:
    """The URL given, else $DUCPHO_DB_URL, else the SQLite file OUTPUT/decisions.sqlite."""
    url = url or config.db_url()
    if url:
        return url
    return f"sqlite:///{(Path(output_dir) / SQLITE_NAME).resolve()}"


def open_store(output_dir: Path, url: str | None = None) -> DecisionStore:
    """Open (and migrate) the store of an output folder, or the database at `url` /
    $DUCPHO_DB_URL. A PostgreSQL URL may name the driver or not (psycopg 3 is used)."""
    url = store_url(output_dir, url)
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        store = DecisionStore(engine)
        store.migrate()
        for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            restrict(part)  # names and IDs of decided rows: owner-only
        return store
    store = DecisionStore(sa.create_engine(url, pool_pre_ping=True))
    store.migrate()
    return store
