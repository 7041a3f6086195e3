"""The steps of the setup journey (tests/browser/test_journey.py), each through what the pages
show, each leaving a screenshot in the journey's folder."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import follow, settled
from tests.fixtures.queue import BackgroundWorker

#: Every journey's screenshot folder, printed in pytest's terminal summary (conftest.py).
SHOT_FOLDERS: list[Path] = []
#: A sync or an export, as the page shows it when it has finished.
DONE = 30_000


@dataclass
class Journey:
    """The page, the server's address and the folder that gets a screenshot of every step."""

    page: Page
    base: str
    folder: Path
    steps: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def shot(self, step: str) -> None:
        """Record the page as it is now, as ``NN-step.png``."""
        self.steps.append(step)
        path = self.folder / f"{len(self.steps):02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        now = time.monotonic()
        print(f"{now - self.started:6.1f}s {path.name}")

    def menu(self, name: str) -> None:
        """Follow a link of the main navigation."""
        nav = self.page.get_by_role("navigation", name="Navigation principale")
        follow(self.page, nav.get_by_role("link", name=name, exact=True))

    def side(self, name: str) -> None:
        """Follow a link of the settings' side navigation."""
        nav = self.page.get_by_role("navigation", name="Paramètres de la compagnie")
        follow(self.page, nav.get_by_role("link", name=name, exact=True))

    def tab(self, name: str) -> None:
        """Follow a tab of the integration's sections."""
        tabs = self.page.get_by_role("navigation", name="Sections de l'intégration")
        follow(self.page, tabs.get_by_role("link", name=name, exact=True))

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Se déconnecter").click()
        expect(self.page.get_by_role("button", name="Se connecter")).to_be_visible()


def synchronise(journey: Journey, section: str, step: str) -> None:
    """Synchroniser on the page of ``section`` with a worker running the job, to Terminée."""
    page = journey.page
    with BackgroundWorker(burst=False, jobs=1):
        page.get_by_role("button", name="Synchroniser", exact=True).click()
        expect(page.locator("#sync-progress")).to_contain_text("Terminée", timeout=DONE)
    expect(page.locator(".toast").last).to_contain_text(f"Synchronisation {section} terminée")
    expect(page.locator("#sync-history")).to_contain_text("Terminée")
    journey.shot(step)


def add_integration(journey: Journey, simulator) -> None:
    """Paramètres de la compagnie → Autres intégrations → Ajouter, then its access point (+),
    by default, tested (a toast)."""
    page = journey.page
    journey.menu("Paramètres de la compagnie")
    journey.side("Autres intégrations")
    journey.shot("autres-integrations")
    page.get_by_label("Identifiant externe").fill("AVANTAGE")
    page.get_by_label("Type de partenaire tierce").select_option(label="Avantage")
    with page.expect_navigation():
        page.get_by_role("button", name="Ajouter", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=re.compile("AVANTAGE"))).to_be_visible()
    journey.shot("integration-ajoutee")

    points = page.locator("#access-points")
    page.get_by_role("button", name="Ajouter un point d'accès").click()
    expect(page.get_by_role("heading", name="Nouveau point d'accès")).to_be_visible()
    settled(points)
    page.get_by_label("URL du serveur MainTCP").fill(simulator.url)
    page.get_by_label("Utilisateur Avantage").fill(simulator.user)
    page.get_by_label("Mot de passe").fill(simulator.password)
    page.get_by_label("Clé de chiffrement").fill(simulator.key or "")
    journey.shot("point-d-acces-formulaire")
    page.get_by_role("button", name="Enregistrer").click()
    row = points.locator("tr", has_text=f":{simulator.port}")
    expect(row).to_be_visible()
    settled(points)
    default = row.get_by_role("button", name=re.compile("^Définir par défaut"))
    if default.count():  # the first access point may already be the default
        default.click()
    expect(row.get_by_text("Par défaut", exact=True)).to_be_visible()
    settled(points)
    row.get_by_role("button", name=re.compile("^Tester")).click()
    toast = page.locator(".toast").last
    expect(toast).to_contain_text("Connexion réussie")
    settled(points)
    journey.shot("point-d-acces-teste")


