"""Timesheet lines: ADD_LINES shape checks, COMMIT_BATCH rejection rules, rates and amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from portal.avantage.protocol import (
    DATE_RE,
    RejectionCode,
    format_decimal,
    is_decimal_string,
    parse_decimal,
)
from portal.avantage.simulator.dataset import Dataset
from portal.avantage.simulator.request import invalid
from portal.avantage.simulator.reversal import (
    FindOriginal,
    LineRejected,
    check_reversal_shape,
    reversal_entry,
)

HOURS_LINE_FIELDS = frozenset(
    {"line", "kind", "employee", "date", "project", "activity", "trade", "hour_type", "hours"}
)
EARNING_LINE_FIELDS = frozenset(
    {"line", "kind", "employee", "date", "project", "activity", "earning"}
)
VALUE_FIELDS = ("amount", "quantity", "hours")
CODE_FIELDS = ("employee", "project", "activity", "trade", "hour_type", "earning")
#: Most hours one employee can have on one date, counting what is already posted.
MAX_DAY_HOURS = Decimal(24)

DayHours = dict[tuple[str, str], Decimal]


def check_line_shape(index: int, line: object, dataset: Dataset, *, reversal: bool) -> int:
    """Raise INVALID naming the line and field unless ``line`` is well formed; return its number.
    Reversal lines are allowed only when the server announces the feature (``reversal``)."""
    if not isinstance(line, dict):
        raise invalid(f"lines[{index}]", "must be an object")
    number = line.get("line")
    if type(number) is not int or number < 1:
        raise invalid(f"lines[{index}].line", "must be a positive integer")
    where = f"line {number}"
    kind = line.get("kind")
    if kind == "hours":
        expected = HOURS_LINE_FIELDS
    elif kind == "earning":
        expected = EARNING_LINE_FIELDS | {_earning_value_field(where, line, dataset)}
    elif kind == "reversal" and reversal:
        check_reversal_shape(where, line)
        return number
    else:
        kinds = '"hours", "earning" or "reversal"' if reversal else '"hours" or "earning"'
        raise invalid(f"{where}, kind", f"must be {kinds}")
    extra, missing = sorted(line.keys() - expected), sorted(expected - line.keys())
    if extra:
        raise invalid(f"{where}, {extra[0]}", f"field not allowed in a {kind} line")
    if missing:
        raise invalid(f"{where}, {missing[0]}", "field is missing")
    for name in CODE_FIELDS:
        if name in expected and (not isinstance(line[name], str) or not line[name].strip()):
            raise invalid(f"{where}, {name}", "must be a non-empty string")
    if not _is_date(line["date"]):
        raise invalid(f"{where}, date", "must be a date YYYY-MM-DD")
    for name in VALUE_FIELDS:
        if name in expected and not is_decimal_string(line[name]):
            raise invalid(f"{where}, {name}", 'must be a decimal string such as "8.00"')
    return number


def _earning_value_field(where: str, line: dict[str, Any], dataset: Dataset) -> str:
    present = [name for name in VALUE_FIELDS if name in line]
    earning = dataset.get("earnings", line.get("earning"))
    if earning is not None:
        kind = earning["kind"]
        for name in present:
            if name != kind:
                raise invalid(
                    f"{where}, {name}",
                    f"earning {earning['code']} is of kind {kind}: send '{kind}'",
                )
        return kind
    if len(present) != 1:
        raise invalid(f"{where}, amount/quantity/hours", "exactly one value field is required")
    return present[0]


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or not DATE_RE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def evaluate_lines(
    lines: list[dict[str, Any]], dataset: Dataset, posted_hours: DayHours, find: FindOriginal
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Price each line: (entries that would post, rejections ``{line, code, message}``), both in
    line order. Reversals go first, so that the 24-hour rule counts the day's net hours after
    the batch's reversals."""
    outcomes: dict[int, dict[str, Any] | LineRejected] = {}
    day_hours: DayHours = dict(posted_hours)
    reversed_here: set[tuple[str, int]] = set()
    with dataset.lock:
        for line in (line for line in lines if line["kind"] == "reversal"):
            try:
                entry = reversal_entry(line, find, reversed_here)
            except LineRejected as rejection:
                outcomes[line["line"]] = rejection
                continue
            reversed_here.add((line["batch"], line["reverses"]))
            outcomes[line["line"]] = entry
            _count_day(day_hours, entry)
        for line in (line for line in lines if line["kind"] != "reversal"):
            try:
                entry = price_line(line, dataset, day_hours)
            except LineRejected as rejection:
                outcomes[line["line"]] = rejection
                continue
            outcomes[line["line"]] = entry
            _count_day(day_hours, entry)
    accepted, rejected = [], []
    for number in sorted(outcomes):
        outcome = outcomes[number]
        if isinstance(outcome, LineRejected):
            rejected.append({"line": number, "code": str(outcome.code), "message": outcome.message})
        else:
            accepted.append(outcome)
    return accepted, rejected


