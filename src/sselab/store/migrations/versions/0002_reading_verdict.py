"""Each measurement keeps how it was read: ``reading_status`` and ``reading_reasons``.

The reading verdict of a file (:attr:`sselab.measurements.Measurement.verdict`: rows dropped,
declared counts not met ...) is stored beside the measurement, so a result computed from a
file that was only partly read says so from the store alone.  Existing rows get ``NULL``
(not known: they were stored before readings were recorded).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("measurements") as batch:
        batch.add_column(sa.Column("reading_status", sa.String(10), nullable=True))
        batch.add_column(sa.Column("reading_reasons", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("measurements") as batch:
        batch.drop_column("reading_reasons")
        batch.drop_column("reading_status")
