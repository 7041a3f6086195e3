"""sync run notes: a run's details in their own table, all of them (bounded), not 500 in JSON

Revision ID: b4d2e8f1a7c3
Revises: 7f3a9c2d1e64
Create Date: 2026-12-03 10:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4d2e8f1a7c3'
down_revision = '7f3a9c2d1e64'
branch_labels = None
depends_on = None

#: What the JSON column kept before (the downgrade puts back as many).
OLD_MAX_NOTES = 500

sync_run = sa.table(
    'sync_run',
    sa.column('id', sa.Integer),
    sa.column('company_id', sa.Integer),
    sa.column('notes', sa.JSON),
    sa.column('notes_total', sa.Integer),
)
sync_run_note = sa.table(
    'sync_run_note',
    sa.column('company_id', sa.Integer),
    sa.column('run_id', sa.Integer),
    sa.column('position', sa.Integer),
    sa.column('action', sa.String),
    sa.column('key', sa.String),
    sa.column('label', sa.Text),
)


def upgrade():
    # The notes are read before any DDL: on SQLite, batch mode rebuilds sync_run, and
    # dropping the old table with foreign keys on would delete notes already copied.
    connection = op.get_bind()
    rows = [
        {
            'company_id': company_id,
            'run_id': run_id,
            'position': position,
            'action': note.get('action', ''),
            'key': note.get('key', ''),
            'label': note.get('label', ''),
        }
        for run_id, company_id, notes in connection.execute(
            sa.select(sync_run.c.id, sync_run.c.company_id, sync_run.c.notes)
        ).all()
        for position, note in enumerate(notes or [])
    ]
    op.create_table(
        'sync_run_note',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('label', sa.Text(), nullable=False),
        sa.Column('company_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_sync_run_note_company_id_company'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['run_id'], ['sync_run.id'], name=op.f('fk_sync_run_note_run_id_sync_run'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_run_note')),
        sa.UniqueConstraint('run_id', 'position', name=op.f('uq_sync_run_note_run_id_position')),
    )
    with op.batch_alter_table('sync_run_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_run_note_company_id'), ['company_id'], unique=False)
    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes_total', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_column('notes')
    if rows:
        connection.execute(sync_run_note.insert(), rows)
        totals: dict[int, int] = {}
        for row in rows:
            totals[row['run_id']] = totals.get(row['run_id'], 0) + 1
        for run_id, total in totals.items():
            connection.execute(
                sa.update(sync_run).where(sync_run.c.id == run_id).values(notes_total=total)
            )


def downgrade():
    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes', sa.JSON(), nullable=True))
    connection = op.get_bind()
    kept: dict[int, list] = {}
    for run_id, action, key, label in connection.execute(
        sa.select(
            sync_run_note.c.run_id, sync_run_note.c.action, sync_run_note.c.key, sync_run_note.c.label
        ).order_by(sync_run_note.c.run_id, sync_run_note.c.position)
    ):
        notes = kept.setdefault(run_id, [])
        if len(notes) < OLD_MAX_NOTES:
            notes.append({'action': action, 'key': key, 'label': label})
    connection.execute(sa.update(sync_run).values(notes=[]))
    for run_id, notes in kept.items():
        connection.execute(sa.update(sync_run).where(sync_run.c.id == run_id).values(notes=notes))
    with op.batch_alter_table('sync_run', schema=None) as batch_op:
        batch_op.alter_column('notes', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('notes_total')
    with op.batch_alter_table('sync_run_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_run_note_company_id'))
    op.drop_table('sync_run_note')
