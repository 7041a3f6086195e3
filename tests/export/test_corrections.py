"""Corrections after payroll against the simulator: Dégeler → edit → validate → send leaves
Avantage's net equal to the revision, R2 reverses R1, entries gone from Avantage are said."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from portal import jobs
from portal.avantage.simulator import office
from portal.errors import ConflictError, PermissionDeniedError, ValidationError
from portal.extensions import db
from portal.models import (
    AuditEvent,
    BatchStatus,
    ExportBatch,
    HourLine,
    Timesheet,
    TimesheetRevision,
    TimesheetStatus,
)
from portal.services import corrections, export_batch, export_messages, timesheet_status
from tests.fixtures.export_world import MONDAY, entries
from tests.fixtures.queue import work


def send(world, sheet) -> ExportBatch:
    """Envoyer à Avantage for this one sheet, run by a worker to its end."""
    sheet = db.session.get(Timesheet, sheet.id)
    batch, _ = export_batch.create_batch(
        world.admin.company_id, world.admin, world.integration, [sheet], confirm_resend=False
    )
    db.session.commit()
    jobs.start_export(batch)
    work()
    db.session.expire_all()
    return db.session.get(ExportBatch, batch.id)


def sent_sheet(world, hours=("8.00", "7.50", "8.00"), **extra) -> Timesheet:
    sheet = world.sheet(world.employees["1002"], hours=hours, **extra)
    assert send(world, sheet).status == BatchStatus.COMMITTED
    return db.session.get(Timesheet, sheet.id)


def unfreeze(world, sheet, reason="Heures du mardi mal saisies") -> TimesheetRevision:
    revision = corrections.unfreeze(world.admin.company_id, world.admin, sheet, reason)
    db.session.commit()
    return revision


def revalidate(world, sheet) -> Timesheet:
    """The usual flow after the corrections: submitted, then validated."""
    company_id = world.admin.company_id
    timesheet_status.submit(company_id, world.admin, sheet)
    timesheet_status.validate(company_id, world.admin, sheet)
    db.session.commit()
    return sheet


def net(simulator) -> dict[tuple, tuple[Decimal, Decimal]]:
    """Avantage's net hours and amount per employee, day, activity and hour type."""
    totals: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for entry in entries(simulator):
        key = (entry["employee"], entry["date"], entry["activity"], entry.get("hour_type"))
        totals[key][0] += Decimal(entry.get("hours") or 0)
        totals[key][1] += Decimal(entry.get("amount") or 0)
    return {key: (h, a) for key, (h, a) in totals.items() if h or a}


def expected(simulator, sheet) -> dict[tuple, Decimal]:
    """The sheet's hours, keyed like ``net``."""
    hours: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in db.session.get(Timesheet, sheet.id).hour_lines:
        code = "REG" if line.hour_type is None or line.hour_type.is_regular else "T1.5"
        activity = "03-100" if line.activity.code.startswith("03") else "06-100"
        hours[("1002", line.work_date.isoformat(), activity, code)] += line.hours
    return dict(hours)


def correct_tuesday(sheet, hours="6.00", extra_day_hours="4.00") -> None:
    """Tuesday 7.5 h → 6 h, Wednesday's line removed, Thursday 4 h added."""
    lines = sorted(sheet.hour_lines, key=lambda line: line.work_date)
    lines[1].hours = Decimal(hours)
    db.session.delete(lines[2])
    db.session.add(
        HourLine(
            timesheet=sheet,
            work_date=MONDAY + timedelta(days=3),
            project=lines[0].project,
            activity=lines[0].activity,
            trade=lines[0].trade,
            hours=Decimal(extra_day_hours),
        )
    )
    db.session.commit()


