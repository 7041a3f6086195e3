"""A sync run's live progress (polled by htmx) and its Annuler button."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale
from flask_htmx import make_response
from flask_login import current_user, login_required

from portal import jobs
from portal.blueprints.access import superadmin_required
from portal.blueprints.rendering import csv_download
from portal.models import RunStatus, SyncRun
from portal.services import run_notes, run_summary, runs, spreadsheet
from portal.web import toast

bp = Blueprint("runs", __name__, url_prefix="/synchro/executions")


@bp.record_once
def _template_globals(state) -> None:
    """A run's counts and details read the same on every page that shows a run."""
    state.app.jinja_env.globals.update(run_summary=run_summary, run_notes=run_notes)


#: htmx stops polling when a response has this status.
STOP_POLLING = 286


def summary_toast(run: SyncRun) -> dict:
    """The toast that ends a run: its summary, or what went wrong."""
    if run.status == RunStatus.SUCCEEDED:
        return toast(run_summary.status_text(run), "warning" if run.warnings else "success")
    if run.status == RunStatus.CANCELLED:
        return toast(run_summary.status_text(run), "warning")
    lang = get_locale().language
    error = run.error or {}
    return toast(
        f"{error.get('message_' + lang, '')}\n{error.get('fix_' + lang, '')}".strip()
        or run.status.label,
        "error",
    )


def render_progress(run: SyncRun, *, polling: bool):
    """The progress partial; when a polled run has ended: status 286 and the summary toast."""
    announce = request.args.get("said") != run_summary.status_key(run)
    body = render_template("partials/run_progress.html", run=run, announce=announce)
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


def _section_url(run: SyncRun) -> str:
    """The page of the run's section (a company section, or a project's)."""
    from portal.blueprints import company_sync
    from portal.blueprints.project_admin import integration

    if run.project_id is not None:
        slugs = {section: slug for slug, section in integration.SECTIONS.items()}
        return url_for(
            "project_admin.sync_section",
            project_id=run.project_id,
            integration_id=run.integration_id,
            slug=slugs[run.section],
        )
    slugs = {section: slug for slug, section in company_sync.SECTIONS.items()}
    return url_for(
        "company_sync.section", integration_id=run.integration_id, slug=slugs[run.section]
    )


@bp.get("/<int:run_id>/details")
@login_required
@superadmin_required
def details(run_id: int):
    """One run of the history: its counts, duration, error, and its details with their CSV."""
    run = jobs.refresh(runs.get_run(current_user.company_id, run_id))
    return render_template("runs/details.html", run=run, section_url=_section_url(run))


@bp.get("/<int:run_id>/details.csv")
@login_required
@superadmin_required
def details_csv(run_id: int):
    """Every stored note of the run, streamed: rows are read from the database a chunk at a
    time while they are sent. French uses « ; » between cells, as its spreadsheets expect."""
    run = runs.get_run(current_user.company_id, run_id)
    chosen = spreadsheet.dialect(str(get_locale()))
    chunks = run_notes.csv_lines(run, chosen)
    return csv_download(chunks, f"synchronisation-{run.section.value}-{run.id}")
