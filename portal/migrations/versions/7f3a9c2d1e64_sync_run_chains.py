"""sync run chains: the runs of one Tout synchroniser click share a chain id

Revision ID: 7f3a9c2d1e64
Revises: 5c1d0e7a4b21
Create Date: 2026-12-04 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7f3a9c2d1e64'
down_revision = '5c1d0e7a4b21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_sync_run_chain_id'), ['chain_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_run_chain_id'))
        batch_op.drop_column('chain_id')
