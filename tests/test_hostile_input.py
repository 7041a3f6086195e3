"""Hostile input never fails the server: every route of the url map gets a table of hostile
values in every field it reads, and must answer below 500 (a message, a 404, a 400…).

The requests are the cases of ``tests/authz_table.py`` (real ids of one company), sent by a
Superadmin with timesheet Admin (public routes: signed out). A first, valid request records
which query and form fields the route reads; each of those then gets each hostile value of its
kind in turn, the others staying valid. One more request sends every value, as the same field
many times, in every field any form of the app or the generic names below could read; then
the free-text segments of the path get theirs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from urllib.parse import parse_qsl, urlsplit

import pytest
import wtforms
from flask import Flask, Request, got_request_exception
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import UnicodeConverter
from werkzeug.test import TestResponse

from portal.blueprints.forms import parse_id
from portal.blueprints.timesheets.forms import parse_day
from portal.extensions import db
from portal.models import ExpenseLine
from tests.authz_table import CASES, HTMX, Case, World, hx, post

#: Names a form may read beyond those the valid request shows (a branch it did not take).
GENERIC_FIELDS = (
    *("kind", "status", "statut", "licence", "timesheet_permission", "page", "q", "date"),
    "recherche",
    *("project_id", "activity_id", "trade_id", "hour_type_id", "expense_type_id"),
    *("hours", "amount", "quantity", "value", "integration", "sheet", "next"),
)
#: The field left out of the request altogether.
MISSING = "<missing>"
LONG = "x" * 10_000
#: The values that can fool the parser of each kind of field (the kind its valid value shows).
BY_KIND = {
    "number": (
        *("bogus", "", "-1", "0", "99999999999999999999", "1e309", "NaN", "Infinity"),
        "１２",  # full-width digits
        "²",  # a digit for str.isdigit(), not for int()
        LONG,
    ),
    "day": (
        *("bogus", "", "0", "99999999999999999999", "１２", LONG),
        *("2026-02-30", "9999-12-31", "0001-01-01"),
    ),
    "text": (
        *("bogus", "", "１２", "²", LONG),
        "\u202e",  # right-to-left override
        *("' OR 1=1 --", "<script>alert(1)</script>"),
    ),
}
#: Every hostile string; a field whose valid value is empty or absent gets them all.
STRINGS = tuple(dict.fromkeys(value for values in BY_KIND.values() for value in values))


def hostile_values(valid: str | None, kind: str | None = None) -> tuple[str, ...]:
    """What to try in a field: the table of the kind its valid value shows (else ``kind``,
    from its form field; else all), and the field left out (``everywhere`` sends each field
    many times)."""
    if valid and re.fullmatch(r"\d{4}-\d{2}-\d{2}", valid):
        kind = "day"
    elif valid and re.fullmatch(r"-?\d+(?:[.,]\d+)?", valid):
        kind = "number"
    elif valid:
        kind = "text"
    return (*BY_KIND.get(kind, STRINGS), MISSING)


class HostileWorld(World):
    """The authorization table's world, with an expense line on the actor's draft."""

    @cached_property
    def own_expense(self) -> ExpenseLine:
        sheet, work = self.own_draft, self.work
        line = ExpenseLine(
            timesheet=sheet,
            work_date=sheet.week_start,
            project=work["project"],
            activity=work["formwork"],
            expense_type=work["km"],
            quantity=Decimal(42),
        )
        db.session.add(line)
        db.session.commit()
        return line


def expense_fields(prefix: str = "expense-new", day: str = "{new_week}") -> dict:
    """A valid expense line form: 42 km on ``day``."""
    return {
        f"{prefix}-work_date": day,
        f"{prefix}-project_id": "{project.id}",
        f"{prefix}-activity_id": "{formwork.id}",
        f"{prefix}-expense_type_id": "{km.id}",
        f"{prefix}-value": "42",
    }


KM_TYPE = {"code": "KM", "name": "Kilométrage", "kind": "quantity", "unit": "km", "active": "y"}
#: Forms the authorization table has no case for (it needs one request per rule, not per form).
EXTRA_CASES = [
    post("settings.catalog_create", "manager", "/parametres/depenses-primes",
         {**KM_TYPE, "code": "STAT", "kind": "amount"}, headers=hx("catalog-list"),
         variant="depenses-primes"),
    post("settings.catalog_update", "manager", "/parametres/depenses-primes/{km.id}",
         KM_TYPE, headers=HTMX, variant="depenses-primes"),
    # As the browser sends them (htmx, aimed at their region): the hour lines send pages.
    post("timesheets.line_create", "signed_in",
         "/feuilles-de-temps/employes/{me.id}/{new_week}/depenses", expense_fields(),
         headers=hx("expense-lines"), variant="depenses"),
    post("timesheets.line_update", "signed_in",
         "/feuilles-de-temps/{own_draft.id}/depenses/{own_expense.id}",
         expense_fields("expense-{own_expense.id}", "{draft_week}"),
         headers=hx("expense-{own_expense.id}"), variant="depenses"),
]  # fmt: skip
#: Variants of the table that would repeat another case's requests here.
REDUNDANT = {
    "settings.catalog_create[htmx]": "types-heures (a page) and depenses-primes (htmx) remain",
    "company_sync.section[htmx console]": "the page holds the same console and filters",
}


def _hostile_cases() -> list[Case]:
    """One case per method and URL shape: the table's variants by role add nothing here."""
    chosen: dict[tuple[str, str], Case] = {}
    for case in [*CASES, *EXTRA_CASES]:
        if case.id in REDUNDANT:
            continue
        shape = re.sub(r"\{[^}]*\}", "{}", urlsplit(case.url).path)
        chosen.setdefault((case.method, shape), case)
    return list(chosen.values())


