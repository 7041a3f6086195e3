"""The dropdown of Avantage's projects in Configuration d'intégrations: its options, and
whether a suggestion (same number) also has the portal project's name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from portal.i18n import gettext as _
from portal.models import Project
from portal.services.text import clean

_PUNCTUATION = re.compile(r"[\W_]+")


def normalise_name(name: str | None) -> str:
    """Compare names without case, accents, punctuation or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return clean(_PUNCTUATION.sub(" ", letters.casefold()))


@dataclass
class AvantageProject:
    """One Avantage project as the dropdown shows it (from the company sync of Projets)."""

    id: str
    name: str
    customer: str
    status: str
    #: Its number matches the portal project's (normalised): listed first.
    suggested: bool = False
    #: Suggested, but its name is not the portal project's: not preselected, and says so.
    name_differs: bool = False
    #: The portal project already linked to it, when it is another one.
    holder: Project | None = None
    #: Already linked to this very project.
    current: bool = False

    @property
    def closed(self) -> bool:
        return self.status == "closed"

    @property
    def warning(self) -> str | None:
        """Why a suggestion with another name is not chosen for the user."""
        if not self.name_differs:
            return None
        return _("Même numéro, nom différent : vérifiez avant de lier.")


@dataclass
class ProjectOptions:
    """The dropdown: the first options matching the search, how many match, which is chosen."""

    options: list[AvantageProject] = field(default_factory=list)
    total: int = 0
    selected: str | None = None

    @property
    def doubtful(self) -> list[AvantageProject]:
        """The shown suggestions whose name differs from the portal project's."""
        return [option for option in self.options if option.name_differs]
