"""What a server may cost the client: the frame cap, the bounds of a listing, and their errors."""

from __future__ import annotations

from enum import StrEnum

from portal.avantage.errors import ProtocolError, Step

#: Largest response frame (JSON bytes, before encryption) read by default: a page of the
#: protocol's largest ``limit`` (1000) at a generous 8 KiB per record.
DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024
#: Pages one listing may take, restarts included: 5 million records at the usual 500 a page.
DEFAULT_MAX_PAGES = 10_000
#: Records a listing may hold beyond the largest ``total`` announced (records added or removed
#: while paging): 1 % of that total, at least 10.
MARGIN_PERCENT = 1
MARGIN_MIN = 10


def margin(total: int) -> int:
    """How many records beyond ``total`` a listing may hold."""
    return max(MARGIN_MIN, total * MARGIN_PERCENT // 100)


class ResponseTooLargeError(ProtocolError):
    """A response line longer than the client's frame cap; reading stopped at the cap."""

    text_fr = (
        "Le serveur Avantage a envoyé une réponse de plus de {limit_fr} octets, la limite du "
        "portail; la lecture a été arrêtée."
    )
    text_en = (
        "The Avantage server sent a response of more than {limit_en} bytes, the portal's limit; "
        "reading was stopped."
    )
    how_fr = (
        "Réessayez; si cela se répète, vérifiez que le point d'accès vise bien MainTCP et "
        "transmettez le journal technique au soutien. Si des réponses aussi grandes sont "
        "normales, l'administrateur du portail peut relever cette limite."
    )
    how_en = (
        "Try again; if it happens again, check that the access point really reaches MainTCP and "
        "send the technical log to support. If responses this large are normal, the portal's "
        "administrator can raise this limit."
    )

    def __init__(self, limit: int, detail: str = "", *, step: Step | None = None) -> None:
        grouped = f"{limit:,}"
        super().__init__(
            detail, step=step, limit_fr=grouped.replace(",", "\N{NO-BREAK SPACE}"), limit_en=grouped
        )


class Overrun(StrEnum):
    """How a listing went past its bounds."""

    OVER_TOTAL = "over_total"
    TOTAL_GREW = "total_grew"
    CURSOR_REPEATED = "cursor_repeated"
    TOO_MANY_PAGES = "too_many_pages"
    PAGE_TOO_LONG = "page_too_long"


#: Each overrun in French and English; the numbers come from the listing.
_OVERRUNS = {
    Overrun.OVER_TOTAL: (
        "{received} éléments reçus alors qu'il en annonçait {total}",
        "{received} items received while it announced {total}",
    ),
    Overrun.TOTAL_GREW: (
        "le total annoncé est passé de {first} à {total} en cours de lecture",
        "the announced total went from {first} to {total} while reading",
    ),
    Overrun.CURSOR_REPEATED: (
        "il a redonné un curseur déjà donné, la liste tournerait en rond",
        "it gave again a cursor it had already given, so the listing would loop",
    ),
    Overrun.TOO_MANY_PAGES: (
        "plus de {pages} pages, la limite du portail",
        "more than {pages} pages, the portal's limit",
    ),
    Overrun.PAGE_TOO_LONG: (
        "une page de {count} éléments alors que {limit} au plus étaient demandés",
        "a page of {count} items when at most {limit} were asked for",
    ),
}


class ListingOverrunError(ProtocolError):
    """A LIST going past its bounds: beyond its announced total, a cursor given twice, too many
    pages, or a page longer than asked. Nothing past the bound reached the caller."""

    text_fr = (
        "La liste « {entity} » du serveur Avantage dépasse ses limites : {why_fr}. La lecture a "
        "été arrêtée et rien au-delà n'a été pris en compte."
    )
    text_en = (
        "The Avantage server's “{entity}” listing goes past its limits: {why_en}. Reading was "
        "stopped and nothing beyond was taken in."
    )
    how_fr = (
        "Réessayez; si cela se répète, vérifiez que le point d'accès vise bien MainTCP et "
        "transmettez le journal technique au soutien d'Avantage. Une liste réellement plus longue "
        "que la limite de pages demande à l'administrateur du portail de la relever."
    )
    how_en = (
        "Try again; if it happens again, check that the access point really reaches MainTCP and "
        "send the technical log to Avantage support. A listing truly longer than the page limit "
        "needs the portal's administrator to raise it."
    )

    def __init__(self, entity: str, overrun: Overrun, **numbers: int) -> None:
        why_fr, why_en = _OVERRUNS[overrun]
        super().__init__(
            f"{overrun}: {numbers}",
            entity=entity,
            why_fr=why_fr.format(**numbers),
            why_en=why_en.format(**numbers),
        )
        self.overrun = overrun
