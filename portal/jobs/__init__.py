"""RQ entry points, and the only package that talks to RQ.

Jobs take ids only (never a secret), open an app context, take their run or batch under a
lease, build a client from the integration's default access point, call a service, and
record the outcome. RQ finds them by these dotted paths (``portal.jobs.run_sync``…).
"""

from portal.jobs.chain_jobs import refresh_chain, run_chained_sync, start_chain
from portal.jobs.export_jobs import refresh_export, run_export, start_export
from portal.jobs.mail_jobs import send_password_email, start_password_email
from portal.jobs.notify_jobs import run_notifications, send_notification_email
from portal.jobs.queueing import QueueUnavailableError, export_job_id, pickup, sync_job_id
from portal.jobs.reaper import reap, refresh_reconciliation
from portal.jobs.reconcile_jobs import (
    run_daily_reconciliation,
    run_reconciliation,
    start_reconciliation,
)
from portal.jobs.schedule_jobs import run_due_schedules
from portal.jobs.sync_jobs import cancel_sync, refresh, run_sync, start_sync

__all__ = [
    "QueueUnavailableError",
    "cancel_sync",
    "export_job_id",
    "pickup",
    "reap",
    "refresh",
    "refresh_chain",
    "refresh_export",
    "refresh_reconciliation",
    "run_chained_sync",
    "run_daily_reconciliation",
    "run_due_schedules",
    "run_export",
    "run_notifications",
    "run_reconciliation",
    "run_sync",
    "send_notification_email",
    "send_password_email",
    "start_chain",
    "start_export",
    "start_password_email",
    "start_reconciliation",
    "start_sync",
    "sync_job_id",
]
