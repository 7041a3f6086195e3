"""Request-wide behaviour: locale, sign-in gate, error pages, security headers, template helpers."""

from __future__ import annotations

import json
import math
from datetime import datetime

import sqlalchemy as sa
from flask import Flask, current_app, g, has_request_context, render_template, request, session
from flask_babel import get_locale
from flask_htmx import make_response
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import DetachedInstanceError

from portal import formatting, i18n, jobs, session_lifetime
from portal.errors import NotFoundError, PermissionDeniedError, PortalError
from portal.extensions import db, htmx, login_manager
from portal.i18n import gettext as _
from portal.models import Company, User
from portal.models.base import utcnow

#: Endpoints reachable without signing in.
PUBLIC_ENDPOINTS = frozenset(
    {
        "auth.login",
        "auth.set_language",
        "auth.forgot_password",
        "auth.reset_password",
        "static",
    }
)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def select_locale() -> str:
    """The user's chosen language; French (Québec) otherwise, and outside requests (jobs, CLI)."""
    supported = current_app.config["SUPPORTED_LOCALES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen not in supported and current_user and current_user.is_authenticated:
        chosen = current_user.locale
    return chosen if chosen in supported else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_time_zone() -> str:
    """Times are shown in the signed-in user's company's time zone (Québec's otherwise).

    Read by the company's id, once per request: a streamed response (a CSV) formats its
    times after the request's session is gone, when a lazy load of the user's company fails.
    """
    default = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if not (has_request_context() and current_user and current_user.is_authenticated):
        return default
    if "company_time_zone" not in g:
        loaded = sa.inspect(current_user).attrs.company.loaded_value
        try:  # already read (the page header names the company): no second query
            zone = loaded.time_zone if isinstance(loaded, Company) else None
        except DetachedInstanceError:
            zone = None
        g.company_time_zone = zone or db.session.scalar(
            sa.select(Company.time_zone).where(Company.id == current_user.company_id)
        )
    return g.company_time_zone or default


@login_manager.user_loader
def load_user(token: str) -> User | None:
    user = db.session.scalar(db.select(User).where(User.login_token == token))
    return user if user is not None and user.active else None


@login_manager.unauthorized_handler
def unauthorized():
    from flask import redirect, url_for

    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if htmx:
        return make_response("", 401, redirect=target)
    return redirect(target)


def toast(message: str, level: str = "success") -> dict:
    """The ``HX-Trigger`` payload that static/app.js shows as a toast."""
    return {"toast": {"level": level, "message": str(message)}}


def _error_response(status: int, title: str, message: str):
    if htmx:
        return make_response(str(message), status, trigger=toast(message, "error"))
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes():
        """A NUL character is never meant (PostgreSQL refuses it in text): say so up front."""
        fields = [*request.args.lists(), *(request.form.lists() if request.form else [])]
        if any("\x00" in value for _name, values in fields for value in values):
            return _error_response(
                400,
                _("Caractère invalide"),
                _(
                    "La requête contient un caractère invalide (NUL). Retapez la valeur et "
                    "réessayez."
                ),
            )
        return None

    session_lifetime.configure(app)

    @app.before_request
    def require_sign_in():
        if current_user.is_authenticated:
            if session_lifetime.expired():
                logout_user()
                session.clear()
            elif request.endpoint != "static":  # a stylesheet is not activity
                session_lifetime.touch()
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        response.vary.add("HX-Request")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(PermissionDeniedError)
    def forbidden(error: PermissionDeniedError):
        return _error_response(403, _("Accès refusé"), error.message)

    @app.errorhandler(NotFoundError)
    def not_found(error: NotFoundError):
        return _error_response(404, _("Introuvable"), error.message)

    @app.errorhandler(PortalError)
    def portal_error(error: PortalError):
        return _error_response(409, _("Opération impossible"), error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _error_response(
            400,
            _("Formulaire expiré"),
            _(
                "Le formulaire a expiré ou ne vient pas de cette page. "
                "Rechargez la page et réessayez."
            ),
        )

    @app.errorhandler(400)
    def bad_request(error):
        return _error_response(
            400,
            _("Requête invalide"),
            _("La requête contient une valeur invalide. Rechargez la page et réessayez."),
        )

    @app.errorhandler(403)
    def http_forbidden(error):
        return _error_response(
            403, _("Accès refusé"), _("Vous n'avez pas la permission d'ouvrir cette page.")
        )

    @app.errorhandler(404)
    def http_not_found(error):
        return _error_response(
            404,
            _("Page introuvable"),
            _("Cette page n'existe pas. Vérifiez l'adresse ou revenez à l'accueil."),
        )

    @app.errorhandler(413)
    def too_large(error):
        return _error_response(
            413,
            _("Envoi trop volumineux"),
            _("Ce formulaire contient beaucoup trop de données. Vérifiez ce que vous avez collé."),
        )

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _error_response(
            405,
            _("Opération non permise"),
            _("Cette adresse ne s'utilise pas ainsi. Revenez à la page précédente."),
        )

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _error_response(
            500,
            _("Erreur du serveur"),
            _(
                "Une erreur inattendue s'est produite; rien n'a été enregistré. "
                "Réessayez, et si le problème persiste, contactez le soutien."
            ),
        )

    app.jinja_env.globals.update(get_locale=get_locale, queue_pickup=jobs.pickup)
    i18n.init_app(app)
    app.jinja_env.filters.update(
        formatting.FILTERS,
        tojson_attr=lambda value: json.dumps(value, ensure_ascii=False),
        seconds_until=seconds_until,
        seconds_since=seconds_since,
    )


def seconds_since(value: datetime | None) -> int:
    """Whole seconds from ``value`` to now (0 for none, or one in the future)."""
    if value is None:
        return 0
    return max(0, int((utcnow() - value).total_seconds()))


def seconds_until(value: datetime | None) -> int:
    """Whole seconds from now to ``value`` (0 once it has passed)."""
    if value is None:
        return 0
    return max(0, math.ceil((value - utcnow()).total_seconds()))
