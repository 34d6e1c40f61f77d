"""Alembic environment: always driven programmatically by :func:`sselab.store.connect.upgrade`.

The caller passes an open connection (already inside the transaction that holds the
migration lock) in ``config.attributes["connection"]``; nothing here reads an ini file.
"""

from __future__ import annotations

from alembic import context

from sselab.store.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable from the alembic command line
    raise RuntimeError("sselab migrations run through sselab.store.open(url), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
