"""Alembic migrations of the results database (run by :func:`sselab.store.open`)."""
