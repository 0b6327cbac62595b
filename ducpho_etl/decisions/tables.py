"""The decision store's tables (SQLAlchemy Core). The migrations in migrations/versions create
and change them; this module is what the code reads and writes through."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

decisions = sa.Table(
    "decisions", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),  # order of recording
    sa.Column("decision_id", sa.String(32), nullable=False, unique=True),
    sa.Column("source", sa.String(64), nullable=False),
    sa.Column("row_key", sa.String(64), nullable=False),
    sa.Column("verdict", sa.String(20), nullable=False),
    sa.Column("person_id", sa.String(12), nullable=True),
    sa.Column("author", sa.String(128), nullable=False),
    sa.Column("author_kind", sa.String(10), nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("decided_utc", sa.DateTime(timezone=True), nullable=False),
    sa.Column("evidence", sa.Text, nullable=False, server_default="{}"),
)

users = sa.Table(
    "users", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_utc", sa.DateTime(timezone=True), nullable=False),
)

access_log = sa.Table(
    "access_log", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at_utc", sa.DateTime(timezone=True), nullable=False),
    sa.Column("user", sa.String(64), nullable=False),
    sa.Column("source", sa.String(64), nullable=True),
    sa.Column("row_key", sa.String(64), nullable=True),
    sa.Column("action", sa.String(64), nullable=False),
)
