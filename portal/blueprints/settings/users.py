"""Gestion des licences: the company's employees, their licence, permissions and sign-in."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from portal import jobs, session_lifetime
from portal.blueprints.access import manager_required, superadmin_required
from portal.blueprints.forms import apply_errors
from portal.blueprints.rendering import fragment_with_toast, page_or_fragment
from portal.blueprints.settings import bp
from portal.blueprints.settings.forms import UserFilterForm, UserForm
from portal.errors import ValidationError
from portal.extensions import db, htmx
from portal.i18n import gettext as _
from portal.models import Trade, User
from portal.models.base import utcnow
from portal.services import avantage_status, catalog, password_reset, user_rights, users


def _user_form(employee: User | None = None, *, submitted: bool = False) -> UserForm:
    """The form from the request when ``submitted``, else from ``employee`` (or blank)."""
    if submitted:
        form = UserForm()
    else:
        form = UserForm(formdata=None, obj=employee)
        if employee is not None and employee.email_is_placeholder:
            form.email.data = ""  # shown as a hint; an empty field keeps it
    form.timesheet_permission.choices = [
        SelectChoice(level.value, level.label)
        for level in user_rights.grantable_permissions(current_user, employee)
    ]
    current_trade = employee.default_trade_id if employee is not None else None
    form.default_trade_id.choices = [
        SelectChoice("", _("— Aucun —")),
        *(
            SelectChoice(str(trade.id), f"{trade.code} — {trade.name}")
            for trade in catalog.list_entries(Trade, current_user.company_id)
            if trade.active or trade.id == current_trade
        ),
    ]
    return form


def _data(form: UserForm) -> users.UserData:
    return users.UserData(
        email=form.email.data or "",
        first_name=form.first_name.data or "",
        last_name=form.last_name.data or "",
        employee_number=form.employee_number.data or "",
        licence=form.licence.data,
        is_superadmin=bool(form.is_superadmin.data),
        timesheet_permission=form.timesheet_permission.data,
        default_trade_id=form.default_trade_id.data,
        password=form.password.data or "",
    )


def _form_context(employee: User | None) -> dict:
    return {
        "employee": employee,
        "rights": user_rights.form_rights(current_user, employee),
        "is_self": employee is not None and employee.id == current_user.id,
        "email_available": password_reset.email_available(),
    }


def _render_form(form: UserForm, employee: User | None):
    return page_or_fragment(
        "settings/user_form.html",
        "settings/_user_form.html",
        fragment_target="user-form",
        form=form,
        **_form_context(employee),
    )


def _row_context(employee: User) -> dict:
    return {
        "employee": employee,
        "can_edit": user_rights.can_edit,
        "can_change_active": user_rights.can_change_active,
        "avantage_inactive_ids": avantage_status.inactive_in_avantage(
            current_user.company_id, [employee.id]
        ),
    }


@bp.get("/licences", endpoint="users")
@login_required
@manager_required
def user_list():
    filters = UserFilterForm(request.args)
    pagination = users.list_users(
        current_user.company_id,
        **filters.criteria(),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
    )
    args = {name: value for name, value in request.args.items() if name in filters and value}
    return page_or_fragment(
        "settings/users.html",
        "settings/_user_list.html",
        fragment_target="user-list",
        filters=filters,
        pagination=pagination,
        args=args,
        can_edit=user_rights.can_edit,
        can_change_active=user_rights.can_change_active,
        avantage_inactive_ids=avantage_status.inactive_in_avantage(
            current_user.company_id, [employee.id for employee in pagination.items]
        ),
    )


@bp.get("/licences/nouveau")
@login_required
@manager_required
def user_new():
    return _render_form(_user_form(), None)


@bp.post("/licences/nouveau")
@login_required
@manager_required
def user_create():
    form = _user_form(submitted=True)
    try:
        employee = users.create_user(current_user.company_id, current_user, _data(form))
    except ValidationError as error:
        db.session.rollback()
        apply_errors(form, error)
        return _render_form(form, None)
    db.session.commit()
    message = _("Employé ajouté : %(name)s.", name=employee.full_name)
    if htmx:  # a blank form again, for the next employee
        return fragment_with_toast(
            "settings/_user_form.html", message, form=_user_form(), **_form_context(None)
        )
    flash(message)
    return redirect(url_for("settings.users"), 303)


@bp.get("/licences/<int:user_id>")
@login_required
@manager_required
def user_edit(user_id: int):
    employee = users.get_editable_user(current_user.company_id, current_user, user_id)
    return _render_form(_user_form(employee), employee)


@bp.post("/licences/<int:user_id>")
@login_required
@manager_required
def user_update(user_id: int):
    employee = users.get_editable_user(current_user.company_id, current_user, user_id)
    form = _user_form(employee, submitted=True)
    try:
        users.update_user(current_user.company_id, current_user, employee, _data(form))
    except ValidationError as error:
        db.session.rollback()
        apply_errors(form, error)
        return _render_form(form, users.get_user(current_user.company_id, user_id))
    db.session.commit()
    if employee.id == current_user.id and form.password.data:
        session_lifetime.start(employee)  # the new password signed everyone out, here too
    message = _("Changements enregistrés pour %(name)s.", name=employee.full_name)
    if htmx:
        return fragment_with_toast(
            "settings/_user_form.html",
            message,
            form=_user_form(employee),
            **_form_context(employee),
        )
    flash(message)
    return redirect(url_for("settings.users"), 303)


def _set_active(user_id: int, active: bool):
    employee = users.get_user(current_user.company_id, user_id)
    try:
        users.set_active(current_user.company_id, current_user, employee, active)
    except ValidationError as error:
        db.session.rollback()
        message, level = error.message, "error"
        employee = users.get_user(current_user.company_id, user_id)
    else:
        db.session.commit()
        level = "success"
        message = (
            _("%(name)s : compte réactivé.", name=employee.full_name)
            if active
            else _(
                "%(name)s : compte désactivé; la personne a été déconnectée.",
                name=employee.full_name,
            )
        )
    if htmx:
        return fragment_with_toast(
            "settings/_user_row.html", message, level, **_row_context(employee)
        )
    flash(message, level)
    return redirect(url_for("settings.users"), 303)


@bp.post("/licences/<int:user_id>/desactiver")
@login_required
@manager_required
def user_deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.post("/licences/<int:user_id>/reactiver")
@login_required
@manager_required
def user_reactivate(user_id: int):
    return _set_active(user_id, True)


@bp.post("/licences/<int:user_id>/lien-mot-de-passe")
@login_required
@superadmin_required
def user_password_link(user_id: int):
    """A one-time link the Superadmin hands over; the person then chooses their password."""
    employee = users.get_user(current_user.company_id, user_id)
    token = password_reset.handover_token(current_user.company_id, current_user, employee)
    db.session.commit()
    lifetime = current_app.config["PASSWORD_RESET_LINK_SECONDS"]
    return fragment_with_toast(
        "settings/_password_link.html",
        _("Lien créé : remettez-le à %(name)s.", name=employee.full_name),
        employee=employee,
        link=url_for("auth.reset_password", token=token, _external=True),
        expires_at=utcnow() + timedelta(seconds=lifetime),
        email_available=password_reset.email_available(),
    )


@bp.post("/licences/<int:user_id>/courriel-mot-de-passe")
@login_required
@superadmin_required
def user_password_email(user_id: int):
    employee = users.get_user(current_user.company_id, user_id)
    password_reset.check_can_email(current_user.company_id, current_user, employee)
    jobs.start_password_email(employee.id)
    db.session.commit()
    return fragment_with_toast(
        "settings/_password_link.html",
        _(
            "Courriel envoyé à %(email)s : le lien expire dans %(minutes)d minutes.",
            email=employee.email,
            minutes=current_app.config["PASSWORD_RESET_EMAIL_SECONDS"] // 60,
        ),
        employee=employee,
        link=None,
        email_available=True,
    )
