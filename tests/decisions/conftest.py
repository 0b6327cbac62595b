"""The decision store under test, on SQLite and on a real PostgreSQL server started here."""

from __future__ import annotations

import pytest

from tests.decisions.postgres import start_server


@pytest.fixture(scope="session")
def postgres_server():
    server = start_server()
    if isinstance(server, str):
        pytest.skip(f"PostgreSQL store tests skipped: {server}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A URL of an empty store: SQLite under tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'out' / 'decisions.sqlite'}"
    return request.getfixturevalue("postgres_server").create_database()
