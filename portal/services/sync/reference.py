"""Type d'heures and Dépenses et primes: Avantage's lists, auto-mapped on the code when the
portal has the same code (and, for earnings, the same kind); the grids do the rest."""

from __future__ import annotations

from typing import Any

from portal.models import ExpenseType, HourType, SyncSection
from portal.services.sync.coded import CodedSync


class HourTypeSync(CodedSync):
    section = SyncSection.HOUR_TYPES
    model = HourType


class EarningSync(CodedSync):
    section = SyncSection.EARNINGS
    model = ExpenseType

    def compatible(self, local: ExpenseType, item: dict[str, Any]) -> bool:
        return local.kind.value == item.get("kind")
