"""Engines for the results database: URL resolution, SQLite settings, write transactions, migrations.

SQLite (the default) is a single file opened in WAL mode (``synchronous=NORMAL``) with a busy
timeout, and every write transaction starts with ``BEGIN IMMEDIATE``, so two processes writing
at once queue up instead of failing or corrupting the file.  PostgreSQL is used by URL
(``postgresql+psycopg://user@host/db``).  :func:`upgrade` brings the schema to the newest
Alembic revision under a lock, so two processes opening a new database at once are safe too.
JSON columns are written by :func:`sselab.store.jsonio.dumps` (numpy → plain, NaN → null) and
read by :func:`~sselab.store.jsonio.loads`.

Example
-------
>>> resolve_url("results.sqlite")  # doctest: +ELLIPSIS
'sqlite:///.../results.sqlite'
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ..exceptions import StoreError
from .jsonio import dumps, loads

#: Seconds a writer waits for another process's lock before giving up (SQLite).
BUSY_TIMEOUT_S = 60.0
#: Key of the PostgreSQL advisory lock that serialises migrations.
_PG_MIGRATION_LOCK = 0x5E1AB
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def resolve_url(target: str | Path) -> str:
    """Return an SQLAlchemy URL for a URL, or for a path to an SQLite file.

    ``postgres://`` and ``postgresql://`` are mapped to the psycopg 3 driver, the one sselab
    installs.
    """
    text_ = str(target)
    if "://" not in text_:
        return "sqlite:///" + str(Path(text_).expanduser().resolve())
    if text_.startswith("postgres://"):
        text_ = "postgresql://" + text_[len("postgres://"):]
    if text_.startswith("postgresql://"):
        text_ = "postgresql+psycopg://" + text_[len("postgresql://"):]
    return text_


def _switch_to_wal(cursor) -> None:  # type: ignore[no-untyped-def]
    """Put the SQLite file in WAL mode (a no-op when it is already).

    The switch needs the file to itself and SQLite answers "database is locked" at once, without
    its busy handler, while another connection holds it (two processes opening a new file at the
    same moment), or leaves the mode as it was: it is tried again every 20 ms until
    :data:`BUSY_TIMEOUT_S` has passed."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            if str(cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower() == "wal":
                return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError("database is locked: could not switch it to WAL mode")
        time.sleep(0.02)


def _sqlite_listeners(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _switch_to_wal(cursor)
        # With WAL, NORMAL syncs at checkpoints rather than at every commit: a killed process
        # loses nothing it committed, and a power cut can lose only the last commits, never
        # consistency (https://www.sqlite.org/pragma.html#pragma_synchronous).
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("sselab_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with sselab's connection settings.

    Raises
    ------
    StoreError
        When the URL is malformed, names an unknown driver, or an SQLite file's folder is
        missing.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"cannot read database URL {url!r}: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise StoreError("the results database must be a file or a server URL, not in-memory SQLite")
        folder = Path(parsed.database).parent
        if not folder.is_dir():
            raise StoreError(f"cannot create database {parsed.database}: folder {folder} does not exist")
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S}, json_serializer=dumps,
                               json_deserializer=loads)
        _sqlite_listeners(engine)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True, json_serializer=dumps, json_deserializer=loads)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"no database driver for {parsed.drivername!r} (use sqlite or postgresql+psycopg)") from exc


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection inside one write transaction: committed on success, rolled back on error.

    On SQLite the transaction takes the write lock at ``BEGIN`` (``BEGIN IMMEDIATE``), so a
    read-then-write inside it never fails with "database is locked" half-way.
    """
    with engine.connect() as conn:
        conn = conn.execution_options(sselab_write=True)
        with conn.begin():
            yield conn


def _alembic_config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    """The newest schema revision shipped with this sselab."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise StoreError("sselab ships no database migrations")
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (``None`` for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision, in one transaction, under a lock."""
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        if MigrationContext.configure(conn).get_current_revision() == head_revision():
            return
        command.upgrade(_alembic_config(conn), "head")
