"""Sign in, sign out, and the language switch."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import refresh
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from portal import jobs, session_lifetime
from portal.blueprints.forms import apply_errors
from portal.errors import ValidationError
from portal.extensions import db
from portal.i18n import lazy_gettext as _l
from portal.services import auth as auth_service
from portal.services import password_reset

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Courriel"), validators=[InputRequired(_l("Entrez votre courriel.")), Length(max=254)]
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[InputRequired(_l("Entrez votre mot de passe.")), Length(max=200)],
    )


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never an absolute URL (open redirect)."""
    if not target:
        return url_for("timesheets.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("timesheets.index")
    return target


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("timesheets.index"))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            user = auth_service.authenticate(
                form.email.data, form.password.data, request.remote_addr or ""
            )
        except auth_service.TooManyAttemptsError as exc:
            error, status = exc.message, 429
        else:
            db.session.commit()
            if user is None:
                error = _l("Courriel ou mot de passe incorrect.")
            else:
                session_lifetime.start(user)
                return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/deconnexion")
def logout():
    """End the session everywhere: the old cookie (or a copy of it) opens nothing any more."""
    if current_user.is_authenticated:
        current_user.rotate_login_token()
        db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/langue")
def set_language():
    locale = request.form.get("locale")
    if locale in current_app.config["SUPPORTED_LOCALES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
        refresh()
    return redirect(_safe_next(request.form.get("next")))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Courriel"), validators=[InputRequired(_l("Entrez votre courriel.")), Length(max=254)]
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("Nouveau mot de passe"))
    confirmation = PasswordField(_l("Retapez-le"))


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
def forgot_password():
    """Ask for a link by e-mail; the answer is the same whether the account exists or not."""
    form, sent, error, status = ForgotPasswordForm(), False, None, 200
    if password_reset.email_available() and form.validate_on_submit():
        try:
            user_id = password_reset.user_to_email(form.email.data, request.remote_addr or "")
        except auth_service.TooManyAttemptsError as exc:
            error, status = exc.message, 429
        else:
            if user_id is not None:
                with contextlib.suppress(jobs.QueueUnavailableError):  # logged; same answer
                    jobs.start_password_email(user_id)
            sent = True
    return render_template(
        "auth/forgot_password.html",
        form=form,
        sent=sent,
        error=error,
        email_available=password_reset.email_available(),
    ), status


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a password through a one-time link; then sign in with it."""
    form = ResetPasswordForm()
    try:
        user = password_reset.user_for_token(token)
        if form.validate_on_submit():
            password_reset.reset_password(
                token, form.password.data or "", form.confirmation.data or ""
            )
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash(_l("Mot de passe enregistré. Connectez-vous avec votre nouveau mot de passe."))
            return redirect(url_for("auth.login"), 303)
    except password_reset.InvalidResetLinkError as exc:
        return render_template("auth/reset_password.html", form=None, error=exc.message), 410
    except ValidationError as exc:
        db.session.rollback()
        apply_errors(form, exc)
    return render_template("auth/reset_password.html", form=form, user=user, error=None)