HOSTILE_CASES = _hostile_cases()


def _kind(unbound: wtforms.fields.core.UnboundField) -> str | None:
    """What a form field parses, when its class or ``coerce`` tells (a StringField may hold
    hours: it does not)."""
    coerce = unbound.kwargs.get("coerce")
    if issubclass(unbound.field_class, wtforms.DateField) or coerce is parse_day:
        return "day"
    if coerce is parse_id:
        return "number"
    if unbound.field_class is wtforms.StringField:
        return None
    return "text"


def form_fields() -> dict[str, str | None]:
    """Each name the WTForms forms of the app read (a field's name, or its ``name=``), with
    what it parses (None when unknown, or when two forms disagree)."""
    kinds: dict[str, set[str | None]] = {}
    classes = [wtforms.Form]
    while classes:
        form_class = classes.pop()
        classes.extend(form_class.__subclasses__())
        if form_class.__module__.startswith("portal."):
            for attribute, unbound in vars(form_class).items():
                if isinstance(unbound, wtforms.fields.core.UnboundField):
                    name = unbound.name or attribute
                    kinds.setdefault(name, set()).add(_kind(unbound))
    return {name: next(iter(found)) if len(found) == 1 else None for name, found in kinds.items()}


class Reads(ImmutableMultiDict):
    """Query and form data that note each name a route asks for."""

    names: set[str] = set()

    def __contains__(self, key) -> bool:
        Reads.names.add(key)
        return super().__contains__(key)

    def __getitem__(self, key):
        Reads.names.add(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):  # werkzeug's signature
        Reads.names.add(key)
        return super().getlist(key, type)


class ReadingRequest(Request):
    parameter_storage_class = Reads


@contextmanager
def reading_names(app: Flask) -> Iterator[set[str]]:
    """The names the requests sent inside ask for (CSRF tokens left out)."""
    Reads.names = set()
    app.request_class = ReadingRequest
    try:
        yield Reads.names
    finally:
        del app.request_class
        Reads.names -= {name for name in Reads.names if name.endswith("csrf_token")}


def _multidict(params: dict[str, list[str]]) -> MultiDict:
    return MultiDict([(name, value) for name, values in params.items() for value in values])


def _show(value: str) -> str:
    return f"{value[:12]!r}…({len(value)} chars)" if len(value) > 40 else repr(value)


