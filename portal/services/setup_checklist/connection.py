"""The connection steps of Mise en route: the guide's port, firewall rule and encryption key,
each proven by a step of the last connection test, then the access point and the test."""

from __future__ import annotations

from portal.i18n import gettext as _
from portal.models import AccessPoint, Integration
from portal.services.setup_checklist.steps import (
    DONE,
    FAILING,
    TODO,
    Link,
    Step,
    language,
    localized,
)

#: Guide step → the connection test's step that proves it, and the guide's anchor.
_PROVEN_BY = {"port": "greeting", "firewall": "connect", "encryption": "encryption"}


def connection_steps(integration: Integration) -> list[Step]:
    point = integration.default_access_point
    report = point.last_test_report if point is not None else None
    tested = {step["step"]: step for step in (report or {}).get("steps", [])}
    guide = Link("settings.setup_guide", {"integration_id": integration.id})
    titles = {
        "port": _("Port du serveur Avantage"),
        "firewall": _("Règle du pare-feu"),
        "encryption": _("Clé de chiffrement"),
    }
    steps = []
    for key, proof in _PROVEN_BY.items():
        result = tested.get(proof)
        link = Link(guide.endpoint, guide.args, anchor=f"guide-{key}")
        if result is None:
            steps.append(Step(key, titles[key], TODO, _("Vérifié par le test de connexion."), link))
        elif result["status"] == "passed":
            detail = result.get(f"detail_{language()}") or _("Réussi au dernier test.")
            steps.append(Step(key, titles[key], DONE, detail, link, at=point.last_test_at))
        elif result["status"] == "failed":
            fix = localized(report.get("error"), "fix")
            message = localized(report.get("error"), "message") or _("Échoué au dernier test.")
            steps.append(Step(key, titles[key], FAILING, message, link, fix, point.last_test_at))
        else:
            steps.append(
                Step(
                    key,
                    titles[key],
                    TODO,
                    _("Pas atteint : une étape précédente du test a échoué."),
                    link,
                    at=point.last_test_at,
                )
            )
    page = Link("settings.integration_detail", {"integration_id": integration.id}, "access-points")
    if point is None:
        detail = (
            _("Un point d'accès existe : cliquez sur « Définir par défaut ».")
            if integration.access_points
            else _("Aucun point d'accès : ajoutez celui de votre serveur Avantage.")
        )
        steps.append(Step("access_point", _("Point d'accès par défaut"), TODO, detail, page))
    else:
        steps.append(
            Step(
                "access_point",
                _("Point d'accès par défaut"),
                DONE,
                _("%(url)s, utilisateur %(user)s.", url=point.url, user=point.username),
                page,
            )
        )
    steps.append(_test_step(point, page))
    return steps


def _test_step(point: AccessPoint | None, page: Link) -> Step:
    title = _("Test de connexion")
    if point is None or point.last_test_at is None:
        return Step("test", title, TODO, _("Cliquez sur « Tester » à côté du point d'accès."), page)
    report = point.last_test_report or {}
    if point.last_test_ok:
        detail = _(
            "Réussi : Avantage %(version)s, %(company)s.",
            version=report.get("server_version") or "?",
            company=report.get("company") or "?",
        )
        return Step("test", title, DONE, detail, page, at=point.last_test_at)
    message = localized(report.get("error"), "message") or _("Le dernier test a échoué.")
    return Step(
        "test", title, FAILING, message, page, localized(report.get("error"), "fix"),
        point.last_test_at,
    )  # fmt: skip
