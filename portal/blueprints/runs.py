"""A sync run's live progress (polled by htmx) and its Annuler button."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_htmx import make_response
from flask_login import current_user, login_required

from portal import jobs
from portal.blueprints.access import superadmin_required
from portal.models import RunStatus, SyncRun
from portal.services import runs
from portal.web import toast

bp = Blueprint("runs", __name__, url_prefix="/synchro/executions")

#: htmx stops polling when a response has this status.
STOP_POLLING = 286


def summary_toast(run: SyncRun) -> dict:
    """The toast that ends a run: its summary, or what went wrong."""
    section = run.section.label
    if run.status == RunStatus.SUCCEEDED:
        if run.preview:
            message = _(
                "Aperçu %(section)s : %(c)d à créer, %(l)d à lier, %(u)d à mettre à "
                "jour, %(w)d avertissement(s). Rien n'a été écrit.",
                section=section,
                c=run.created,
                l=run.linked,
                u=run.updated,
                w=run.warnings,
            )
        else:
            message = _(
                "Synchronisation %(section)s terminée : %(c)d créé(s), %(l)d lié(s), "
                "%(u)d mis à jour, %(n)d inchangé(s), %(w)d avertissement(s).",
                section=section,
                c=run.created,
                l=run.linked,
                u=run.updated,
                n=run.unchanged,
                w=run.warnings,
            )
        return toast(message, "warning" if run.warnings else "success")
    if run.status == RunStatus.CANCELLED:
        return toast(
            _(
                "Synchronisation %(section)s annulée; ce qui a été enregistré est conservé.",
                section=section,
            ),
            "warning",
        )
    lang = get_locale().language
    error = run.error or {}
    return toast(
        f"{error.get('message_' + lang, '')}\n{error.get('fix_' + lang, '')}".strip()
        or run.status.label,
        "error",
    )


def render_progress(run: SyncRun, *, polling: bool):
    """The progress partial; when a polled run has ended: status 286 and the summary toast."""
    body = render_template("partials/run_progress.html", run=run)
    if polling and not run.status.active:
        # The toast, and an event the section's console and history refresh on.
        return make_response(
            body, STOP_POLLING, trigger={**summary_toast(run), "sync-finished": run.id}
        )
    return body


@bp.get("/<int:run_id>")
@login_required
@superadmin_required
def progress(run_id: int):
    run = jobs.refresh(runs.get_run(current_user.company_id, run_id))
    return render_progress(run, polling=request.args.get("poll") == "1")


@bp.post("/<int:run_id>/annuler")
@login_required
@superadmin_required
def cancel(run_id: int):
    run = runs.get_run(current_user.company_id, run_id)
    jobs.cancel_sync(run, current_user)
    return render_progress(run, polling=True)
