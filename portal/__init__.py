"""The contractor portal: time tracking for Québec construction crews, linked to Avantage."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.config import ROOT, load_config
from portal.instance import prepare_folder, private_file, sqlite_file


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: embedded defaults, then the environment, then ``config`` (tests) wins."""
    instance_path = (
        (config or {}).get("INSTANCE_PATH")
        or os.environ.get("PORTAL_INSTANCE_PATH")
        or str(ROOT / "instance")
    )
    app = Flask(__name__, static_folder=str(ROOT / "static"), instance_path=instance_path)
    prepare_folder(Path(app.instance_path))
    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)
    if database_file := sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"]):
        private_file(database_file)
    if proxies := app.config["TRUSTED_PROXIES"]:
        # Only then is X-Forwarded-For believed (sign-in limits are per address).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    from portal import web
    from portal.extensions import babel, csrf, db, htmx, login_manager, mail, migrate, queue

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(
        app,
        locale_selector=web.select_locale,
        timezone_selector=web.select_time_zone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    queue.init_app(app)
    mail.init_app(app)
    web.init_app(app)

    from portal import models  # noqa: F401  (registers the models with the metadata)
    from portal.blueprints import register_blueprints

    register_blueprints(app)

    from portal.cli import register_commands

    register_commands(app)
    return app
