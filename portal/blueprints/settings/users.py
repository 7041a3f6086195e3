"""Gestion des licences: the company's employees, their licence, permissions and sign-in."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from wtforms import SelectChoice

from portal.blueprints.access import manager_required
from portal.blueprints.forms import apply_errors
from portal.blueprints.rendering import fragment_with_toast, page_or_fragment
from portal.blueprints.settings import bp
from portal.blueprints.settings.forms import UserFilterForm, UserForm
from portal.errors import ValidationError
from portal.extensions import db, htmx
from portal.models import Trade, User
from portal.services import catalog, users


def _user_form(employee: User | None = None, *, submitted: bool = False) -> UserForm:
    """The form from the request when ``submitted``, else from ``employee`` (or blank)."""
    if submitted:
        form = UserForm()
    else:
        form = UserForm(formdata=None, obj=employee)
        if employee is not None and employee.email_is_placeholder:
            form.email.data = ""  # shown as a hint; an empty field keeps it
    current_trade = employee.default_trade_id if employee is not None else None
    form.default_trade_id.choices = [
        SelectChoice("", _("— Aucun —")),
        *(
            SelectChoice(str(trade.id), trade.name)
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


def _render_form(form: UserForm, employee: User | None):
    return page_or_fragment(
        "settings/user_form.html",
        "settings/_user_form.html",
        fragment_target="user-form",
        form=form,
        employee=employee,
    )


def _row_context(employee: User) -> dict:
    return {
        "employee": employee,
        "can_edit": users.can_edit,
        "can_change_active": users.can_change_active,
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
        can_edit=users.can_edit,
        can_change_active=users.can_change_active,
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
            "settings/_user_form.html", message, form=_user_form(), employee=None
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
        login_user(employee)  # the new password signed everyone out, this session included
    message = _("Changements enregistrés pour %(name)s.", name=employee.full_name)
    if htmx:
        return fragment_with_toast(
            "settings/_user_form.html", message, form=_user_form(employee), employee=employee
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