@dataclass
class Probe:
    """Sends one case's requests, collecting each answer of 5xx (or exception) as a failure."""

    client: object
    case: Case
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]
    failures: list[str] = field(default_factory=list)
    raised: list[BaseException] = field(default_factory=list)

    @classmethod
    def of(cls, client, case: Case, world: World) -> Probe:
        url, form = case.build(world)
        parts, query = urlsplit(url), {}
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            query.setdefault(name, []).append(value)
        lists = {
            name: value if isinstance(value, list) else [value] for name, value in form.items()
        }
        return cls(client, case, parts.path, query, lists, world.fill(case.headers))

    def noted(self, _sender, **extra) -> None:
        """``got_request_exception``: keep what a 500 page hides."""
        self.raised.append(extra["exception"])

    def send(self, what: str, *, path=None, query=None, form=None) -> TestResponse | None:
        """One request; its response (None when it raised)."""
        self.raised.clear()
        response = None
        try:
            response = self.client.open(
                path or self.path,
                method=self.case.method,
                query_string=_multidict(self.query if query is None else query),
                data=_multidict(self.form if form is None else form),
                headers=self.headers,
            )
        except Exception as error:  # what no handler caught (TESTING propagates it)
            db.session.rollback()
            self.raised.append(error)
        if response is None or response.status_code >= 500 or self.raised:
            status = "raised" if response is None else response.status_code
            cause = f" {self.raised[0]!r:.200}" if self.raised else ""
            self.failures.append(f"{self.case.id} {what}: {status}{cause}")
        return response

    def valid(self, name: str) -> str | None:
        """The value of ``name`` in the valid request (None when it sends none)."""
        return next(iter(self.form.get(name) or self.query.get(name) or []), None)

    def mutate(self, name: str, value: str) -> None:
        """``value`` in ``name`` (in the query, and in the form of a POST), the rest valid."""
        query, form = dict(self.query), dict(self.form)
        for params in (query, form) if self.case.method == "POST" else (query,):
            if value == MISSING:
                params.pop(name, None)
            else:
                params[name] = [value]
        self.send(f"{name}={_show(value)}", query=query, form=form)

    def everywhere(self, names: list[str]) -> None:
        """Every value at once (as one list) in each field of ``names``."""
        hostile = {name: list(STRINGS) for name in names}
        self.send(
            "every field=every value",
            query=hostile,
            form=hostile if self.case.method == "POST" else {},
        )

    def segments(self, app: Flask) -> None:
        """Each value in the path's free-text segments (``<slug>``, ``<monday>``)."""
        adapter = app.url_map.bind("localhost")
        rule, arguments = adapter.match(self.path, method=self.case.method, return_rule=True)
        for name in arguments:
            if type(rule._converters.get(name)) is not UnicodeConverter:
                continue
            for value in hostile_values(arguments[name])[:-1]:  # a segment cannot be left out
                if value:
                    path = adapter.build(rule.endpoint, {**arguments, name: value})
                    self.send(f"<{name}>={_show(value)}", path=path, query={}, form=self.form)


def admitted(response: TestResponse, case: Case) -> bool:
    """The valid request got through: no error, and no trip to the sign-in page unless the
    route is public or signs out."""
    location = urlsplit(response.headers.get("Location", "")).path
    return response.status_code < 400 and (
        location != "/connexion" or case.rule == "public" or case.signs_out
    )


@pytest.mark.parametrize("case", HOSTILE_CASES, ids=lambda case: case.id)
def test_hostile_values_never_fail_the_server(request, app, client, auth, company, case: Case):
    for name in case.fixtures:
        request.getfixturevalue(name)
    world = HostileWorld(company, "superadmin", request)
    if case.rule != "public":
        auth.login(world.actor)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 5xx renders the error page, as in production
    probe = Probe.of(client, case, world)
    with got_request_exception.connected_to(probe.noted, app):
        with reading_names(app) as names:
            valid = probe.send("valid request")
        assert valid is not None, probe.failures
        assert admitted(valid, case), "the valid request must pass, or the others prove nothing"
        read, fields = sorted(names), form_fields()
        for name in read:
            kind = fields.get(name.rsplit("-", 1)[-1])  # without the form's prefix
            for value in hostile_values(probe.valid(name), kind):
                if case.signs_out:
                    auth.login(world.actor)
                probe.mutate(name, value)
        probe.everywhere(sorted({*read, *fields, *GENERIC_FIELDS}))
        probe.segments(app)
    assert not probe.failures, "\n".join(probe.failures)


def test_every_route_is_tried(app, request, company):
    """Each rule of the url map (GET or POST) is reached by one of the hostile cases."""
    world = HostileWorld(company, "superadmin", request)
    adapter = app.url_map.bind("localhost")
    tried = set()
    for case in HOSTILE_CASES:
        path = urlsplit(case.build(world)[0]).path
        rule, _ = adapter.match(path, method=case.method, return_rule=True)
        tried.add((rule.rule, case.method))
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods & {"GET", "POST"}
    }
    assert routes - tried == set(), "routes without a case in tests/authz_table.py"
