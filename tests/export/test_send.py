"""Sending validated sheets to the simulator: the lines that land, freezing, exactly once."""

from __future__ import annotations

import gc
import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from portal import jobs
from portal.errors import ConflictError, TimesheetLockedError, ValidationError
from portal.extensions import db
from portal.models import (
    BatchStatus,
    ExportBatch,
    Integration,
    SyncSection,
    Timesheet,
    TimesheetStatus,
    User,
)
from portal.services import (
    collector,
    export,
    export_batch,
    export_messages,
    export_run,
    timesheet_status,
)
from tests.fixtures.export_world import MONDAY, entries
from tests.fixtures.queue import work

FIELDS = (
    "employee",
    "date",
    "project",
    "activity",
    "trade",
    "hour_type",
    "hours",
    "earning",
    "quantity",
    "amount",
)


def _send(world, sheets, **options) -> ExportBatch:
    batch, created = export_batch.create_batch(
        world.admin.company_id,
        world.admin,
        world.integration,
        sheets,
        confirm_resend=options.get("confirm", False),
    )
    db.session.commit()
    if created:
        jobs.start_export(batch)
    work()
    db.session.expire_all()
    return db.session.get(ExportBatch, batch.id)


def test_the_lines_in_avantage_are_the_preview_with_rates_and_amounts(world, rq):
    sheet = world.sheet(
        world.employees["1002"], hours=("8.00", "7.50"), overtime="2.00", km="42", meal="17.50"
    )
    preview = export.plan(world.integration, [sheet])
    assert not preview.errors and len(preview.lines) == 5
    batch = _send(world, [sheet])
    assert batch.status == BatchStatus.COMMITTED, batch.error
    assert batch.avantage_batch.startswith("TS-") and batch.accepted == 5
    posted = entries(world.simulator)
    assert len(posted) == 5 and {entry["batch"] for entry in posted} == {batch.avantage_batch}
    sent = sorted(
        (
            {key: value for key, value in line.payload.items() if key in FIELDS}
            for line in preview.lines
        ),
        key=repr,
    )
    landed = sorted(
        (
            {key: entry[key] for key in sent_keys if key in entry}
            for entry, sent_keys in zip(
                sorted(posted, key=lambda entry: entry["line"]),
                [[key for key in line.payload if key in FIELDS] for line in preview.lines],
                strict=True,
            )
        ),
        key=repr,
    )
    assert landed == sent  # every field sent arrived as previewed
    dataset = world.simulator.server.dataset
    avantage_employee = dataset.get("employees", "1002")
    rate = Decimal(dataset.get("trades", "CHARP")["rates"][avantage_employee["competency"]])
    multiplier = {
        code: Decimal(dataset.get("hour_types", code)["multiplier"]) for code in ("REG", "T1.5")
    }
    for entry in posted:
        if entry["kind"] == "hours":
            assert Decimal(entry["rate"]) == rate
            expected = Decimal(entry["hours"]) * rate * multiplier[entry["hour_type"]]
            assert Decimal(entry["amount"]) == expected.quantize(Decimal("0.01"))
    km = next(entry for entry in posted if entry.get("earning") == "KM")
    assert Decimal(km["amount"]) == Decimal("42") * Decimal(dataset.get("earnings", "KM")["rate"])


def test_committed_sheets_are_frozen_badged_and_unlocked(world, rq):
    validated = world.sheet(world.employees["1002"])
    frozen = world.sheet(world.employees["1003"], status=TimesheetStatus.FROZEN)
    batch = _send(world, [validated, frozen])
    assert batch.status == BatchStatus.COMMITTED
    for sheet in (db.session.get(Timesheet, validated.id), db.session.get(Timesheet, frozen.id)):
        assert sheet.status == TimesheetStatus.FROZEN
        assert sheet.last_export_id == batch.id and sheet.export_lock_id is None
    assert db.session.get(Timesheet, validated.id).frozen_by_id == world.admin.id


