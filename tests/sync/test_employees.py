"""Employés against the simulator: matching on the number, its quirks, creation, preview."""

from __future__ import annotations

import gc

import pytest

from portal.extensions import db
from portal.models import (
    PLACEHOLDER_EMAIL_DOMAIN,
    LinkMethod,
    RecordLink,
    RemoteRecord,
    RunStatus,
    SyncSection,
    Trade,
    User,
)
from portal.services import collector, run_notes
from portal.services.sync.employees import EmployeeSync

EMPLOYEES = SyncSection.EMPLOYEES


def _link(number: str) -> RecordLink:
    return db.session.scalar(db.select(RecordLink).where(RecordLink.remote_key == number))


@pytest.fixture
def portal_crew(superadmin, make_user):
    """Portal employees keyed the office's way: 1017 (Avantage "01017"), 1023 (" 1023")."""
    return {
        number: make_user("employee", employee_number=number)
        for number in ("1001", "1017", "1023", "7777")
    }


def test_employees_are_linked_on_number_and_created_when_missing(
    connect, sync_now, make_simulator, portal_crew
):
    simulator = make_simulator(employees=60)
    db.session.add(
        Trade(company_id=portal_crew["1001"].company_id, code="CHARP", name="Charpentier-menuisier")
    )
    db.session.commit()
    run = sync_now(connect(simulator), EMPLOYEES)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.total, run.done) == (60, 60)
    assert run.linked == 3  # 1001 exactly, 1017 and 1023 once normalised
    inactive = sum(
        1
        for n in range(1, 61)
        if simulator.server.dataset.get("employees", _number(n))["active"] is False
    )
    assert run.created == 60 - 3 - inactive
    assert _link("1001").method == LinkMethod.NUMBER
    assert _link("01017").method == LinkMethod.NORMALISED
    assert _link(" 1023").local_id == portal_crew["1023"].id
    assert _link(" 1023").method == LinkMethod.NORMALISED
    # 7777 exists only in the portal; it is left alone.
    assert (
        db.session.scalar(
            db.select(RecordLink).where(RecordLink.local_id == portal_crew["7777"].id)
        )
        is None
    )


def _number(index: int) -> str:
    from portal.avantage.simulator.dataset import employee_number

    return employee_number(index)


def test_created_employees_keep_trade_competency_and_get_placeholders(
    connect, sync_now, make_simulator, superadmin
):
    simulator = make_simulator(employees=30)
    sync_now(connect(simulator), EMPLOYEES)
    remote = simulator.server.dataset.get("employees", "1011")  # every 11th has no e-mail
    assert remote["email"] is None
    user = db.session.get(User, _link("1011").local_id)
    assert user.email_is_placeholder and user.email.endswith("@" + PLACEHOLDER_EMAIL_DOMAIN)
    assert (user.avantage_trade_code, user.avantage_competency) == (
        remote["trade"],
        remote["competency"],
    )
    assert user.password_hash is None and user.company_id == superadmin.company_id
    with_email = db.session.get(User, _link("1002").local_id)
    assert not with_email.email_is_placeholder
    assert with_email.email == simulator.server.dataset.get("employees", "1002")["email"]


def test_preview_decides_but_writes_nothing(connect, sync_now, make_simulator, portal_crew):
    simulator = make_simulator(employees=40)
    integration = connect(simulator)
    before = _table_counts()
    run = sync_now(integration, EMPLOYEES, preview=True)
    assert run.status == RunStatus.SUCCEEDED and run.preview
    assert run.linked == 3 and run.created > 0
    assert _table_counts() == before
    assert {note.action for note in run_notes.shown_notes(run)} >= {"created", "linked"}
    real = sync_now(integration, EMPLOYEES)
    assert (real.created, real.linked) == (run.created, run.linked)


def _table_counts() -> dict:
    return {
        model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
        for model in (User, RecordLink, RemoteRecord, Trade)
    }


def test_rerun_converges_and_incremental_lists_only_changes(
    connect, sync_now, make_simulator, portal_crew
):
    simulator = make_simulator(employees=50)
    integration = connect(simulator)
    first = sync_now(integration, EMPLOYEES)
    users_after_first = db.session.scalar(db.select(db.func.count(User.id)))
    simulator.server.dataset.touch("employees", "1002", competency="apprenti-3")
    second = sync_now(integration, EMPLOYEES)
    assert second.since == first.server_time
    assert (second.done, second.updated, second.created) == (1, 1, 0)
    assert db.session.get(User, _link("1002").local_id).avantage_competency == "apprenti-3"
    full = sync_now(integration, EMPLOYEES, full=True)
    assert (full.done, full.created, full.linked, full.updated) == (50, 0, 0, 0)
    assert db.session.scalar(db.select(db.func.count(User.id))) == users_after_first


def test_full_resync_marks_records_removed_from_avantage(
    connect, sync_now, make_simulator, portal_crew
):
    simulator = make_simulator(employees=20)
    integration = connect(simulator)
    sync_now(integration, EMPLOYEES)
    simulator.server.dataset.remove("employees", "1005")
    run = sync_now(integration, EMPLOYEES, full=True)
    assert run.removed == 1
    record = db.session.scalar(db.select(RemoteRecord).where(RemoteRecord.key == "1005"))
    assert record.removed_at is not None
    assert _link("1005").local_id is not None  # the employee stays, shown as removed


def test_a_sync_runs_with_fewer_collections_and_leaves_the_default(
    connect, sync_now, make_simulator, monkeypatch
):
    """The pages are decided with the bulk threshold (services/collector.py), and the
    process's own is back once the run ends."""
    default, seen = gc.get_threshold(), set()
    decide = EmployeeSync.decide

    def watched(self, ctx, item):
        seen.add(gc.get_threshold()[0])
        return decide(self, ctx, item)

    monkeypatch.setattr(EmployeeSync, "decide", watched)
    run = sync_now(connect(make_simulator(employees=5)), EMPLOYEES)
    assert run.status == RunStatus.SUCCEEDED
    assert seen == {collector.BULK_THRESHOLD}
    assert gc.get_threshold() == default
