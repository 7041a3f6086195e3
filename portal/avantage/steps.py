"""The record of connection steps (resolve → login) that a diagnostics panel draws.

Each step's detail is a :class:`DetailCode` with its parameters, said in French (Québec)
and English by :data:`DETAIL_TEXTS`; ``detail`` keeps a plain English text for logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from portal.avantage.errors import (
    AddressNotAllowedError,
    AuthenticationError,
    AvantageError,
    ConnectionLostError,
    EncryptionKeyRequiredError,
    HostNotFoundError,
    NoAnswerError,
    NotAvantageServerError,
    PortClosedError,
    ProtocolError,
    RequestTimeoutError,
    ServerBusyError,
    ServerError,
    Step,
    WrongEncryptionKeyError,
)

#: The steps a connection goes through, in order.
CONNECTION_STEPS = (Step.RESOLVE, Step.CONNECT, Step.GREETING, Step.ENCRYPTION, Step.LOGIN)


class StepStatus(StrEnum):
    """How far a connection step went."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_REACHED = "not_reached"


class DetailCode(StrEnum):
    """What a step's detail says; its parameters are named in :data:`DETAIL_TEXTS`."""

    RESOLVED = "resolved"
    CONNECTED = "connected"
    GREETING_RECEIVED = "greeting_received"
    UNENCRYPTED = "unencrypted"
    KEY_ACCEPTED = "key_accepted"
    LOGGED_IN = "logged_in"
    HOST_NOT_FOUND = "host_not_found"
    ADDRESS_NOT_ALLOWED = "address_not_allowed"
    CONNECTION_REFUSED = "connection_refused"
    NO_ANSWER = "no_answer"
    NOT_MAINTCP = "not_maintcp"
    SERVER_BUSY = "server_busy"
    KEY_REQUIRED = "key_required"
    KEY_REJECTED = "key_rejected"
    LOGIN_REFUSED = "login_refused"
    SERVER_REFUSED = "server_refused"
    NO_RESPONSE = "no_response"
    CONNECTION_LOST = "connection_lost"
    UNREADABLE_RESPONSE = "unreadable_response"
    FAILED = "failed"


@dataclass(frozen=True)
class DetailText:
    """A detail's text in French (Québec) and English, with ``{name}`` parameters."""

    text_fr: str
    text_en: str


DETAIL_TEXTS: dict[DetailCode, DetailText] = {
    DetailCode.RESOLVED: DetailText(
        "Adresses trouvées : {addresses}", "Addresses found: {addresses}"
    ),
    DetailCode.CONNECTED: DetailText("Connecté à {address}", "Connected to {address}"),
    DetailCode.GREETING_RECEIVED: DetailText(
        "Réponse du serveur : {line}", "The server answered: {line}"
    ),
    DetailCode.UNENCRYPTED: DetailText(
        "Le serveur ne chiffre pas (crypto=off) : les échanges circulent en clair.",
        "The server does not encrypt (crypto=off): frames travel unencrypted.",
    ),
    DetailCode.KEY_ACCEPTED: DetailText("{cipher}, clé acceptée", "{cipher}, key accepted"),
    DetailCode.LOGGED_IN: DetailText(
        "Utilisateur {user}, société {company}", "User {user}, company {company}"
    ),
    DetailCode.HOST_NOT_FOUND: DetailText(
        "Aucune adresse pour « {host} »", "No address for “{host}”"
    ),
    DetailCode.ADDRESS_NOT_ALLOWED: DetailText(
        "Adresse {address} non permise", "Address {address} not allowed"
    ),
    DetailCode.CONNECTION_REFUSED: DetailText(
        "Connexion refusée sur {host}:{port}", "Connection refused on {host}:{port}"
    ),
    DetailCode.NO_ANSWER: DetailText(
        "Aucune réponse de {host}:{port} en {timeout} s",
        "No answer from {host}:{port} within {timeout} s",
    ),
    DetailCode.NOT_MAINTCP: DetailText(
        "Aucun accueil MainTCP reçu de {host}:{port}", "No MainTCP greeting from {host}:{port}"
    ),
    DetailCode.SERVER_BUSY: DetailText(
        "Serveur occupé : nombre maximal de sessions atteint",
        "Server busy: maximum number of sessions reached",
    ),
    DetailCode.KEY_REQUIRED: DetailText(
        "Le serveur chiffre (crypto=on), mais aucune clé n'est enregistrée",
        "The server encrypts (crypto=on), but no key is saved",
    ),
    DetailCode.KEY_REJECTED: DetailText(
        "Clé refusée : le serveur a répondu ERR CRYPTO",
        "Key rejected: the server answered ERR CRYPTO",
    ),
    DetailCode.LOGIN_REFUSED: DetailText(
        "Utilisateur « {user} » ou mot de passe refusé", "User “{user}” or password rejected"
    ),
    DetailCode.SERVER_REFUSED: DetailText(
        "Refus du serveur ({code}) : {server_message}",
        "Refused by the server ({code}): {server_message}",
    ),
    DetailCode.NO_RESPONSE: DetailText(
        "Aucune réponse en {timeout} s", "No response within {timeout} s"
    ),
    DetailCode.CONNECTION_LOST: DetailText("Connexion interrompue", "Connection interrupted"),
    DetailCode.UNREADABLE_RESPONSE: DetailText("Réponse illisible", "Unreadable response"),
    DetailCode.FAILED: DetailText("Échec", "Failed"),
}

