"""Corrections after payroll: revisions of unfrozen sheets, reversal lines, the server's features

Revision ID: 497f7c503b09
Revises: 14adff9ac08c
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '497f7c503b09'
down_revision = '14adff9ac08c'
branch_labels = None
depends_on = None

#: SQLite's copy-and-move would otherwise reflect the user table (through the foreign keys),
#: whose lower(email) index it cannot read.
NO_FK_REFLECTION = {'resolve_fks': False}


def upgrade():
    op.create_table('timesheet_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('timesheet_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('unfrozen_by_id', sa.Integer(), nullable=True),
    sa.Column('unfrozen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaces_batch_id', sa.Integer(), nullable=False),
    sa.Column('reconciliation_id', sa.Integer(), nullable=True),
    sa.Column('original', sa.JSON(), nullable=False),
    sa.Column('sent_batch_id', sa.Integer(), nullable=True),
    sa.Column('corrected_outside_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('corrected_outside_by_id', sa.Integer(), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_timesheet_revision_company_id_company'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['corrected_outside_by_id'], ['user.id'], name=op.f('fk_timesheet_revision_corrected_outside_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reconciliation_id'], ['reconciliation.id'], name=op.f('fk_timesheet_revision_reconciliation_id_reconciliation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replaces_batch_id'], ['export_batch.id'], name=op.f('fk_timesheet_revision_replaces_batch_id_export_batch')),
    sa.ForeignKeyConstraint(['sent_batch_id'], ['export_batch.id'], name=op.f('fk_timesheet_revision_sent_batch_id_export_batch'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['timesheet_id'], ['timesheet.id'], name=op.f('fk_timesheet_revision_timesheet_id_timesheet'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unfrozen_by_id'], ['user.id'], name=op.f('fk_timesheet_revision_unfrozen_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timesheet_revision')),
    sa.UniqueConstraint('timesheet_id', 'number', name=op.f('uq_timesheet_revision_timesheet_id_number'))
    )
    op.create_index(op.f('ix_timesheet_revision_company_id'), 'timesheet_revision', ['company_id'], unique=False)
    op.create_index(op.f('ix_timesheet_revision_timesheet_id'), 'timesheet_revision', ['timesheet_id'], unique=False)

    with op.batch_alter_table('export_line', reflect_kwargs=NO_FK_REFLECTION) as batch_op:
        batch_op.add_column(sa.Column('reverses_line_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_export_line_reverses_line_id'), ['reverses_line_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_export_line_reverses_line_id_export_line'), 'export_line', ['reverses_line_id'], ['id'], ondelete='SET NULL')

    op.add_column('integration', sa.Column('server_features', sa.String(length=200), nullable=True))
    op.add_column('timesheet', sa.Column('revision', sa.Integer(), server_default='0', nullable=False))
    op.add_column('timesheet', sa.Column('in_correction', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(op.f('ix_timesheet_in_correction'), 'timesheet', ['in_correction'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_timesheet_in_correction'), table_name='timesheet')
    op.drop_column('timesheet', 'in_correction')
    op.drop_column('timesheet', 'revision')
    op.drop_column('integration', 'server_features')
    with op.batch_alter_table('export_line', reflect_kwargs=NO_FK_REFLECTION) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_export_line_reverses_line_id_export_line'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_export_line_reverses_line_id'))
        batch_op.drop_column('reverses_line_id')
    op.drop_index(op.f('ix_timesheet_revision_timesheet_id'), table_name='timesheet_revision')
    op.drop_index(op.f('ix_timesheet_revision_company_id'), table_name='timesheet_revision')
    op.drop_table('timesheet_revision')
