"""The record of connection steps (resolve → login) that a diagnostics panel draws."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portal.avantage.errors import Step

#: The steps a connection goes through, in order.
CONNECTION_STEPS = (Step.RESOLVE, Step.CONNECT, Step.GREETING, Step.ENCRYPTION, Step.LOGIN)


class StepStatus(StrEnum):
    """How far a connection step went."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_REACHED = "not_reached"


@dataclass(frozen=True)
class StepResult:
    """One row of the diagnostics panel."""

    step: Step
    status: StepStatus
    detail: str = ""


class StepLog:
    """Collects the status of each connection step of the latest connection attempt."""

    def __init__(self) -> None:
        self._results: dict[Step, StepResult] = {}
        self.reset()

    def reset(self) -> None:
        """Start a new attempt: every step not reached."""
        self._results = {
            step: StepResult(step, StepStatus.NOT_REACHED) for step in CONNECTION_STEPS
        }

    def passed(self, step: Step, detail: str = "") -> None:
        """Mark ``step`` passed."""
        self._results[step] = StepResult(step, StepStatus.PASSED, detail)

    def failed(self, step: Step, detail: str = "") -> None:
        """Mark ``step`` failed (steps outside the connection, such as ``request``, are ignored)."""
        if step in self._results:
            self._results[step] = StepResult(step, StepStatus.FAILED, detail)

    def results(self) -> list[StepResult]:
        """The steps in order."""
        return list(self._results.values())