def test_atomic_rejection_changes_nothing_and_says_why_per_line(world, rq):
    good = world.sheet(world.employees["1002"])
    bad = world.sheet(world.employees["1031"], hours=("8.00", "4.00"))  # inactive in Avantage
    batch = _send(world, [good, bad])
    assert batch.status == BatchStatus.REJECTED and batch.rejected_count == 2
    assert entries(world.simulator) == []
    rejected = {line.line_no: line.rejection_code for line in batch.lines if line.rejection_code}
    assert set(rejected.values()) == {"INACTIVE_EMPLOYEE"}
    assert {line.timesheet_id for line in batch.lines if line.rejection_code} == {bad.id}
    for sheet in (good, bad):
        sheet = db.session.get(Timesheet, sheet.id)
        assert sheet.status == TimesheetStatus.VALIDATED and sheet.export_lock_id is None
        assert sheet.last_export_id is None
    assert "inactif" in export_messages.rejection_sentence("INACTIVE_EMPLOYEE", "")


def test_valid_only_resend_sends_the_other_sheets_in_a_new_batch(world, rq, client):
    good = world.sheet(world.employees["1002"])
    bad = world.sheet(world.employees["1031"])
    rejected = _send(world, [good, bad])
    url = f"/feuilles-de-temps/exportation/lots/{rejected.id}/valides"
    step = client.post(url, headers={"HX-Request": "true"})
    # The first click only says what will go, as Envoyer does: the good sheet, « Gelée ».
    assert step.headers["HX-Retarget"] == "#export-confirm"
    assert "Vous allez envoyer 1 feuille(s), 1 ligne(s) et 8,00\u00a0h" in step.text
    assert "deviendra « Gelée »" in step.text
    assert f'action="{url}"' in step.text
    assert (
        db.session.scalar(db.select(ExportBatch).where(ExportBatch.resend_of_id == rejected.id))
        is None
    )
    digest = re.search(r'name="confirmation" value="([0-9a-f]{64})"', step.text).group(1)
    forged = client.post(url, data={"confirmation": "0" * 64}, headers={"HX-Request": "true"})
    assert "ont changé depuis votre confirmation" in forged.text
    response = client.post(url, data={"confirmation": digest}, headers={"HX-Request": "true"})
    resent = db.session.scalar(
        db.select(ExportBatch).where(ExportBatch.resend_of_id == rejected.id)
    )
    assert response.headers["HX-Redirect"] == f"/feuilles-de-temps/exportation/lots/{resent.id}"
    work()
    db.session.expire_all()
    resent = db.session.get(ExportBatch, resent.id)
    assert resent.status == BatchStatus.COMMITTED and resent.sheet_count == 1
    assert {line.timesheet_id for line in resent.lines} == {good.id}
    assert len(entries(world.simulator)) == 1
    assert db.session.get(Timesheet, bad.id).status == TimesheetStatus.VALIDATED


def test_a_resend_needs_confirmation_and_creates_the_hours_again(world, rq):
    sheet = world.sheet(world.employees["1002"])
    _send(world, [sheet])
    sheet = db.session.get(Timesheet, sheet.id)
    plan = export.plan(world.integration, [sheet])
    assert [problem.fix for problem in plan.warnings] == ["resend"]
    with pytest.raises(export_batch.ResendNotConfirmedError):
        export_batch.create_batch(
            world.admin.company_id, world.admin, world.integration, [sheet], confirm_resend=False
        )
    db.session.rollback()
    again = _send(world, [db.session.get(Timesheet, sheet.id)], confirm=True)
    assert again.status == BatchStatus.COMMITTED
    assert len(entries(world.simulator)) == 2  # what the confirmation said


def test_double_click_returns_the_same_batch_and_overlap_is_refused(world, rq):
    first_sheet = world.sheet(world.employees["1002"])
    second_sheet = world.sheet(world.employees["1003"])
    third_sheet = world.sheet(world.employees["1003"], week=MONDAY + timedelta(weeks=1))
    batch, created = export_batch.create_batch(
        world.admin.company_id,
        world.admin,
        world.integration,
        [first_sheet, second_sheet],
        confirm_resend=False,
    )
    db.session.commit()
    again, created_again = export_batch.create_batch(
        world.admin.company_id,
        world.admin,
        world.integration,
        [first_sheet, second_sheet],
        confirm_resend=False,
    )
    assert (created, created_again, again.id) == (True, False, batch.id)
    with pytest.raises(ValidationError):  # another user's overlapping selection
        export_batch.create_batch(
            world.admin.company_id,
            world.admin,
            world.integration,
            [second_sheet, third_sheet],
            confirm_resend=False,
        )
    db.session.rollback()
    plan = export.plan(world.integration, [db.session.get(Timesheet, second_sheet.id)])
    assert [problem.fix for problem in plan.errors] == ["batch"]
    assert db.session.scalar(db.select(db.func.count(ExportBatch.id))) == 1


