"""run and batch leases: who executes a sync run or an export batch, until when, next retry

Revision ID: 5c1d0e7a4b21
Revises: 182e52f49594
Create Date: 2026-12-03 07:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1d0e7a4b21'
down_revision = '182e52f49594'
branch_labels = None
depends_on = None

TABLES = ('sync_run', 'export_batch')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('lease_owner', sa.String(length=80), nullable=True))
            batch_op.add_column(sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('due_at')
            batch_op.drop_column('lease_expires_at')
            batch_op.drop_column('lease_owner')
