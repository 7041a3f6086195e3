"""A bulk insert (COPY on PostgreSQL) writes rows exactly as ``table.insert()`` would: the
columns a row leaves out get their model's Python-side defaults."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Company, User
from portal.models.base import utcnow
from portal.models.company import name_sort_of
from portal.services.bulk_insert import insert_rows
from portal.services.text import normalise_employee_number

SCALAR_DEFAULTS = ("licence", "timesheet_permission", "active", "is_superadmin")


def _person(company_id: int, n: int) -> dict:
    return {
        "company_id": company_id,
        "email": f"p{n}@exemple.ca",
        "first_name": "Josée",
        "last_name": f"Côté {n}",
        "employee_number": f"00{n}",
    }


def test_rows_get_the_defaults_an_insert_gives(app):
    company = Company(name="C")
    db.session.add(company)
    db.session.flush()
    db.session.execute(User.__table__.insert(), [_person(company.id, 1)])
    before = utcnow()
    insert_rows(User.__table__, [_person(company.id, 2), _person(company.id, 3)])
    after = utcnow()
    inserted, *bulk = db.session.scalars(sa.select(User).order_by(User.email)).all()
    for user in bulk:
        assert user.name_sort == name_sort_of(user.first_name, user.last_name)
        assert user.match_key == normalise_employee_number(user.employee_number)
        for name in SCALAR_DEFAULTS:
            assert getattr(user, name) == getattr(inserted, name), name
        assert before <= user.created_at <= user.updated_at <= after
    # The clock is read once for the statement, as SQL's now() would; a key is each row's own.
    assert len({user.created_at for user in bulk}) == 1
    assert len({user.login_token for user in (inserted, *bulk)}) == 3


def test_a_default_only_sql_computes_is_given_or_refused(app):
    """Rows are bound before they are sent (COPY, or SQLite's executemany): a default only
    SQL computes is refused, naming the column, on both databases."""
    table = sa.Table(
        "bulk_insert_probe",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, default=sa.func.now()),
    )
    table.create(db.session.connection(), checkfirst=True)
    try:
        with pytest.raises(ValueError, match=r"bulk_insert_probe\.at"):
            insert_rows(table, [{"id": 1}])
        insert_rows(table, [{"id": 1, "at": dt.datetime(2026, 12, 3, 8, 0)}])
        assert db.session.execute(sa.select(table.c.at)).scalar_one() == dt.datetime(
            2026, 12, 3, 8, 0
        )
    finally:
        db.session.rollback()
        table.drop(db.engine, checkfirst=True)
