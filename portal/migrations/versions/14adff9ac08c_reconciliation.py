"""reconciliation: what Avantage holds of a committed batch against what the portal sent,
and each difference (changed, deleted or added in Avantage)

Revision ID: 14adff9ac08c
Revises: f12f7ee30ddf
Create Date: 2026-12-03 20:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "14adff9ac08c"
down_revision = "f12f7ee30ddf"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reconciliation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="reconciliationstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("identical", sa.Integer(), nullable=False),
        sa.Column("modified", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=80), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["export_batch.id"],
            name=op.f("fk_reconciliation_batch_id_export_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_reconciliation_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user.id"],
            name=op.f("fk_reconciliation_requested_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation")),
    )
    with op.batch_alter_table("reconciliation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reconciliation_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reconciliation_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            "uq_reconciliation_active",
            ["batch_id"],
            unique=True,
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )

    op.create_table(
        "reconciliation_difference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reconciliation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "modified", "deleted", "added", name="differencekind", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("line_no", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("timesheet_id", sa.Integer(), nullable=True),
        sa.Column("employee", sa.String(length=120), nullable=False),
        sa.Column("work_date", sa.String(length=10), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_reconciliation_difference_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reconciliation_id"],
            ["reconciliation.id"],
            name=op.f("fk_reconciliation_difference_reconciliation_id_reconciliation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["timesheet_id"],
            ["timesheet.id"],
            name=op.f("fk_reconciliation_difference_timesheet_id_timesheet"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_difference")),
    )
    with op.batch_alter_table("reconciliation_difference", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reconciliation_difference_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reconciliation_difference_reconciliation_id"),
            ["reconciliation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_reconciliation_difference_timesheet_id"), ["timesheet_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("reconciliation_difference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reconciliation_difference_timesheet_id"))
        batch_op.drop_index(batch_op.f("ix_reconciliation_difference_reconciliation_id"))
        batch_op.drop_index(batch_op.f("ix_reconciliation_difference_company_id"))

    op.drop_table("reconciliation_difference")
    with op.batch_alter_table("reconciliation", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_reconciliation_active",
            sqlite_where=sa.text("active"),
            postgresql_where=sa.text("active"),
        )
        batch_op.drop_index(batch_op.f("ix_reconciliation_company_id"))
        batch_op.drop_index(batch_op.f("ix_reconciliation_batch_id"))

    op.drop_table("reconciliation")
