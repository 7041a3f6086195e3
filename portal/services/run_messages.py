"""Why a sync run stopped, in the portal's own words, in both languages like the client's
typed errors (which carry their own)."""

from __future__ import annotations

#: Our own reasons for ending a run, in both languages like the client's errors.
UNEXPECTED = {
    "type": "unexpected",
    "message_fr": "La synchronisation s'est arrêtée sur une erreur inattendue. Ce qui a été "
    "enregistré est cohérent.",
    "message_en": "The synchronisation stopped on an unexpected error. What was saved is "
    "consistent.",
    "fix_fr": "Relancez-la; si l'erreur revient, contactez le soutien.",
    "fix_en": "Run it again; if the error comes back, contact support.",
}
ABANDONED = {
    "type": "abandoned",
    "message_fr": "Le processus de travail qui exécutait cette synchronisation s'est arrêté "
    "sans la terminer. Ce qui a été enregistré est cohérent.",
    "message_en": "The worker running this synchronisation stopped before finishing it. "
    "What was saved is consistent.",
    "fix_fr": "Relancez la synchronisation pour la terminer.",
    "fix_en": "Run the synchronisation again to finish it.",
}
QUEUE_DOWN = {
    "type": "queue",
    "message_fr": "La file des tâches (Redis) était injoignable : rien n'a été lancé.",
    "message_en": "The task queue (Redis) could not be reached: nothing was started.",
    "fix_fr": "Relancez dans un moment; si cela dure, prévenez l'administrateur du portail.",
    "fix_en": "Run it again in a moment; if it lasts, tell the portal's administrator.",
}
NO_ACCESS_POINT = {
    "type": "access_point",
    "message_fr": "L'intégration n'a plus de point d'accès par défaut.",
    "message_en": "The integration has no default access point any more.",
    "fix_fr": "Ajoutez un point d'accès et définissez-le par défaut.",
    "fix_en": "Add an access point and make it the default.",
}
LOST = {
    "type": "lost",
    "message_fr": "La file d'attente a perdu cette synchronisation (Redis a redémarré?).",
    "message_en": "The queue lost this synchronisation (did Redis restart?).",
    "fix_fr": "Relancez la synchronisation.",
    "fix_en": "Run the synchronisation again.",
}
