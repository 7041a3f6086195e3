"""notifications: what a person is told of failed scheduled runs, paused schedules and
rejected batches; whether they want it by e-mail; which runs and batches were told of

Revision ID: f12f7ee30ddf
Revises: a949fc7ffcc3
Create Date: 2026-12-03 19:16:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f12f7ee30ddf"
down_revision = "a949fc7ffcc3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("message_fr", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_notification_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_notification_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index(op.f("ix_notification_company_id"), "notification", ["company_id"])
    op.create_index("ix_notification_user_unread", "notification", ["user_id", "read_at"])
    # Plain ADD COLUMNs (no batch mode, which would rebuild these tables on SQLite).
    op.add_column("export_batch", sa.Column("notified_at", sa.DateTime(timezone=True)))
    op.add_column("sync_run", sa.Column("notified_at", sa.DateTime(timezone=True)))
    op.add_column(
        "user",
        sa.Column("notify_by_email", sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def downgrade():
    op.drop_column("user", "notify_by_email")
    op.drop_column("sync_run", "notified_at")
    op.drop_column("export_batch", "notified_at")
    op.drop_index("ix_notification_user_unread", table_name="notification")
    op.drop_index(op.f("ix_notification_company_id"), table_name="notification")
    op.drop_table("notification")
