"""The journey's second half (tests/browser/test_journey.py): a project linked and its
activities synced, access for two synced employees, a week filled, validated and sent to
payroll, then what Historique and the Journal d'audit show."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import Locator, expect

from tests.browser.conftest import follow
from tests.browser.journey_steps import DONE, Journey, synchronise
from tests.fixtures.factories import PASSWORD
from tests.fixtures.queue import BackgroundWorker


def pick(select: Locator, text: str) -> None:
    """Choose the one option of ``select`` that shows ``text`` (once it is listed)."""
    option = select.locator("option", has_text=text)
    expect(option).to_have_count(1)
    select.select_option(option.get_attribute("value"))


def link_project(journey: Journey, number: str, name: str, remote: str) -> None:
    """Projets → Ajouter un projet, then its Admin du projet → Configuration d'intégrations:
    pick the Avantage project, Lier, and Activités → Synchroniser."""
    page = journey.page
    journey.menu("Projets")
    follow(page, page.get_by_role("link", name="Ajouter un projet").first)
    page.get_by_label("Numéro").fill(number)
    page.get_by_label("Nom").fill(name)
    with page.expect_navigation():
        page.get_by_role("button", name="Ajouter le projet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    section = page.locator("#project-integration")
    expect(section.get_by_role("heading", name="Configuration d'intégrations")).to_be_visible()
    dropdown = section.get_by_label("Identifiant du projet dans Avantage")
    expect(dropdown.locator("option").first).to_be_attached()
    journey.shot("admin-du-projet")
    pick(dropdown, remote.strip())
    section.get_by_role("button", name="Lier").click()
    expect(page.locator(".toast").last).to_contain_text("Projet lié au projet")
    expect(section.locator("[data-linked]")).to_have_text(remote.strip())
    journey.shot("projet-lie")
    follow(page, section.get_by_role("link", name="Activités → Synchroniser"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("— Activités")
    synchronise(journey, "Activités", "synchro-activites")


def give_access(journey: Journey, email: str, number: str, permission: str) -> None:
    """Gestion des licences: find the synced employee, give a permission and a password."""
    page = journey.page
    journey.menu("Paramètres de la compagnie")
    journey.side("Gestion des licences")
    page.get_by_label("Rechercher (nom, courriel, numéro)").fill(email)
    page.get_by_role("button", name=re.compile("Filtrer")).click()
    row = page.locator("#user-list tbody tr", has_text=email)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(number.strip())
    follow(page, row.get_by_role("link", name=re.compile("^Modifier")))
    form = page.locator("#user-form")
    form.get_by_label("Permission feuilles de temps").select_option(label=permission)
    form.get_by_label("Mot de passe").fill(PASSWORD)
    form.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".toast").last).to_contain_text(re.compile("enregistr", re.I))
    journey.shot(f"acces-{permission.lower()}")


def fill_week(journey: Journey, project: str, activity: str, hours: list[str]) -> None:
    """Ma semaine: one hour line a day on the synced activity, then Soumettre."""
    page = journey.page
    follow(page, page.get_by_role("link", name="Ma semaine"))
    expect(page.locator("#sheet-status-badge")).to_have_text("Brouillon")
    form = page.locator("#hour-new-form")
    for day, value in enumerate(hours):
        form.get_by_label("Date").select_option(index=day)
        pick(form.get_by_label("Projet"), project)
        pick(form.get_by_label("Activité"), activity)
        form.get_by_label("Heures", exact=True).fill(value)
        form.get_by_role("button", name="Ajouter les heures").click()
        total = sum(Decimal(hour) for hour in hours[: day + 1])
        expect(page.locator("#week-total")).to_have_text(f"{total:.2f}\u00a0h".replace(".", ","))
    journey.shot("semaine-remplie")
    page.get_by_role("button", name="Soumettre").click()
    expect(page.locator("#sheet-status-badge")).to_have_text("Soumise")
    journey.shot("semaine-soumise")


def validate_week(journey: Journey, employee: str) -> None:
    """Feuilles de temps: the sheets waiting for validation, the employee's, Valider."""
    page = journey.page
    expect(page.locator("#waiting-review")).to_contain_text("1 feuille soumise attend")
    follow(page, page.get_by_role("link", name="Voir les feuilles à valider"))
    follow(page, page.locator("#sheet-list").get_by_role("link", name="Ouvrir").first)
    expect(page.locator("#sheet-title")).to_have_text(employee)
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#sheet-status-badge")).to_have_text("Validée")
    journey.shot("semaine-validee")


def send_to_payroll(journey: Journey, employee: str, lines: int) -> str:
    """Exportation vers la paie → Aperçu → Envoyer; returns the batch's number (TS-…)."""
    page = journey.page
    journey.menu("Feuilles de temps")
    follow(page, page.get_by_role("link", name="Exportation vers la paie"))
    row = page.get_by_role("row", name=f"Choisir la feuille de {employee}")
    expect(row).to_contain_text("Jamais envoyée")
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Aperçu").click()
    preview = page.locator("#export-preview")
    expect(preview).to_contain_text(f"{lines} ligne(s)")
    journey.shot("apercu")
    page.get_by_role("button", name="Envoyer à Avantage").click()
    dialog = page.get_by_role("dialog", name="Envoyer à Avantage?")
    expect(dialog).to_contain_text(f"1 feuille(s), {lines} ligne(s)")
    with BackgroundWorker(burst=False, jobs=1):
        dialog.get_by_role("button", name=re.compile("Confirmer l'envoi")).click()
        expect(page.locator("#export-progress")).to_contain_text(
            "Accepté par Avantage", timeout=DONE
        )
    row = page.get_by_role("row", name=f"Choisir la feuille de {employee}")
    badge = row.locator(".export-badge")
    expect(badge).to_contain_text(re.compile(r"Envoyée · TS-\d+"))
    expect(row).to_contain_text("Gelée")
    journey.shot("envoyee")
    follow(page, row.get_by_role("link", name=re.compile("^Du ")))
    expect(page.locator("#sheet-status-badge")).to_have_text("Gelée")
    batch = re.search(r"TS-\d+", page.locator("#sheet-export").inner_text())
    assert batch, page.locator("#sheet-export").inner_text()
    journey.shot("feuille-gelee")
    return batch.group(0)


def history_shows(journey: Journey, sections: list[str], batch: str) -> None:
    """Historique lists every sync run and the batch."""
    page = journey.page
    journey.menu("Historique")
    table = page.locator("main table")
    for section in sections:
        row = table.locator("tr", has_text=f"« {section} »")
        expect(row.first).to_contain_text("Terminée")
    expect(table.locator("tr", has_text=batch)).to_contain_text("Accepté")
    journey.shot("historique")


def audit_shows(journey: Journey, actions: list[str]) -> None:
    """Journal d'audit has an entry for each action."""
    page = journey.page
    journey.menu("Journal d'audit")
    codes = page.locator("main table tbody td code")
    expect(codes.first).to_be_visible()
    shown = set(codes.all_inner_texts())
    journey.shot("journal-d-audit")
    missing = [action for action in actions if action not in shown]
    assert not missing, f"absent du Journal d'audit : {missing} (affiché : {sorted(shown)})"