def test_a_correction_nets_avantage_to_the_revision(world, rq):
    sheet = sent_sheet(world)
    first = sheet.last_export
    revision = unfreeze(world, sheet)
    assert (sheet.status, sheet.revision, sheet.in_correction) == (TimesheetStatus.DRAFT, 1, True)
    assert [line["value"] for line in revision.original] == ["8.00", "7.50", "8.00"]
    correct_tuesday(sheet)
    revalidate(world, sheet)

    plan = export_batch.prepare(world.integration, [sheet], ready_only=False)
    summary = plan.corrections[sheet.id]
    assert (summary.batch, summary.reversed, summary.added) == (first.avantage_batch, 3, 3)
    assert plan.hours == Decimal("-5.50")  # 18 h instead of 23.5 h
    assert [line.payload for line in plan.lines[:3]] == [
        {"kind": "reversal", "batch": first.avantage_batch, "reverses": number}
        for number in (1, 2, 3)
    ]

    batch = send(world, sheet)
    assert batch.status == BatchStatus.COMMITTED
    assert net(world.simulator).keys() == expected(world.simulator, sheet).keys()
    assert {key: h for key, (h, _a) in net(world.simulator).items()} == expected(
        world.simulator, sheet
    )
    # Amounts net out too: what remains is exactly the amounts of the corrected lines.
    corrected = defaultdict(Decimal)
    for entry in entries(world.simulator):
        if entry["batch"] == batch.avantage_batch and not entry.get("reverses"):
            key = (entry["employee"], entry["date"], entry["activity"], entry["hour_type"])
            corrected[key] += Decimal(entry["amount"])
    assert {key: a for key, (_h, a) in net(world.simulator).items()} == dict(corrected)
    assert ("1002", "2026-11-25", "03-100", "REG") not in net(world.simulator)
    sheet = db.session.get(Timesheet, sheet.id)
    assert (sheet.status, sheet.in_correction, sheet.last_export_id) == (
        TimesheetStatus.FROZEN,
        False,
        batch.id,
    )
    assert db.session.get(TimesheetRevision, revision.id).sent_batch_id == batch.id
    actions = [event.action for event in db.session.scalars(db.select(AuditEvent))]
    assert actions.count("timesheet.unfreeze") == 1 and actions.count("timesheet.freeze") == 2


def test_a_second_correction_reverses_the_first_not_the_original(world, rq):
    sheet = sent_sheet(world)
    unfreeze(world, sheet)
    correct_tuesday(sheet)
    revalidate(world, sheet)
    r1_batch = send(world, sheet)
    sheet = db.session.get(Timesheet, sheet.id)
    unfreeze(world, sheet, "Le jeudi était de 5 heures")
    assert sheet.revision == 2
    thursday = max(sheet.hour_lines, key=lambda line: line.work_date)
    thursday.hours = Decimal("5.00")
    db.session.commit()
    revalidate(world, sheet)

    plan = export_batch.prepare(world.integration, [sheet], ready_only=False)
    reversals = [line.payload for line in plan.lines if line.is_reversal]
    assert {payload["batch"] for payload in reversals} == {r1_batch.avantage_batch}
    assert len(reversals) == 3  # R1's own three lines, not its reversals
    assert send(world, sheet).status == BatchStatus.COMMITTED
    assert {key: h for key, (h, _a) in net(world.simulator).items()} == expected(
        world.simulator, sheet
    )


def test_an_entry_deleted_in_avantage_is_said_then_left_out_after_the_reconciliation(
    world, rq, client
):
    sheet = sent_sheet(world)
    first = sheet.last_export
    tuesday = next(e for e in entries(world.simulator) if e["date"] == "2026-11-24")
    office.delete_entry(world.simulator.server.state, tuesday["entry"])
    unfreeze(world, sheet)
    correct_tuesday(sheet)
    revalidate(world, sheet)

    refused = send(world, sheet)
    assert refused.status == BatchStatus.REJECTED
    [line] = [line for line in refused.lines if line.rejection_code]
    assert line.rejection_code == "UNKNOWN_ENTRY" and line.payload["reverses"] == 2
    page = client.get(f"/feuilles-de-temps/exportation/lots/{refused.id}").text
    assert str(export_messages.REJECTIONS["UNKNOWN_ENTRY"]).split(" :")[0] in page.replace(
        "&#39;", "'"
    )
    sheet = db.session.get(Timesheet, sheet.id)
    assert (sheet.status, sheet.in_correction) == (TimesheetStatus.VALIDATED, True)

    jobs.start_reconciliation(first, world.admin)
    work()
    plan = export_batch.prepare(world.integration, [sheet], ready_only=False)
    assert [line.payload["reverses"] for line in plan.lines if line.is_reversal] == [1, 3]
    assert send(world, sheet).status == BatchStatus.COMMITTED
    assert {key: h for key, (h, _a) in net(world.simulator).items()} == expected(
        world.simulator, sheet
    )


