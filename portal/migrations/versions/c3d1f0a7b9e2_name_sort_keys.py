"""name sort keys: people and projects listed in the order a Québec reader expects

User.name_sort (last then first name) and Project.label_sort (number then name) hold pyuca's
collation key as hex text (portal.formatting.sort_key_text), filled here for existing rows and
indexed with company_id, so paginated lists ORDER BY them in the database.

Revision ID: c3d1f0a7b9e2
Revises: b4d2e8f1a7c3
Create Date: 2026-12-03 10:10:00

"""
from alembic import op
import sqlalchemy as sa

from portal.formatting import SORT_KEY_LENGTH, sort_key_text


# revision identifiers, used by Alembic.
revision = 'c3d1f0a7b9e2'
down_revision = 'b4d2e8f1a7c3'
branch_labels = None
depends_on = None

#: Hex text compared byte by byte: the "C" collation on PostgreSQL, SQLite's own BINARY.
SORT_KEY = sa.String(length=SORT_KEY_LENGTH).with_variant(
    sa.String(length=SORT_KEY_LENGTH, collation='C'), 'postgresql'
)
#: table, key column, the columns the key is made of (in order), index name.
KEYS = (
    ('user', 'name_sort', ('last_name', 'first_name'), 'ix_user_company_id_name_sort'),
    ('project', 'label_sort', ('number', 'name'), 'ix_project_company_id_label_sort'),
)


def upgrade():
    # No batch mode: SQLite would rebuild "user", and dropping the old table with foreign
    # keys on deletes its timesheets. SQLite adds a NOT NULL column only with a default, so
    # there it keeps an empty one that nothing relies on (the models always give a key).
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table, column, parts, index in KEYS:
        op.add_column(
            table,
            sa.Column(column, SORT_KEY, nullable=not sqlite, server_default='' if sqlite else None),
        )
        _fill(table, column, parts)
        if not sqlite:
            op.alter_column(table, column, existing_type=SORT_KEY, nullable=False)
        op.create_index(index, table, ['company_id', column], unique=False)


def _fill(table_name, column, parts):
    table = sa.table(table_name, sa.column('id'), sa.column(column), *map(sa.column, parts))
    bind = op.get_bind()
    rows = [
        {'row_id': row[0], 'key': sort_key_text(' '.join(value or '' for value in row[1:]))}
        for row in bind.execute(sa.select(table.c.id, *(table.c[part] for part in parts)))
    ]
    if rows:
        bind.execute(
            table.update()
            .where(table.c.id == sa.bindparam('row_id'))
            .values({column: sa.bindparam('key')}),
            rows,
        )


def downgrade():
    for table, column, _parts, index in reversed(KEYS):
        op.drop_index(index, table_name=table)
        op.drop_column(table, column)
