"""decisions (append-only), users, access_log

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

VERDICTS = "('match', 'not_in_registry', 'new_resident', 'duplicate')"
AUTHOR_KINDS = "('officer', 'agency')"


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
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
        sa.CheckConstraint(f"verdict IN {VERDICTS}", name="ck_decisions_verdict"),
        sa.CheckConstraint(f"author_kind IN {AUTHOR_KINDS}", name="ck_decisions_author_kind"),
    )
    op.create_index("ix_decisions_source_row", "decisions", ["source", "row_key", "seq"])
    op.create_table(
        "users",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_utc", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "access_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at_utc", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=True),
        sa.Column("row_key", sa.String(64), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
    )
    op.create_index("ix_access_log_at", "access_log", ["at_utc"])


def downgrade() -> None:
    op.drop_index("ix_access_log_at", "access_log")
    op.drop_table("access_log")
    op.drop_table("users")
    op.drop_index("ix_decisions_source_row", "decisions")
    op.drop_table("decisions")