def test_two_users_sending_at_the_same_moment_make_one_batch(app, world, rq):
    sheets = [world.sheet(world.employees["1002"]), world.sheet(world.employees["1003"])]
    ids = [sheet.id for sheet in sheets]
    barrier, outcomes = threading.Barrier(2), []

    def send_in_its_own_request() -> None:
        with app.app_context():
            admin = db.session.get(User, world.admin.id)
            integration = db.session.get(Integration, world.integration.id)
            mine = export.get_sheets(admin.company_id, ids)
            barrier.wait()
            try:
                batch, created = export_batch.create_batch(
                    admin.company_id, admin, integration, mine, confirm_resend=False
                )
                db.session.commit()
                outcomes.append(("created" if created else "joined", batch.id))
            except (ConflictError, ValidationError) as error:
                db.session.rollback()
                outcomes.append(("refused", type(error).__name__))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send_in_its_own_request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    db.session.expire_all()
    assert sorted(kind for kind, _ in outcomes)[0] == "created"
    assert [kind for kind, _ in outcomes].count("created") == 1
    assert db.session.scalar(db.select(db.func.count(ExportBatch.id))) == 1
    locks = {db.session.get(Timesheet, sheet_id).export_lock_id for sheet_id in ids}
    assert len(locks) == 1 and None not in locks


def test_a_sheet_being_sent_cannot_be_edited_or_rejected(world, rq, make_user):
    sheet = world.sheet(world.employees["1002"])
    export_batch.create_batch(
        world.admin.company_id, world.admin, world.integration, [sheet], confirm_resend=False
    )
    db.session.commit()
    sheet = db.session.get(Timesheet, sheet.id)
    validator = make_user("validator", employee_number="9100")
    with pytest.raises(TimesheetLockedError):
        timesheet_status.reject(world.admin.company_id, validator, sheet, "Erreur")
    assert timesheet_status.available_actions(sheet, world.admin) == []


@pytest.mark.parametrize(
    ("section", "key", "fix"),
    [
        (SyncSection.EMPLOYEES, "employee", "employee"),
        (SyncSection.PROJECTS, "project", "project"),
        (SyncSection.ACTIVITIES, "formwork", "activity"),
        (SyncSection.TRADES, "trade", "trade"),
        (SyncSection.HOUR_TYPES, "regular", "hour_type"),
        (SyncSection.EARNINGS, "km", "earning"),
    ],
)
def test_preflight_lists_every_line_that_cannot_be_sent(world, section, key, fix):
    employee = world.employees["1002"]
    sheet = world.sheet(employee, km="10")
    local_id = employee.id if key == "employee" else world.work[key].id
    db.session.execute(
        db.delete(world_link_table()).where(
            world_link_table().c.entity == section.value, world_link_table().c.local_id == local_id
        )
    )
    db.session.commit()
    plan = export.plan(world.integration, [sheet])
    assert fix in {problem.fix for problem in plan.errors}
    with pytest.raises(Exception, match="ne peuvent pas être envoyées"):
        export_batch.create_batch(
            world.admin.company_id, world.admin, world.integration, [sheet], confirm_resend=False
        )


def world_link_table():
    from portal.models import RecordLink

    return RecordLink.__table__


def test_only_validated_or_frozen_sheets_can_be_sent(world):
    draft = world.sheet(world.employees["1002"], status=TimesheetStatus.SUBMITTED)
    plan = export.plan(world.integration, [draft])
    assert [problem.fix for problem in plan.errors] == ["sheet"]


def test_the_batch_is_made_and_sent_with_fewer_collections(world, rq, monkeypatch):
    """Creating a batch and sending it run with the bulk threshold (services/collector.py);
    the process's own is back afterwards."""
    default, seen = gc.get_threshold(), {}
    real_plan, real_add = export_batch.plan, export_run._add_lines

    def planned(*args):
        seen["plan"] = gc.get_threshold()[0]
        return real_plan(*args)

    def added(*args):
        seen["send"] = gc.get_threshold()[0]
        return real_add(*args)

    monkeypatch.setattr(export_batch, "plan", planned)
    monkeypatch.setattr(export_run, "_add_lines", added)
    batch = _send(world, [world.sheet(world.employees["1002"])])
    assert batch.status == BatchStatus.COMMITTED
    assert seen == {"plan": collector.BULK_THRESHOLD, "send": collector.BULK_THRESHOLD}
    assert gc.get_threshold() == default
