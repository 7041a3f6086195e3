"""A page's worth of values (hundreds) in a WHERE clause."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from portal.models import db


def among(expression: sa.ColumnElement[Any], values: Collection[Any]) -> sa.ColumnElement[bool]:
    """``expression IN values``. On PostgreSQL, ``= ANY`` of one array parameter: an IN of
    500 values cost SQLAlchemy and the driver some 10 ms per statement to render and convert
    its 500 placeholders, about a tenth of an Employés sync's time."""
    if db.session.get_bind().dialect.name != "postgresql":
        return expression.in_(values)
    array = sa.bindparam(None, list(values), type_=postgresql.ARRAY(expression.type))
    return expression == sa.any_(array)
