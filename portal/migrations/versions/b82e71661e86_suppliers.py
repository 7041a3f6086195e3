"""suppliers: the company's fournisseurs, kept from Avantage by the Fournisseurs sync

Purchase orders need no table: they are Avantage's records, in remote_record.

Revision ID: b82e71661e86
Revises: f2c8a6d4b1e7
Create Date: 2026-12-03 18:35:57

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b82e71661e86"
down_revision = "f2c8a6d4b1e7"
branch_labels = None
depends_on = None

#: Hex sort keys compare byte by byte: the "C" collation on PostgreSQL.
SORT_KEY = sa.String(length=1024).with_variant(sa.String(length=1024, collation="C"), "postgresql")


def upgrade():
    op.create_table(
        "supplier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("name_sort", SORT_KEY, nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("match_key", sa.String(length=60), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_supplier_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_supplier_company_id_code")),
    )
    op.create_index(op.f("ix_supplier_company_id"), "supplier", ["company_id"], unique=False)
    op.create_index(
        "ix_supplier_company_id_match_key", "supplier", ["company_id", "match_key"], unique=False
    )
    op.create_index(
        "ix_supplier_company_id_name_sort", "supplier", ["company_id", "name_sort"], unique=False
    )


def downgrade():
    op.drop_index("ix_supplier_company_id_name_sort", table_name="supplier")
    op.drop_index("ix_supplier_company_id_match_key", table_name="supplier")
    op.drop_index(op.f("ix_supplier_company_id"), table_name="supplier")
    op.drop_table("supplier")
