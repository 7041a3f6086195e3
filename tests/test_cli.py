"""The portal's own commands: onboarding a customer and the demo company."""

from __future__ import annotations

from portal.extensions import db
from portal.models import (
    Company,
    HourType,
    Integration,
    Licence,
    Timesheet,
    TimesheetPermission,
    TimesheetStatus,
    User,
)


def test_create_company_reads_the_password_from_the_environment(runner, app):
    result = runner.invoke(
        args=["create-company", "Toitures Gagné inc.", "--admin-email", "Admin@Toitures.ca"],
        env={"PORTAL_ADMIN_PASSWORD": "un-mot-de-passe-solide"},
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(db.select(User).where(User.email == "admin@toitures.ca"))
    assert admin.is_company_superadmin and admin.licence == Licence.MANAGEMENT
    assert admin.timesheet_permission == TimesheetPermission.ADMIN
    assert admin.check_password("un-mot-de-passe-solide")
    assert db.session.scalar(
        db.select(HourType).where(HourType.company_id == admin.company_id)
    ).is_regular
    assert "un-mot-de-passe-solide" not in result.output


def test_create_company_asks_for_the_password(runner, app):
    result = runner.invoke(
        args=["create-company", "Béton Roy", "--admin-email", "a@roy.ca"],
        input="mot-de-passe-123\nmot-de-passe-123\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(Company).where(Company.name == "Béton Roy"))


def test_create_company_refuses_bad_input_without_a_traceback(runner, app):
    result = runner.invoke(
        args=["create-company", "X", "--admin-email", "pas-un-courriel", "--password", "court"]
    )
    assert result.exit_code == 2
    assert "Cette adresse courriel n'est pas valide." in result.output
    assert "au moins 10 caractères" in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(db.select(db.func.count(Company.id))) == 0


def test_demo_data_has_every_role_and_every_status_and_runs_twice(runner, app):
    result = runner.invoke(args=["demo-data", "--avantage-url", "tcp://127.0.0.1:2999"])
    assert result.exit_code == 0, result.output
    company = db.session.scalar(db.select(Company))
    users = db.session.scalars(db.select(User).where(User.company_id == company.id)).all()
    assert {user.timesheet_permission for user in users} == set(TimesheetPermission)
    assert any(user.is_company_superadmin for user in users)
    assert any(user.is_manager and not user.is_superadmin for user in users)
    statuses = set(db.session.scalars(db.select(Timesheet.status).distinct()))
    assert statuses == set(TimesheetStatus)
    for user in users[:5]:
        assert user.email in result.output
    point = db.session.scalar(db.select(Integration)).default_access_point
    assert point.url == "tcp://127.0.0.1:2999"
    again = runner.invoke(args=["demo-data", "--avantage-url", "tcp://127.0.0.1:3001"])
    assert again.exit_code == 0 and "existe déjà" in again.output
    assert db.session.scalar(db.select(db.func.count(Company.id))) == 1
    db.session.expire_all()
    assert db.session.scalar(db.select(Integration)).default_access_point.port == 3001
