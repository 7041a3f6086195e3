"""What can go wrong building a batch for MainTCP, before a frame is sent: typed errors a
UI can explain, in French (Québec) and English, like those of ``errors``."""

from __future__ import annotations

from portal.avantage.errors import AvantageError


class LineTooLargeError(AvantageError):
    """One timesheet line does not fit in a frame of the server's ``buffer``."""

    text_fr = "La ligne {line} est trop longue pour la mémoire tampon de MainTCP ({buffer} octets)."
    text_en = "Line {line} is too long for MainTCP's buffer ({buffer} bytes)."
    how_fr = (
        "Raccourcissez la description de cette ligne, ou augmentez la mémoire tampon de MainTCP."
    )
    how_en = "Shorten this line's description, or raise MainTCP's buffer size."

    def __init__(self, line: object, buffer: int, detail: str = "") -> None:
        super().__init__(detail, line=line, buffer=buffer)


class ReversalNotSupportedError(AvantageError):
    """Reversal lines for a server whose greeting does not announce ``features=reversal``."""

    text_fr = (
        "Ce serveur Avantage n'accepte pas les lignes d'annulation : la correction ne peut pas "
        "être envoyée par le portail."
    )
    text_en = (
        "This Avantage server does not accept reversal lines: the portal cannot send the "
        "correction."
    )
    how_fr = (
        "Saisissez la correction directement dans Avantage, puis cliquez « Corrigée dans "
        "Avantage » sur la feuille; ou faites mettre à jour MainTCP vers une version qui "
        "annonce les annulations."
    )
    how_en = (
        "Key the correction directly in Avantage, then click “Corrected in Avantage” on the "
        "sheet; or have MainTCP upgraded to a version that announces reversals."
    )
