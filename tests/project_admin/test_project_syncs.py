"""Activités and Budget of a linked project against the simulator (real TCP, a real RQ worker):
matching on the code, creation, preview, removed activities, budget figures as Decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import (
    Activity,
    HourLine,
    LinkMethod,
    RecordLink,
    RemoteRecord,
    RunStatus,
    SyncSection,
    TimesheetStatus,
)
from portal.services import projects, run_notes
from portal.services.sync import budget

ACTIVITIES, BUDGET = SyncSection.ACTIVITIES, SyncSection.BUDGET
#: The simulator's first eight activity codes, in every project.
CODES = ["01-100", "02-200", "03-100", "03-300", "06-100", "15-400", "16-100", "09-900"]


def activities(project) -> dict[str, Activity]:
    db.session.expire_all()
    rows = db.session.scalars(db.select(Activity).where(Activity.project_id == project.id))
    return {activity.code: activity for activity in rows}


def activity_link(remote_key: str) -> RecordLink | None:
    return db.session.scalar(db.select(RecordLink).where(RecordLink.remote_key == remote_key))


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count(model.id)))


@pytest.fixture
def linked(listed, project, link):
    """``project`` (24-103 in the portal) linked to Avantage's 24-103."""
    link(listed.integration, project, "24-103")
    return listed


def test_activities_are_linked_on_the_code_and_the_missing_ones_created(linked, project, sync_now):
    linked.simulator.server.dataset.add(
        "activities", {"project": "24-103", "code": "EX-900", "name": "Extra", "unit": "h"}
    )
    project.activities.extend(
        [
            Activity(company_id=project.company_id, code="03-100", name="Coffrage (portail)"),
            Activity(company_id=project.company_id, code="ex-900", name="Extra"),
            Activity(company_id=project.company_id, code="99-999", name="Portail seulement"),
        ]
    )
    db.session.commit()
    run = sync_now(linked.integration, ACTIVITIES, project=project)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.total, run.linked, run.created) == (9, 2, 7)
    assert activity_link("24-103|03-100").method == LinkMethod.CODE
    assert activity_link("24-103|EX-900").method == LinkMethod.NORMALISED
    assert activity_link("24-103|EX-900").local_id == activities(project)["ex-900"].id
    assert activity_link("24-103|16-100").method == LinkMethod.CREATED
    local = activities(project)
    assert sorted(local) == sorted([*CODES, "ex-900", "99-999"])
    assert all(activity.active for activity in local.values())
    assert local["16-100"].name == "Électricité"
    assert local["03-100"].name == "Coffrage"  # Avantage's name wins on a linked activity
    assert activity_link("24-103|99-999") is None
    again = sync_now(linked.integration, ACTIVITIES, project=project)
    assert (again.created, again.linked, again.since is not None) == (0, 0, True)


def test_a_code_the_project_already_has_is_never_created_twice(linked, project, sync_now):
    sync_now(linked.integration, ACTIVITIES, project=project)
    linked.simulator.server.dataset.add(
        "activities", {"project": "24-103", "code": "03-100 ", "name": "Doublon", "unit": "h"}
    )
    run = sync_now(linked.integration, ACTIVITIES, project=project)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.created, run.warnings) == (0, 1)
    assert "03-100 existe déjà" in run_notes.shown_notes(run)[0].label
    assert sorted(activities(project)) == sorted(CODES)


def test_keys_are_unique_across_projects(linked, project, make_project, link, sync_now):
    other = make_project("24-104", "Autre chantier")
    link(linked.integration, other, "24-104")
    sync_now(linked.integration, ACTIVITIES, project=project)
    sync_now(linked.integration, ACTIVITIES, project=other)
    assert sorted(activities(project)) == sorted(CODES) == sorted(activities(other))
    keys = list(
        db.session.scalars(db.select(RecordLink.remote_key).where(RecordLink.entity == ACTIVITIES))
    )
    assert len(keys) == len(set(keys)) == 16
    assert activity_link("24-104|03-100").local_id == activities(other)["03-100"].id


def test_preview_decides_but_writes_nothing(linked, project, sync_now):
    before = (count(Activity), count(RecordLink), count(RemoteRecord))
    run = sync_now(linked.integration, ACTIVITIES, project=project, preview=True)
    assert run.status == RunStatus.SUCCEEDED and run.created == 8
    assert (count(Activity), count(RecordLink), count(RemoteRecord)) == before
    notes = run_notes.shown_notes(run)
    assert {note.action for note in notes} == {"created"}
    assert "03-100 — Coffrage" in [note.label for note in notes]


