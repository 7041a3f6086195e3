"""Autres intégrations: the Avantage integration, its access points, the test, the guide."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_htmx import make_response
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField

from portal import formatting
from portal.blueprints.access import superadmin_required
from portal.blueprints.forms import apply_errors
from portal.blueprints.rendering import fragment_with_toast, page_or_fragment
from portal.blueprints.settings import bp
from portal.blueprints.settings.setup_checklist import checklist_of
from portal.errors import ValidationError
from portal.extensions import db, htmx
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import PartnerType
from portal.services import avantage_access, integrations
from portal.web import toast


class IntegrationForm(FlaskForm):
    external_id = StringField(_l("Identifiant externe"))
    partner_type = SelectField(_l("Type de partenaire tierce"), choices=PartnerType.choices())


class AccessPointForm(FlaskForm):
    url = StringField(_l("URL du serveur MainTCP"))
    username = StringField(_l("Utilisateur Avantage"))
    password = PasswordField(_l("Mot de passe"))
    encryption_key = PasswordField(_l("Clé de chiffrement"))
    remove_encryption_key = BooleanField(_l("Retirer la clé de chiffrement enregistrée"))


def _integration(integration_id: int):
    return integrations.get_integration(current_user.company_id, integration_id)


def _points_toast(integration, message: str, level: str = "success", *, tested=None):
    """The access points region after a change, with its toast."""
    return fragment_with_toast(
        "settings/_access_points.html",
        message,
        level,
        integration=integration,
        form=None,
        editing=None,
        tested=tested,
    )


def _sync_sections():
    from portal.blueprints.company_sync import SECTIONS  # company_sync imports this blueprint

    return SECTIONS


def _points_region(integration, *, form=None, editing=None, tested=None):
    return render_template(
        "settings/_access_points.html",
        integration=integration,
        form=form,
        editing=editing,
        tested=tested,
    )


@bp.get("/integrations")
@login_required
@superadmin_required
def integration_list():
    return page_or_fragment(
        "settings/integrations.html",
        "settings/_integrations_list.html",
        fragment_target="integrations",
        integrations=integrations.list_integrations(current_user.company_id),
        form=IntegrationForm(formdata=None),
    )


@bp.post("/integrations")
@login_required
@superadmin_required
def integration_create():
    form = IntegrationForm()
    try:
        integration = integrations.create_integration(
            current_user.company_id,
            current_user,
            form.external_id.data or "",
            form.partner_type.data or "",
        )
    except ValidationError as error:
        db.session.rollback()
        apply_errors(form, error)
        return page_or_fragment(
            "settings/integrations.html",
            "settings/_integrations_list.html",
            integrations=integrations.list_integrations(current_user.company_id),
            form=form,
        )
    db.session.commit()
    target = url_for("settings.integration_detail", integration_id=integration.id)
    if htmx:
        return make_response("", 204, redirect=target, trigger=toast(_("Intégration ajoutée.")))
    return redirect(target, 303)


@bp.get("/integrations/<int:integration_id>")
@login_required
@superadmin_required
def integration_detail(integration_id: int):
    integration = _integration(integration_id)
    region_only = htmx and htmx.target == "access-points"
    return page_or_fragment(
        "settings/integration.html",
        "settings/_access_points.html",
        fragment_target="access-points",
        integration=integration,
        form=None,
        editing=None,
        tested=None,
        sync_sections=_sync_sections(),
        checklist=None if region_only else checklist_of(integration),
    )


@bp.get("/integrations/<int:integration_id>/points/nouveau")
@login_required
@superadmin_required
def access_point_new(integration_id: int):
    integration = _integration(integration_id)
    form = AccessPointForm(formdata=None)
    return _points_region(integration, form=form)


@bp.get("/integrations/<int:integration_id>/points/<int:point_id>/modifier")
@login_required
@superadmin_required
def access_point_edit(integration_id: int, point_id: int):
    integration = _integration(integration_id)
    point = integrations.get_access_point(integration, point_id)
    form = AccessPointForm(formdata=None, data={"url": point.url, "username": point.username})
    return _points_region(integration, form=form, editing=point)


@bp.post("/integrations/<int:integration_id>/points", defaults={"point_id": None})
@bp.post("/integrations/<int:integration_id>/points/<int:point_id>")
@login_required
@superadmin_required
def access_point_save(integration_id: int, point_id: int | None):
    integration = _integration(integration_id)
    point = integrations.get_access_point(integration, point_id) if point_id else None
    form = AccessPointForm()
    data = integrations.AccessPointData(
        url=form.url.data or "",
        username=form.username.data or "",
        password=form.password.data or "",
        encryption_key=form.encryption_key.data or "",
        remove_encryption_key=bool(form.remove_encryption_key.data),
    )
    try:
        integrations.save_access_point(
            current_user.company_id,
            current_user,
            integration,
            data,
            point,
            allow_private=current_app.config["ALLOW_PRIVATE_ENDPOINTS"],
        )
    except ValidationError as error:
        db.session.rollback()
        integration = _integration(integration_id)
        point = integrations.get_access_point(integration, point_id) if point_id else None
        apply_errors(form, error)
        if not htmx:  # submitted before htmx wired the form: the whole page, with the errors
            return render_template(
                "settings/integration.html",
                integration=integration,
                form=form,
                editing=point,
                tested=None,
                sync_sections=_sync_sections(),
                checklist=checklist_of(integration),
            )
        return _points_region(integration, form=form, editing=point)
    db.session.commit()
    message = _("Point d'accès enregistré.") if point_id else _("Point d'accès ajouté.")
    if not htmx:
        flash(message, "success")
        return redirect(url_for("settings.integration_detail", integration_id=integration.id), 303)
    return _points_toast(integration, message)


@bp.post("/integrations/<int:integration_id>/points/<int:point_id>/defaut")
@login_required
@superadmin_required
def access_point_default(integration_id: int, point_id: int):
    integration = _integration(integration_id)
    point = integrations.get_access_point(integration, point_id)
    integrations.set_default(current_user.company_id, current_user, point)
    db.session.commit()
    return _points_toast(
        integration, _("%(url)s est maintenant le point d'accès par défaut.", url=point.url)
    )


@bp.post("/integrations/<int:integration_id>/points/<int:point_id>/supprimer")
@login_required
@superadmin_required
def access_point_delete(integration_id: int, point_id: int):
    integration = _integration(integration_id)
    point = integrations.get_access_point(integration, point_id)
    try:
        integrations.delete_access_point(current_user.company_id, current_user, point)
    except ValidationError as error:
        db.session.rollback()
        return _points_toast(_integration(integration_id), error.message, "error")
    db.session.commit()
    return _points_toast(integration, _("Point d'accès supprimé."))


@bp.post("/integrations/<int:integration_id>/points/<int:point_id>/tester")
@login_required
@superadmin_required
def access_point_test(integration_id: int, point_id: int):
    integration = _integration(integration_id)
    point = integrations.get_access_point(integration, point_id)
    report = avantage_access.test_access_point(current_user.company_id, current_user, point)
    db.session.commit()
    lang = get_locale().language
    if report["ok"]:
        message = _(
            "Connexion réussie : Avantage MainTCP %(version)s, %(company)s, "
            "aller-retour %(ms)s ms.",
            version=report["server_version"],
            company=report["company"] or "?",
            ms=formatting.number(report["round_trip_ms"], 1),
        )
        level = "success"
    else:
        error = report["error"]
        message = f"{error['message_' + lang]}\n{error['fix_' + lang]}"
        level = "error"
    return _points_toast(integration, message, level, tested=point)


@bp.get("/integrations/<int:integration_id>/guide")
@login_required
@superadmin_required
def setup_guide(integration_id: int):
    integration = _integration(integration_id)
    point = integration.default_access_point
    report = point.last_test_report if point is not None else None
    step_statuses = {step["step"]: step["status"] for step in (report or {}).get("steps", [])}
    return render_template(
        "settings/setup_guide.html",
        integration=integration,
        point=point,
        step_statuses=step_statuses,
        egress_ip=current_app.config["PORTAL_EGRESS_IP"],
        test_timeout=avantage_access.TEST_TIMEOUT,
    )
