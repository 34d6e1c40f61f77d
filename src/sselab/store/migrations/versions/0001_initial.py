"""Initial schema: samples, measurements, analyses, analysis_measurements, result_values, figures.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("treatment", sa.String(200), nullable=True),
        sa.Column("thickness_m", sa.Float(), nullable=True),
        sa.Column("area_m2", sa.Float(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_samples"),
        sa.UniqueConstraint("study", "name", name="uq_samples_study_name"),
    )
    op.create_table(
        "measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("technique", sa.String(40), nullable=False),
        sa.Column("cell_stack", sa.String(200), nullable=True),
        sa.Column("temperature_K", sa.Float(), nullable=True),
        sa.Column("voltage_V", sa.Float(), nullable=True),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("reader", sa.String(100), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name="fk_measurements_sample_id_samples", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_measurements"),
        sa.UniqueConstraint("sample_id", "path", "item", "input_hash", name="uq_measurements_identity"),
    )
    op.create_index("ix_measurements_sample_id", "measurements", ["sample_id"])
    op.create_index("ix_measurements_input_hash", "measurements", ["input_hash"])
    op.create_table(
        "analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(300), nullable=True),
        sa.Column("sample_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(100), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("settings_hash", sa.String(64), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("sselab_version", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("accepted_by", sa.String(200), nullable=True),
        sa.Column("accepted_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["samples.id"], name="fk_analyses_sample_id_samples", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_analyses"),
        sa.UniqueConstraint(
            "input_hash", "method", "settings_hash", "sselab_version", name="uq_analyses_task_key"
        ),
    )
    op.create_index("ix_analyses_sample_method", "analyses", ["sample_id", "method"])
    op.create_table(
        "analysis_measurements",
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("measurement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analyses.id"],
            name="fk_analysis_measurements_analysis_id_analyses", ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["measurement_id"], ["measurements.id"],
            name="fk_analysis_measurements_measurement_id_measurements", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("analysis_id", "measurement_id", name="pk_analysis_measurements"),
    )
    op.create_index(
        "ix_analysis_measurements_measurement_id", "analysis_measurements", ["measurement_id"]
    )
    op.create_table(
        "result_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("stderr", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(40), nullable=True),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analyses.id"],
            name="fk_result_values_analysis_id_analyses", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_result_values"),
        sa.UniqueConstraint("analysis_id", "name", name="uq_result_values_name"),
    )
    op.create_index("ix_result_values_analysis_id", "result_values", ["analysis_id"])
    op.create_index("ix_result_values_name", "result_values", ["name"])
    op.create_table(
        "figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analyses.id"], name="fk_figures_analysis_id_analyses", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_figures"),
    )
    op.create_index("ix_figures_analysis_id", "figures", ["analysis_id"])


def downgrade() -> None:
    for index, table in [
        ("ix_figures_analysis_id", "figures"),
        ("ix_result_values_name", "result_values"),
        ("ix_result_values_analysis_id", "result_values"),
        ("ix_analysis_measurements_measurement_id", "analysis_measurements"),
        ("ix_analyses_sample_method", "analyses"),
        ("ix_measurements_input_hash", "measurements"),
        ("ix_measurements_sample_id", "measurements"),
    ]:
        op.drop_index(index, table_name=table)
    for table in ["figures", "result_values", "analysis_measurements", "analyses", "measurements", "samples"]:
        op.drop_table(table)
