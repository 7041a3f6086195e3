"""user e-mail lower index: the lookups by lower(email) read only the matching rows

Sign-in, the user form and each page of the Employés sync look people up by lower(email);
without this index every one of them read the whole user table.

Revision ID: d7e4a2c9f1b3
Revises: c3d1f0a7b9e2
Create Date: 2026-12-03 11:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7e4a2c9f1b3"
down_revision = "c3d1f0a7b9e2"
branch_labels = None
depends_on = None


def upgrade():
    # A plain CREATE INDEX, no batch mode: SQLite would rebuild "user", and dropping the old
    # table with foreign keys on deletes its timesheets.
    op.create_index("ix_user_email_lower", "user", [sa.text("lower(email)")], unique=False)


def downgrade():
    op.drop_index("ix_user_email_lower", table_name="user")