#: The detail of the step an error failed, by error class (subclasses take their parent's).
FAILURE_CODES: dict[type[AvantageError], DetailCode] = {
    HostNotFoundError: DetailCode.HOST_NOT_FOUND,
    AddressNotAllowedError: DetailCode.ADDRESS_NOT_ALLOWED,
    PortClosedError: DetailCode.CONNECTION_REFUSED,
    NoAnswerError: DetailCode.NO_ANSWER,
    NotAvantageServerError: DetailCode.NOT_MAINTCP,
    ServerBusyError: DetailCode.SERVER_BUSY,
    EncryptionKeyRequiredError: DetailCode.KEY_REQUIRED,
    WrongEncryptionKeyError: DetailCode.KEY_REJECTED,
    AuthenticationError: DetailCode.LOGIN_REFUSED,
    ServerError: DetailCode.SERVER_REFUSED,
    RequestTimeoutError: DetailCode.NO_RESPONSE,
    ConnectionLostError: DetailCode.CONNECTION_LOST,
    ProtocolError: DetailCode.UNREADABLE_RESPONSE,
    AvantageError: DetailCode.FAILED,
}


def render_detail(code: DetailCode, params: dict[str, str], lang: str = "fr") -> str:
    """The text of ``code`` with ``params``, in ``lang`` (``fr`` unless it starts with ``en``)."""
    text = DETAIL_TEXTS[code]
    return (text.text_en if lang.startswith("en") else text.text_fr).format(**params)


def failure_code(error: AvantageError) -> DetailCode:
    """The detail code of the step ``error`` failed."""
    return next(FAILURE_CODES[cls] for cls in type(error).__mro__ if cls in FAILURE_CODES)


@dataclass(frozen=True)
class StepResult:
    """One row of the diagnostics panel: ``detail_code`` and ``params`` say what happened.

    ``detail`` is the English text for logs (for a failure, the error's technical detail).
    """

    step: Step
    status: StepStatus
    detail: str = ""
    detail_code: DetailCode | None = None
    params: dict[str, str] = field(default_factory=dict)

    @property
    def detail_fr(self) -> str:
        """The detail in French (Québec)."""
        return self.detail_text("fr")

    @property
    def detail_en(self) -> str:
        """The detail in English."""
        return self.detail_text("en")

    def detail_text(self, lang: str = "fr") -> str:
        """The detail in ``lang``; the raw ``detail`` when the step has no code."""
        if self.detail_code is None:
            return self.detail
        return render_detail(self.detail_code, self.params, lang)


class StepLog:
    """Collects the status of each connection step of the latest connection attempt."""

    def __init__(self) -> None:
        self._results: dict[Step, StepResult] = {}
        self.reset()

    def reset(self) -> None:
        """Start a new attempt: every step not reached."""
        self._results = {
            step: StepResult(step, StepStatus.NOT_REACHED) for step in CONNECTION_STEPS
        }

    def passed(self, step: Step, code: DetailCode, **params: str) -> None:
        """Mark ``step`` passed, with what its detail says."""
        english = render_detail(code, params, "en")
        self._results[step] = StepResult(step, StepStatus.PASSED, english, code, params)

    def failed(self, error: AvantageError) -> None:
        """Mark the step of ``error`` failed (steps outside the connection, such as ``request``,
        are ignored)."""
        if error.step in self._results:
            params = {name: str(value) for name, value in error.params.items()}
            self._results[error.step] = StepResult(
                error.step, StepStatus.FAILED, error.detail, failure_code(error), params
            )

    def results(self) -> list[StepResult]:
        """The steps in order."""
        return list(self._results.values())
