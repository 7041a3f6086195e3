"""sync schedules: when each section runs on its own, the runs a schedule started, and the
company's time zone the daily times are read in

Revision ID: a949fc7ffcc3
Revises: b82e71661e86
Create Date: 2026-12-03 19:04:27

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a949fc7ffcc3"
down_revision = "b82e71661e86"
branch_labels = None
depends_on = None

SECTIONS = (
    "projects",
    "employees",
    "trades",
    "hour_types",
    "earnings",
    "activities",
    "budget",
    "suppliers",
    "purchase_orders",
)


def upgrade():
    op.create_table(
        "sync_schedule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column(
            "section",
            sa.Enum(*SECTIONS, name="syncsection", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("lock_key", sa.String(length=80), nullable=False),
        sa.Column(
            "mode",
            sa.Enum("manual", "hourly", "daily", name="schedulemode", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("daily_at", sa.String(length=5), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_run_id", sa.Integer(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_sync_schedule_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integration.id"],
            name=op.f("fk_sync_schedule_integration_id_integration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_sync_schedule_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_schedule")),
        sa.UniqueConstraint("lock_key", name=op.f("uq_sync_schedule_lock_key")),
    )
    op.create_index(
        op.f("ix_sync_schedule_company_id"), "sync_schedule", ["company_id"], unique=False
    )
    op.create_index("ix_sync_schedule_due", "sync_schedule", ["next_run_at"], unique=False)
    # Plain ADD COLUMNs, no batch mode: on SQLite a rebuilt company or sync_run table would
    # take its dependent rows with it when the old one is dropped.
    op.add_column(
        "company",
        sa.Column(
            "time_zone", sa.String(length=64), server_default="America/Toronto", nullable=False
        ),
    )
    op.add_column("sync_run", sa.Column("schedule_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_sync_run_schedule_id"), "sync_run", ["schedule_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_sync_run_schedule_id"), table_name="sync_run")
    op.drop_column("sync_run", "schedule_id")
    op.drop_column("company", "time_zone")
    op.drop_index("ix_sync_schedule_due", table_name="sync_schedule")
    op.drop_index(op.f("ix_sync_schedule_company_id"), table_name="sync_schedule")
    op.drop_table("sync_schedule")
