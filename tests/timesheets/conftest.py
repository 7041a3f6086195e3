"""Fixtures of the timesheet tests: the work data, one user per role, a draft sheet."""

from __future__ import annotations

import pytest

from portal.models import Timesheet, TimesheetStatus, User


@pytest.fixture
def work(company, make_work_data) -> dict:
    return make_work_data(company)


@pytest.fixture
def people(make_user, work) -> dict[str, User]:
    """One user per role; ``owner`` and ``coworker`` are employees with Limitée."""
    return {
        "owner": make_user(
            "employee", first_name="Émile", last_name="Gagnon", default_trade_id=work["trade"].id
        ),
        "coworker": make_user("employee", first_name="Rose", last_name="Côté"),
        "manager": make_user("manager", first_name="Marc", last_name="Pelletier"),
        "validator": make_user("validator", first_name="Valérie", last_name="Roy"),
        "ts_admin": make_user("ts_admin", first_name="Alain", last_name="Bouchard"),
        "superadmin": make_user("superadmin", first_name="Sophie", last_name="Lavoie"),
    }


@pytest.fixture
def owner(people) -> User:
    return people["owner"]


@pytest.fixture
def draft(make_timesheet, owner, work) -> Timesheet:
    """The owner's sheet of ``WEEK``, a draft with one 8-hour line on Monday."""
    return make_timesheet(owner, work, status=TimesheetStatus.DRAFT)
