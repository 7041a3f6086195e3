"""Employees the sync creates (one bulk insert per page) sort like those made in the portal."""

from __future__ import annotations

from portal.extensions import db
from portal.formatting import sorted_by_name
from portal.models import RunStatus, SyncSection, User
from portal.models.company import name_sort_of
from portal.services import users


def test_created_employees_get_their_sort_key_and_list_in_reading_order(
    connect, sync_now, make_simulator, superadmin
):
    run = sync_now(connect(make_simulator(employees=80)), SyncSection.EMPLOYEES)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.created > 50
    people = db.session.scalars(db.select(User).where(User.company_id == superadmin.company_id))
    keys = {(user.first_name, user.last_name, user.name_sort) for user in people}
    assert all(key == name_sort_of(first, last) for first, last, key in keys)
    listed = users.list_users(superadmin.company_id, active=None, per_page=200).items
    expected = sorted_by_name(listed, lambda user: f"{user.last_name} {user.first_name}")
    assert [user.id for user in listed] == [user.id for user in expected]
    assert any(not user.last_name.isascii() for user in listed)  # accents were there to sort
