"""Why an export stopped, in the words of the export (not of a sync), in both languages.

``export_run.fail`` adds what to do, which depends on whether Avantage saw the batch: once
begun, only a resumed run may finish it; before, nothing reached Avantage and the sheets are
free again.
"""

from __future__ import annotations

from portal.i18n import lazy_gettext as _l

#: What happened, for each of the portal's own reasons to stop an export.
ABANDONED = {
    "type": "abandoned",
    "message_fr": "Le service de traitement qui envoyait ce lot s'est arrêté avant la fin.",
    "message_en": "The background service sending this batch stopped before the end.",
}
LOST = {
    "type": "lost",
    "message_fr": "La file des tâches a perdu l'envoi de ce lot (Redis a redémarré?).",
    "message_en": "The task queue lost this batch's sending (did Redis restart?).",
}
QUEUE_DOWN = {
    "type": "queue",
    "message_fr": "La file des tâches (Redis) était injoignable : l'envoi n'a pas commencé.",
    "message_en": "The task queue (Redis) could not be reached: sending did not start.",
}
NO_ACCESS_POINT = {
    "type": "access_point",
    "message_fr": "L'intégration n'a plus de point d'accès par défaut : le lot n'a pu être envoyé.",
    "message_en": "The integration has no default access point any more: the batch could "
    "not be sent.",
}
UNEXPECTED = {
    "type": "unexpected",
    "message_fr": "L'envoi du lot s'est arrêté sur une erreur inattendue.",
    "message_en": "Sending the batch stopped on an unexpected error.",
}

#: What to do, once Avantage has seen the batch…
RESUME = {
    "fix_fr": "Cliquez sur « Reprendre l'envoi » : la reprise demande d'abord à Avantage ce "
    "qu'il a reçu et termine sans rien doubler. Les feuilles restent réservées à ce lot.",
    "fix_en": "Click “Resume sending”: it first asks Avantage what it received and finishes "
    "without doubling anything. The sheets stay reserved for this batch.",
}
#: …and before it did.
SEND_AGAIN = {
    "fix_fr": "Rien n'a atteint Avantage et les feuilles sont de nouveau disponibles : "
    "sélectionnez-les et envoyez-les de nouveau.",
    "fix_en": "Nothing reached Avantage and the sheets are available again: select them and "
    "send them again.",
}

#: Avantage's rejection codes, as sentences for the office.
REJECTIONS = {
    "UNKNOWN_EMPLOYEE": _l(
        "L'employé n'existe pas dans Avantage : vérifiez le lien de l'employé "
        "(section Employés de l'intégration)."
    ),
    "INACTIVE_EMPLOYEE": _l(
        "L'employé est inactif dans Avantage : réactivez-le dans Avantage ou "
        "retirez ses heures de l'envoi."
    ),
    "UNKNOWN_PROJECT": _l(
        "Le projet n'existe pas dans Avantage : vérifiez le lien du projet "
        "(Admin du projet → Configuration d'intégrations)."
    ),
    "CLOSED_PROJECT": _l(
        "Le projet est fermé dans Avantage : on ne peut plus y saisir de temps. "
        "Rouvrez-le dans Avantage ou changez le projet de ces heures."
    ),
    "UNKNOWN_ACTIVITY": _l(
        "L'activité n'existe pas dans ce projet d'Avantage : synchronisez les activités du projet."
    ),
    "UNKNOWN_TRADE": _l("Le métier n'existe pas dans Avantage : synchronisez les métiers."),
    "UNKNOWN_HOUR_TYPE": _l(
        "Le type d'heures n'existe pas dans Avantage : revoyez la "
        "correspondance des types d'heures."
    ),
    "UNKNOWN_EARNING": _l(
        "Ce gain n'existe pas dans Avantage : revoyez la correspondance des dépenses et primes."
    ),
    "UNKNOWN_ENTRY": _l(
        "La ligne à annuler n'est plus dans Avantage : elle y a été supprimée. Lancez le "
        "rapprochement du lot corrigé (la correction n'annulera plus cette ligne), puis "
        "envoyez la feuille de nouveau."
    ),
    "ALREADY_REVERSED": _l(
        "La ligne à annuler a déjà été annulée dans Avantage, par un autre lot. Lancez le "
        "rapprochement du lot corrigé pour voir ce qu'Avantage tient, puis envoyez la feuille "
        "de nouveau : elle n'annulera que ce qui reste."
    ),
    "INVALID_HOURS": _l(
        "Heures refusées : une ligne à zéro heure, ou plus de 24 heures pour "
        "l'employé ce jour-là en comptant ce qu'Avantage a déjà."
    ),
}


def rejection_sentence(code: str, message: str) -> str:
    return str(REJECTIONS[code]) if code in REJECTIONS else f"{code} : {message}"