def test_a_removed_activity_is_marked_after_a_full_run_and_never_deleted(
    linked, project, sync_now, enter_hours
):
    sync_now(linked.integration, ACTIVITIES, project=project)
    used = activities(project)["03-100"]
    sheet = enter_hours(used, "8.00", TimesheetStatus.VALIDATED)
    dataset = linked.simulator.server.dataset
    dataset.remove("activities", ("24-103", "03-100"))  # used by a timesheet
    dataset.remove("activities", ("24-103", "09-900"))  # used by nothing
    dataset.touch("activities", ("24-103", "06-100"), name="Charpente et ossature")

    incremental = sync_now(linked.integration, ACTIVITIES, project=project)
    assert incremental.since is not None and incremental.done == 1  # only the change
    assert (incremental.updated, incremental.removed) == (1, 0)
    assert activities(project)["06-100"].name == "Charpente et ossature"
    assert _removed() == set()

    full = sync_now(linked.integration, ACTIVITIES, project=project, full=True)
    assert full.status == RunStatus.SUCCEEDED, full.error
    assert (full.full, full.done, full.removed) == (True, 6, 2)
    assert _removed() == {"24-103|03-100", "24-103|09-900"}
    local = activities(project)
    assert sorted(local) == sorted(CODES)  # nothing deleted
    assert local["03-100"].active and local["09-900"].active
    db.session.expire_all()
    assert db.session.get(HourLine, sheet.hour_lines[0].id).activity_id == used.id
    assert budget.project_budget(project.company_id, project).removed == {
        local["03-100"].id,
        local["09-900"].id,
    }


def _removed() -> set[str]:
    db.session.expire_all()
    return set(
        db.session.scalars(
            db.select(RemoteRecord.key).where(
                RemoteRecord.entity == ACTIVITIES, RemoteRecord.removed_at.is_not(None)
            )
        )
    )


def test_budget_figures_and_variance_are_decimal(linked, project, sync_now, enter_hours):
    sync_now(linked.integration, ACTIVITIES, project=project)
    formwork = activities(project)["03-100"]
    for hours, status in [
        ("8.00", TimesheetStatus.SUBMITTED),
        ("4.50", TimesheetStatus.VALIDATED),
        ("2.25", TimesheetStatus.FROZEN),
        ("100.00", TimesheetStatus.DRAFT),  # not counted
        ("50.00", TimesheetStatus.REJECTED),  # not counted
    ]:
        enter_hours(formwork, hours, status)
    assert projects.recorded_hours(project.company_id, project) == {
        formwork.id: (Decimal("14.75"), Decimal(0))
    }
    run = sync_now(linked.integration, BUDGET, project=project)
    assert run.status == RunStatus.SUCCEEDED and (run.total, run.warnings) == (8, 0)

    view = budget.project_budget(project.company_id, project)
    remote = linked.budget("24-103", "03-100")
    line = view.by_activity[formwork.id]
    for name in budget.FIGURES:
        assert isinstance(getattr(line, name), Decimal)
        assert getattr(line, name) == Decimal(remote[name])
    assert line.portal_hours == Decimal("14.75")
    assert line.variance_hours == Decimal(remote["budget_hours"]) - Decimal("14.75")
    assert isinstance(line.variance_hours, Decimal)
    assert view.totals.budget_hours == sum(
        Decimal(linked.budget("24-103", code)["budget_hours"]) for code in CODES
    )
    assert view.totals.portal_hours == Decimal("14.75")
    assert run.finished_at is not None and view.synced_at == run.finished_at
    assert not view.unmatched


def test_budget_before_the_activities_warns_and_still_keeps_the_rows(linked, project, sync_now):
    run = sync_now(linked.integration, BUDGET, project=project)
    assert run.status == RunStatus.SUCCEEDED and run.warnings == 8
    assert "synchronisez d'abord les activités" in run_notes.shown_notes(run)[0].label
    view = budget.project_budget(project.company_id, project)
    assert sorted(line.code for line in view.unmatched.values()) == sorted(CODES)
    assert view.totals.budget_hours > 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7.50", Decimal("7.50")),
        ("12", Decimal("12")),
        (7.5, None),
        (12, None),
        ("abc", None),
        ("NaN", None),
    ],
)
def test_figures_never_go_through_a_float(value, expected):
    assert budget.figure(value) == expected