def synchronise_sections(journey: Journey) -> None:
    """Projets, Employés, Métiers: Synchroniser each (Métiers after Employés gives the
    employees their usual trade)."""
    for tab, slug in (("Projets", "projets"), ("Employés", "employes"), ("Métiers", "metiers")):
        journey.tab(tab)
        synchronise(journey, tab, f"synchro-{slug}")


def add_portal_types(journey: Journey) -> None:
    """The office's own types, coded unlike Avantage's (so the grids map them): Gestion des
    types d'heures → Ajouter « T-DEMI », Dépenses et primes → Ajouter « KILO » in km."""
    page = journey.page
    for side, code, name in (
        ("Gestion des types d'heures", "T-DEMI", "Temps et demi"),
        ("Dépenses et primes", "KILO", "Kilométrage"),
    ):
        journey.side(side)
        form = page.locator("form", has=page.get_by_role("button", name="Ajouter", exact=True))
        form.get_by_label("Code").fill(code)
        form.get_by_label("Nom").fill(name)
        if code == "KILO":
            form.get_by_label("Nature").select_option(label="Quantité")
            form.get_by_label("Unité").fill("km")
        form.get_by_role("button", name="Ajouter", exact=True).click()
        expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()
        journey.shot(f"type-{code.lower()}-ajoute")


def map_code(journey: Journey, remote: str, local: str) -> None:
    """In a Type d'heures or Dépenses et primes grid, give ``remote`` its portal type."""
    page = journey.page
    select = page.get_by_label(f"Type du portail pour {remote}", exact=True)
    select.focus()
    select.select_option(label=local)
    page.keyboard.press("Tab")  # leaving the select commits the choice
    row: Locator = page.locator("tr", has=page.get_by_label(f"Type du portail pour {remote}"))
    expect(row.get_by_role("status")).to_contain_text("Lien enregistré")
    settled(row)


def map_types(journey: Journey, codes: dict[str, str]) -> None:
    """Type d'heures and Dépenses et primes: Synchroniser, then map what the sync left."""
    journey.menu("Paramètres de la compagnie")
    journey.side("Autres intégrations")
    follow(journey.page, journey.page.get_by_role("link", name="AVANTAGE", exact=True))
    journey.tab("Type d'heures")
    synchronise(journey, "Type d'heures", "synchro-types-heures")
    regular = journey.page.get_by_label(f"Type du portail pour {codes['REG']}", exact=True)
    expect(regular).to_have_value(re.compile(r"\d+"))  # linked on the code by the sync
    map_code(journey, "T1.5", "T-DEMI — Temps et demi")
    journey.shot("types-heures-associes")
    journey.tab("Dépenses et primes")
    synchronise(journey, "Dépenses et primes", "synchro-depenses")
    map_code(journey, codes["KM"], "KILO — Kilométrage")
    journey.shot("depenses-associees")


def suppliers_orders_schedule(journey: Journey) -> None:
    """Fournisseurs and Bons de commande, then a daily schedule on Employés."""
    journey.tab("Fournisseurs")
    synchronise(journey, "Fournisseurs", "synchro-fournisseurs")
    journey.tab("Bons de commande")
    synchronise(journey, "Bons de commande", "synchro-bons-de-commande")
    journey.tab("Employés")
    page = journey.page
    card = page.locator("#sync-schedule")
    card.get_by_label("Fréquence").select_option(label="Chaque jour")
    card.get_by_label("Heure (chaque jour)").fill("05:30")
    card.get_by_role("button", name="Enregistrer la planification").click()
    expect(page.locator("#sync-schedule [data-schedule-mode]")).to_have_text("Chaque jour à 05:30")
    expect(page.locator("#sync-schedule [data-schedule-next]")).not_to_contain_text("aucune")
    journey.shot("planification")