def _count_day(day_hours: DayHours, entry: dict[str, Any]) -> None:
    if entry["kind"] == "hours":
        day = (entry["employee"], entry["date"])
        day_hours[day] = day_hours.get(day, Decimal(0)) + Decimal(entry["hours"])


def price_line(line: dict[str, Any], dataset: Dataset, day_hours: DayHours) -> dict[str, Any]:
    employee = dataset.get("employees", line["employee"])
    if employee is None:
        raise LineRejected(
            RejectionCode.UNKNOWN_EMPLOYEE, f"Employé « {line['employee']} » inconnu dans Avantage"
        )
    if not employee["active"]:
        raise LineRejected(
            RejectionCode.INACTIVE_EMPLOYEE, f"Employé « {line['employee']} » inactif"
        )
    project = dataset.get("projects", line["project"])
    if project is None:
        raise LineRejected(RejectionCode.UNKNOWN_PROJECT, f"Projet « {line['project']} » inconnu")
    if project["status"] == "closed":
        raise LineRejected(RejectionCode.CLOSED_PROJECT, f"Projet « {line['project']} » fermé")
    if dataset.get("activities", (line["project"], line["activity"])) is None:
        raise LineRejected(
            RejectionCode.UNKNOWN_ACTIVITY,
            f"Activité « {line['activity']} » absente du projet {line['project']}",
        )
    if line["kind"] == "hours":
        rate, amount = _price_hours(line, employee, dataset, day_hours)
    else:
        rate, amount = _price_earning(line, dataset)
    return {**line, "rate": rate, "amount": format_decimal(amount)}


def _price_hours(
    line: dict[str, Any], employee: dict[str, Any], dataset: Dataset, day_hours: DayHours
) -> tuple[str, Decimal]:
    trade = dataset.get("trades", line["trade"])
    if trade is None:
        raise LineRejected(RejectionCode.UNKNOWN_TRADE, f"Métier « {line['trade']} » inconnu")
    hour_type = dataset.get("hour_types", line["hour_type"])
    if hour_type is None:
        raise LineRejected(
            RejectionCode.UNKNOWN_HOUR_TYPE, f"Type d'heures « {line['hour_type']} » inconnu"
        )
    hours = parse_decimal(line["hours"])
    if hours <= 0:
        raise LineRejected(
            RejectionCode.INVALID_HOURS,
            f"Heures invalides ({line['hours']}) : elles doivent dépasser zéro",
        )
    day_total = day_hours.get((line["employee"], line["date"]), Decimal(0)) + hours
    if day_total > MAX_DAY_HOURS:
        raise LineRejected(
            RejectionCode.INVALID_HOURS,
            f"Plus de 24 heures le {line['date']} pour l'employé « {line['employee']} » "
            f"({format_decimal(day_total)} h au total)",
        )
    competency = employee["competency"]
    own_trade = dataset.get("trades", employee["trade"]) or {"rates": {}}
    rate_text = trade["rates"].get(competency) or own_trade["rates"].get(competency)
    if rate_text is None:
        raise LineRejected(
            RejectionCode.UNKNOWN_TRADE,
            f"Aucun taux {competency} pour le métier « {line['trade']} »",
        )
    rate = Decimal(rate_text)
    return rate_text, hours * rate * Decimal(hour_type["multiplier"])


def _price_earning(line: dict[str, Any], dataset: Dataset) -> tuple[str | None, Decimal]:
    earning = dataset.get("earnings", line["earning"])
    if earning is None or earning["kind"] not in line:
        raise LineRejected(
            RejectionCode.UNKNOWN_EARNING, f"Gain additionnel « {line['earning']} » inconnu"
        )
    value = parse_decimal(line[earning["kind"]])
    if earning["kind"] == "amount":
        return None, value
    if earning["kind"] == "hours" and value <= 0:
        raise LineRejected(
            RejectionCode.INVALID_HOURS,
            f"Heures invalides ({line['hours']}) : elles doivent dépasser zéro",
        )
    return earning["rate"], value * Decimal(earning["rate"])
