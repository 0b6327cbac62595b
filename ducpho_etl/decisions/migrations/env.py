"""Alembic environment: always run on the connection the store passes in (no ini file, no URL
here), so the same migrations run on SQLite and PostgreSQL from open_store()."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
