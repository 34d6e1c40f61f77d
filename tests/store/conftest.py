"""Fixtures for the store tests: a fresh database per test, on SQLite and on PostgreSQL.

PostgreSQL runs need SSELAB_TEST_POSTGRES_URL (scripts/services sets it); each test gets its
own database, created from that server and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _admin_conninfo(url: str) -> tuple[str, object]:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False), u


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path: Path):
    """URL of a new, empty results database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'results.sqlite'}"
        return
    base = os.environ.get("SSELAB_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("SSELAB_TEST_POSTGRES_URL is not set (scripts/services starts a server)")
    import psycopg

    conninfo, parsed = _admin_conninfo(base)
    name = f"sselab_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db(db_url):
    """An opened (migrated) store on each backend."""
    from sselab import store

    with store.open(db_url) as opened:
        yield opened
