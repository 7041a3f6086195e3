"""Tout synchroniser: every section in turn, as one chain of runs."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_htmx import make_response
from flask_login import current_user, login_required

from portal import jobs
from portal.blueprints.access import superadmin_required
from portal.blueprints.company_sync import SECTIONS, bp
from portal.blueprints.rendering import fragment_with_toast, page_or_fragment
from portal.blueprints.runs import STOP_POLLING
from portal.errors import PortalError
from portal.extensions import htmx
from portal.models import SyncRun
from portal.services import integrations, run_summary, sync_chain
from portal.web import toast


@bp.app_template_global("sync_chain_order")
def sync_chain_order() -> str:
    """The sections of Tout synchroniser, in the order it runs them."""
    return ", ".join(str(section.label) for section in sync_chain.ORDER)


def _chain_toast(chain: list[SyncRun]) -> dict:
    """The toast that ends a chain: all done, or where it stopped."""
    level = "success" if sync_chain.broken_link(chain) is None else "error"
    return toast(run_summary.chain_status_text(chain), level)


@bp.get("/tout")
@login_required
@superadmin_required
def chain(integration_id: int):
    """Tout synchroniser: the last chain, a section per line (polled by htmx while it runs;
    status 286 and a toast once it is over)."""
    integration = integrations.get_integration(current_user.company_id, integration_id)
    runs_of_chain = jobs.refresh_chain(sync_chain.latest_chain(integration))
    body = page_or_fragment(
        "company_sync/chain.html",
        "company_sync/_chain_progress.html",
        fragment_target="sync-chain",
        integration=integration,
        chain=runs_of_chain,
        sections=SECTIONS,
        # A poll tells what the live region says; the first load of the region does not
        # speak (its text is the page's own, not news).
        announce=request.args.get("poll") == "1"
        and request.args.get("said") != run_summary.chain_status_key(runs_of_chain),
    )
    over = not any(run.status.active for run in runs_of_chain)
    if request.args.get("poll") == "1" and runs_of_chain and over:
        return make_response(body, STOP_POLLING, trigger=_chain_toast(runs_of_chain))
    return body


@bp.post("/tout")
@login_required
@superadmin_required
def start_all(integration_id: int):
    integration = integrations.get_integration(current_user.company_id, integration_id)
    try:
        runs_of_chain = jobs.start_chain(integration, current_user)
    except PortalError as error:
        if htmx:
            return fragment_with_toast(
                "company_sync/_chain_progress.html",
                error.message,
                "error",
                integration=integration,
                chain=sync_chain.latest_chain(integration),
                error_message=error.message,
            )
        raise
    if not htmx:
        return redirect(url_for("company_sync.chain", integration_id=integration_id), 303)
    return render_template(
        "company_sync/_chain_progress.html",
        integration=integration,
        chain=runs_of_chain,
        announce=True,
    )