def test_an_entry_reversed_elsewhere_is_refused_as_already_reversed(world, rq):
    sheet = sent_sheet(world)
    number = sheet.last_export.avantage_batch
    with world.simulator.client() as avantage:  # another tool reversed line 1 meanwhile
        avantage.begin_batch("someone-else")
        avantage.add_lines(
            "someone-else", [{"line": 1, "kind": "reversal", "batch": number, "reverses": 1}]
        )
        avantage.commit_batch("someone-else", atomic=True)
    unfreeze(world, sheet)
    revalidate(world, sheet)
    refused = send(world, sheet)
    assert refused.status == BatchStatus.REJECTED
    assert {line.rejection_code for line in refused.lines if line.rejection_code} == {
        "ALREADY_REVERSED"
    }
    assert "déjà été annulée" in export_messages.rejection_sentence("ALREADY_REVERSED", "")


def test_a_server_without_reversal_lines_gets_no_correction(world, rq, make_simulator):
    sheet = sent_sheet(world)
    world.simulator.server.config.reversal = False  # MainTCP downgraded
    unfreeze(world, sheet)
    revalidate(world, sheet)
    failed = send(world, sheet)
    assert failed.status == BatchStatus.FAILED and failed.begun_at is None
    assert "n'accepte pas les lignes d'annulation" in failed.error["message_fr"]
    assert len(entries(world.simulator)) == 3  # nothing reached Avantage
    sheet = db.session.get(Timesheet, sheet.id)
    assert sheet.export_lock_id is None and world.integration.server_features == ""

    with pytest.raises(ValidationError):  # now the preflight knows
        export_batch.prepare(world.integration, [sheet], ready_only=False)
    plan = export_batch.plan(world.integration, [sheet])
    assert "Corrigée dans Avantage" in plan.errors[0].message

    revision = corrections.record_corrected_outside(
        world.admin.company_id, world.admin, sheet, world.integration
    )
    db.session.commit()
    assert revision.corrected_outside_at is not None
    assert (sheet.status, sheet.in_correction) == (TimesheetStatus.FROZEN, False)


def test_only_a_timesheet_admin_unfreezes_a_sent_sheet_with_a_reason(world, rq, make_user):
    sheet = sent_sheet(world)
    validator = make_user("validator")
    with pytest.raises(PermissionDeniedError):
        corrections.unfreeze(validator.company_id, validator, sheet, "motif")
    employee = world.employees["1002"]
    with pytest.raises(PermissionDeniedError):
        corrections.unfreeze(employee.company_id, employee, sheet, "motif")
    with pytest.raises(ValidationError) as refused:
        corrections.unfreeze(world.admin.company_id, world.admin, sheet, "   ")
    assert "reason" in refused.value.field_errors
    never_sent = world.sheet(world.employees["1003"])
    timesheet_status.freeze(world.admin.company_id, world.admin, never_sent)
    db.session.commit()
    with pytest.raises(ConflictError):
        corrections.unfreeze(world.admin.company_id, world.admin, never_sent, "motif")
    assert db.session.get(Timesheet, sheet.id).status == TimesheetStatus.FROZEN


def test_of_two_admins_unfreezing_the_same_sheet_one_wins(world, rq):
    sheet = sent_sheet(world)
    unfreeze(world, sheet)
    db.session.execute(  # the second admin read the sheet while it was still Gelée
        db.update(Timesheet).where(Timesheet.id == sheet.id).values(status=TimesheetStatus.FROZEN)
    )
    stale = db.session.get(Timesheet, sheet.id, populate_existing=True)
    db.session.execute(
        db.update(Timesheet).where(Timesheet.id == sheet.id).values(status=TimesheetStatus.DRAFT)
    )
    with pytest.raises(ConflictError):
        corrections.unfreeze(world.admin.company_id, world.admin, stale, "motif")
    db.session.rollback()
    assert db.session.get(Timesheet, sheet.id, populate_existing=True).revision == 1


def test_a_correction_may_take_every_line_back(world, rq):
    """Hours put on the wrong employee: the corrected sheet is empty and only reverses."""
    sheet = sent_sheet(world)
    unfreeze(world, sheet, "Ces heures sont celles d'un autre employé")
    for line in list(sheet.hour_lines):
        db.session.delete(line)
    db.session.commit()
    revalidate(world, sheet)
    batch = send(world, sheet)
    assert batch.status == BatchStatus.COMMITTED and batch.line_count == 3
    assert net(world.simulator) == {}
