"""HTTP: one blueprint module (or package) per screen area."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from portal.blueprints import (
        audit_journal,
        auth,
        company_sync,
        history,
        notifications,
        project_admin,
        runs,
        settings,
        timesheets,
    )

    app.register_blueprint(auth.bp)
    app.register_blueprint(settings.bp)
    app.register_blueprint(project_admin.bp)
    app.register_blueprint(timesheets.bp)
    app.register_blueprint(company_sync.bp)
    app.register_blueprint(runs.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(history.bp)
    app.register_blueprint(audit_journal.bp)

    @app.get("/")
    def home():
        from flask import redirect, url_for

        return redirect(url_for("timesheets.index"))
