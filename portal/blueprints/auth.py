"""Sign in, sign out, and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from portal.extensions import db
from portal.services import auth as auth_service

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
                form.email.data,
                form.password.data,
                request.remote_addr or "",
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                window_seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"],
            )
        except auth_service.TooManyAttemptsError as exc:
            error, status = exc.message, 429
        else:
            db.session.commit()
            if user is None:
                error = _l("Courriel ou mot de passe incorrect.")
            else:
                session.clear()
                login_user(user)
                return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/deconnexion")
def logout():
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
