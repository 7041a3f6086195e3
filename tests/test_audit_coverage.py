"""Every state-changing route writes an audit entry, or says here why it does not.

Each POST case of the authorization table (tests/authz_table.py) is sent once by a
Superadmin. When the request changed any row (a refusal with its message changes none), the
audit log must have grown. A route whose change is not one of the integration, the payroll
or the rights is listed in NOT_AUDITED with the reason.
"""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import AuditEvent
from tests.authz_table import CASES, World, snapshot
from tests.test_authorization import PERMITTED

#: Endpoint → why it writes no audit entry.
NOT_AUDITED = {
    "auth.login": "sign-in attempts have their own table (LoginAttempt), for the rate limit",
    "auth.logout": "ends the person's own session",
    "auth.set_language": "the person's own display language",
    "auth.forgot_password": "asks for an e-mail; the reset itself is audited",
    "notifications.mark_read": "the person's own notifications",
    "notifications.email_preference": "the person's own e-mail preference",
    "timesheets.line_create": "the sheet's own history: lines of a sheet still in the works",
    "timesheets.line_update": "the sheet's own history: lines of a sheet still in the works",
    "timesheets.line_delete": "the sheet's own history: lines of a sheet still in the works",
    "timesheets.submit": "the sheet records who submitted it and when (submitted_at)",
    "timesheets.validate": "the sheet records who reviewed it and when (reviewed_by, reviewed_at)",
    "timesheets.reject": "the sheet records who reviewed it and when (reviewed_by, reviewed_at)",
    "timesheets.export_preview": "reads only: the preflight changes nothing",
}

POSTS = [case for case in CASES if case.method == "POST" and case.endpoint not in NOT_AUDITED]


@pytest.mark.parametrize("case", POSTS, ids=lambda case: case.id)
def test_a_state_changing_route_writes_an_audit_entry(request, client, auth, company, case):
    for name in case.fixtures:
        request.getfixturevalue(name)
    world = World(company, "superadmin", request)
    auth.login(world.actor)
    url, data = case.build(world)
    before = _changeable_rows()
    audited = _audit_count()

    response = client.open(url, method=case.method, data=data, headers=case.headers)

    assert response.status_code in PERMITTED, response.text[:300]
    if _changeable_rows() != before:
        assert _audit_count() > audited, f"{case.endpoint} changed rows without an audit entry"


#: Tables whose rows are the audit itself, or bookkeeping no person acts on.
NOT_STATE = {"audit_event", "login_attempt"}


def _changeable_rows() -> dict[str, list]:
    return {name: rows for name, rows in snapshot().items() if name not in NOT_STATE}


def _audit_count() -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count(AuditEvent.id)))


def test_every_exemption_names_a_real_post_route():
    posts = {case.endpoint for case in CASES if case.method == "POST"}
    assert set(NOT_AUDITED) <= posts
