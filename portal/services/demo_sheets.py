"""The demo's timesheets: a week of plausible time per person, in the status it is given."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from portal.models import ExpenseLine, HourLine, Timesheet, TimesheetStatus, Trade, db
from portal.models.base import utcnow

QUEBEC = ZoneInfo("America/Toronto")


def demo_sheet(
    company, person, week, status, rng, projects, hour_types, expenses, staff, *, days: int = 5
) -> None:
    """One week of a person's time in the demo: a project, 8 h a day, some overtime, km and
    meals, and the review dates its status implies (never later than now)."""
    reviewer, payroll_admin = staff
    # Someone whose trade the portal lacks yet (FERB) works as a manœuvre until the sync.
    trade = person.default_trade or db.session.scalar(
        db.select(Trade).where(Trade.company_id == company.id, Trade.code == "MANOE")
    )
    sheet = Timesheet(company=company, employee=person, week_start=week, status=status)
    project = rng.choice(projects)
    activities = [
        a
        for a in project.activities
        if a.code in {"01-100", "03-100", "06-100", "16-100", "15-400", "09-900"}
    ]
    for offset in range(days):
        day = week + timedelta(days=offset)
        activity = rng.choice(activities)
        sheet.hour_lines.append(
            HourLine(
                work_date=day,
                project=project,
                activity=activity,
                trade=trade,
                hours=Decimal("8.00"),
            )
        )
        if offset == 3 and rng.random() < 0.5:
            sheet.hour_lines.append(
                HourLine(
                    work_date=day,
                    project=project,
                    activity=activity,
                    trade=trade,
                    hour_type=hour_types["T1.5"],
                    hours=Decimal(rng.choice(["1.50", "2.00"])),
                )
            )
        if rng.random() < 0.3:
            sheet.expense_lines.append(
                ExpenseLine(
                    work_date=day,
                    project=project,
                    activity=activity,
                    expense_type=expenses["KM"],
                    quantity=Decimal(rng.randrange(20, 120)),
                )
            )
    if rng.random() < 0.4:
        sheet.expense_lines.append(
            ExpenseLine(
                work_date=week,
                project=project,
                activity=activities[0],
                expense_type=expenses["REPAS"],
                amount=Decimal("17.50"),
            )
        )
    # Friday 16:00 in Québec the sheet is submitted, reviewed on Monday, frozen on Tuesday;
    # never later than now.
    friday = datetime.combine(week + timedelta(days=4), time(16), QUEBEC).astimezone(UTC)

    def at(days: int) -> datetime:
        return min(friday + timedelta(days=days), utcnow())

    if status != TimesheetStatus.DRAFT:
        sheet.submitted_at = at(0)
    if status in {TimesheetStatus.VALIDATED, TimesheetStatus.FROZEN, TimesheetStatus.REJECTED}:
        sheet.reviewed_at, sheet.reviewed_by = at(3), reviewer
    if status == TimesheetStatus.REJECTED:
        sheet.rejection_reason = "Il manque les heures du mercredi; corrige et soumets de nouveau."
    if status == TimesheetStatus.FROZEN:
        sheet.frozen_at, sheet.frozen_by = at(4), payroll_admin
    db.session.add(sheet)
