"""Synchroniser: one module per section, all run by ``engine.run_section``."""

from __future__ import annotations

from portal.models import SyncSection
from portal.services.sync.engine import PAGE_SIZE, SectionSync, run_section


def section_sync(section: SyncSection) -> SectionSync:
    """The sync of ``section``."""
    from portal.services.sync import (
        activities,
        budget,
        employees,
        projects,
        purchase_orders,
        reference,
        suppliers,
        trades,
    )

    syncs = {
        SyncSection.EMPLOYEES: employees.EmployeeSync,
        SyncSection.TRADES: trades.TradeSync,
        SyncSection.PROJECTS: projects.ProjectListSync,
        SyncSection.HOUR_TYPES: reference.HourTypeSync,
        SyncSection.EARNINGS: reference.EarningSync,
        SyncSection.ACTIVITIES: activities.ActivitySync,
        SyncSection.BUDGET: budget.BudgetSync,
        SyncSection.SUPPLIERS: suppliers.SupplierSync,
        SyncSection.PURCHASE_ORDERS: purchase_orders.PurchaseOrderSync,
    }
    return syncs[section]()


__all__ = ["PAGE_SIZE", "SectionSync", "run_section", "section_sync"]
