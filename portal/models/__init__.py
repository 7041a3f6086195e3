"""The SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from portal.models import guards  # noqa: F401  (registers the flush-time invariants)
from portal.models.audit import AuditEvent, LoginAttempt
from portal.models.base import db
from portal.models.company import PLACEHOLDER_EMAIL_DOMAIN, Company, User
from portal.models.correction import TimesheetRevision
from portal.models.enums import (
    ExpenseKind,
    Licence,
    ProjectStatus,
    PurchaseOrderStatus,
    TimesheetPermission,
    TimesheetStatus,
)
from portal.models.export import BatchStatus, ExportBatch, ExportLine
from portal.models.integration import AccessPoint, Integration, PartnerType
from portal.models.notification import Notification
from portal.models.purchasing import Supplier
from portal.models.reconciliation import (
    DifferenceKind,
    Reconciliation,
    ReconciliationDifference,
    ReconciliationStatus,
)
from portal.models.schedule import ScheduleMode, SyncSchedule
from portal.models.sync import (
    LinkMethod,
    RecordLink,
    RemoteRecord,
    RunStatus,
    SyncRun,
    SyncRunNote,
    SyncSection,
)
from portal.models.timesheet import ExpenseLine, HourLine, Timesheet
from portal.models.work import Activity, ExpenseType, HourType, Project, Trade

__all__ = [
    "PLACEHOLDER_EMAIL_DOMAIN",
    "AccessPoint",
    "Activity",
    "AuditEvent",
    "BatchStatus",
    "Company",
    "DifferenceKind",
    "ExpenseKind",
    "ExpenseLine",
    "ExpenseType",
    "ExportBatch",
    "ExportLine",
    "HourLine",
    "HourType",
    "Integration",
    "Licence",
    "LinkMethod",
    "LoginAttempt",
    "Notification",
    "PartnerType",
    "Project",
    "ProjectStatus",
    "PurchaseOrderStatus",
    "Reconciliation",
    "ReconciliationDifference",
    "ReconciliationStatus",
    "RecordLink",
    "RemoteRecord",
    "RunStatus",
    "ScheduleMode",
    "Supplier",
    "SyncRun",
    "SyncRunNote",
    "SyncSchedule",
    "SyncSection",
    "Timesheet",
    "TimesheetPermission",
    "TimesheetRevision",
    "TimesheetStatus",
    "Trade",
    "User",
    "db",
]
