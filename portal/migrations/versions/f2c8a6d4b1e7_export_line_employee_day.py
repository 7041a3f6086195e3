"""export line employee and day: the hours already sent for a day, found through an index

The preflight's daily limit adds the hours already committed in Avantage for each employee
and day of the lines about to be sent. It read every payload ever exported; each line now
keeps its payload's employee and date in columns of their own, indexed together, filled here
for the lines already there.

Revision ID: f2c8a6d4b1e7
Revises: e5b7c3d9a2f4
Create Date: 2026-12-03 13:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2c8a6d4b1e7"
down_revision = "e5b7c3d9a2f4"
branch_labels = None
depends_on = None

#: Lines read and updated per round of the backfill.
CHUNK = 5_000


def upgrade():
    op.add_column("export_line", sa.Column("employee", sa.String(length=120), nullable=True))
    op.add_column("export_line", sa.Column("work_date", sa.String(length=10), nullable=True))
    lines = sa.table(
        "export_line",
        sa.column("id"),
        sa.column("payload", sa.JSON),
        sa.column("employee"),
        sa.column("work_date"),
    )
    bind = op.get_bind()
    last = 0
    while True:
        chunk = bind.execute(
            sa.select(lines.c.id, lines.c.payload)
            .where(lines.c.id > last)
            .order_by(lines.c.id)
            .limit(CHUNK)
        ).all()
        if not chunk:
            break
        bind.execute(
            lines.update()
            .where(lines.c.id == sa.bindparam("line_id"))
            .values(employee=sa.bindparam("new_employee"), work_date=sa.bindparam("new_day")),
            [
                {
                    "line_id": line_id,
                    "new_employee": (payload or {}).get("employee"),
                    "new_day": (payload or {}).get("date"),
                }
                for line_id, payload in chunk
            ],
        )
        last = chunk[-1][0]
    op.create_index("ix_export_line_employee_work_date", "export_line", ["employee", "work_date"])


def downgrade():
    op.drop_index("ix_export_line_employee_work_date", table_name="export_line")
    op.drop_column("export_line", "work_date")
    op.drop_column("export_line", "employee")
