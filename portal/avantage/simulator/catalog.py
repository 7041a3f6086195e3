"""Fixed reference data of the simulated company: trades, hour types, earnings, names, codes."""

from __future__ import annotations

from decimal import Decimal

from portal.avantage.protocol import format_decimal

COMPETENCIES = ("compagnon", "apprenti-1", "apprenti-2", "apprenti-3")
#: Apprentice pay as a share of the journeyman (compagnon) rate, as in the CCQ scales.
APPRENTICE_SHARE = {
    "apprenti-1": Decimal("0.55"),
    "apprenti-2": Decimal("0.70"),
    "apprenti-3": Decimal("0.85"),
}

#: code, name, compagnon hourly rate, competencies with a rate, hiring weight.
TRADES = (
    ("CHARP", "Charpentier-menuisier", "45.10", COMPETENCIES, 35),
    ("ELEC", "Électricien", "46.35", COMPETENCIES, 10),
    ("PLOMB", "Plombier", "46.90", COMPETENCIES, 10),
    ("OPER", "Opérateur de machinerie lourde", "44.20", COMPETENCIES[:3], 10),
    ("MANOE", "Manœuvre", "36.25", COMPETENCIES[:1], 15),
    ("BRIQ", "Briqueteur-maçon", "45.60", COMPETENCIES, 7),
    ("PEINT", "Peintre", "42.15", COMPETENCIES, 7),
    ("FERB", "Ferblantier", "45.75", COMPETENCIES, 6),
)

#: code, name, multiplier.
HOUR_TYPES = (
    ("REG", "Régulier", "1.0"),
    ("T1.5", "Temps et demi", "1.5"),
    ("T2", "Temps double", "2.0"),
    ("FERIE", "Férié", "1.0"),
)

#: code, name, kind, unit, rate.
EARNINGS = (
    ("KM", "Kilométrage", "quantity", "km", "0.58"),
    ("REPAS", "Allocation de repas", "amount", None, None),
    ("OUTIL", "Prime d'outillage", "amount", None, None),
    ("HAUT", "Prime de hauteur", "hours", "h", "2.50"),
    ("DEPL", "Temps de déplacement", "hours", "h", "45.10"),
)

#: Construction cost codes; each project gets the first N, so "03-100" is in every default project.
ACTIVITIES = (
    ("01-100", "Organisation de chantier", "h"),
    ("02-200", "Excavation", "m³"),
    ("03-100", "Coffrage", "m²"),
    ("03-300", "Bétonnage", "m³"),
    ("06-100", "Charpente", "h"),
    ("15-400", "Plomberie", "h"),
    ("16-100", "Électricité", "h"),
    ("09-900", "Peinture", "m²"),
    ("01-500", "Installations temporaires", "h"),
    ("02-300", "Remblayage", "m³"),
    ("03-200", "Armature", "kg"),
    ("04-200", "Maçonnerie", "m²"),
    ("05-100", "Acier de structure", "kg"),
    ("06-200", "Menuiserie de finition", "h"),
    ("07-200", "Isolation", "m²"),
    ("07-300", "Toiture", "m²"),
    ("08-100", "Portes et fenêtres", "u"),
    ("09-200", "Gypse", "m²"),
    ("15-500", "Chauffage et ventilation", "h"),
    ("16-500", "Éclairage", "u"),
)


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split(", "))


FIRST_NAMES = _split(
    "Jean, Marc, Luc, Pierre, François, Mathieu, Simon, Alexandre, Maxime, Olivier, Gabriel, "
    "Samuel, Félix, Étienne, Nicolas, Sébastien, Patrick, Stéphane, Martin, Éric, Guillaume, "
    "Vincent, Julien, Louis, Benoît, Marie, Julie, Isabelle, Catherine, Geneviève, Mélanie, "
    "Valérie, Sophie, Chantal, Nathalie, Émilie, Annie, Karine, Josée, Jérôme"
)

LAST_NAMES = _split(
    "Tremblay, Gagnon, Roy, Côté, Bouchard, Gauthier, Morin, Lavoie, Fortin, Gagné, Ouellet, "
    "Pelletier, Bélanger, Lévesque, Bergeron, Leblanc, Paquette, Girard, Simard, Boucher, "
    "Caron, Beaulieu, Cloutier, Dubé, Poirier, Fournier, Lapointe, Leclerc, Lefebvre, "
    "Poulin, Thibault, St-Pierre, Nadeau, Landry, Martel, Bédard, Grenier, Lessard, Bernier, "
    "Michaud, Hébert, Desjardins, Couture, Turcotte, Lachance, Gosselin, Savard, Proulx, "
    "Demers, Bérubé"
)

CITIES = _split(
    "Lévis, Québec, Saint-Georges, Thetford Mines, Sainte-Marie, Montmagny, Rivière-du-Loup, "
    "Rimouski, Drummondville, Victoriaville, Sherbrooke, Trois-Rivières, Beauport, "
    "Saint-Nicolas, Lac-Etchemin"
)

BUILDINGS = _split(
    "Résidence, Agrandissement, Garage, Rénovation, Immeuble locatif, Entrepôt, Chalet, "
    "Clinique, Centre communautaire, École primaire"
)

SUPPLIER_KINDS = _split(
    "Matériaux, Béton, Location, Excavation, Quincaillerie, Distribution, Acier, Bois, "
    "Toitures, Transport"
)

PURCHASE_DESCRIPTIONS = _split(
    "Béton 30 MPa, Bois d'œuvre 2x6, Location pelle mécanique, Gravier 0-3/4, Armature 15M, "
    "Gypse 1/2 po, Isolant R-24, Bardeaux d'asphalte, Tuyauterie PEX, Filage 14/2, "
    "Fenêtres PVC, Peinture d'apprêt, Location échafaudage, Transport"
)

EMAIL_DOMAIN = "constructionbelanger.ca"


def trade_rates(compagnon_rate: str, competencies: tuple[str, ...]) -> dict[str, str]:
    """The hourly rate per competency: the journeyman's, and the apprentices' shares of it."""
    base = Decimal(compagnon_rate)
    return {
        competency: format_decimal(base * APPRENTICE_SHARE.get(competency, Decimal(1)))
        for competency in competencies
    }
