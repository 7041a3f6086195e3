"""Everything that can go wrong talking to MainTCP, as typed errors a UI can explain.

Each error says at which diagnostics step it happened, what happened and which setup
step fixes it, in French (Québec) and English. ``detail`` is the raw technical detail
for logs; it never holds a password or an encryption key.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from portal.avantage.steps import StepResult


class Step(StrEnum):
    """The diagnostics steps of a connection, in order, then ``request`` for later exchanges."""

    RESOLVE = "resolve"
    CONNECT = "connect"
    GREETING = "greeting"
    ENCRYPTION = "encryption"
    LOGIN = "login"
    REQUEST = "request"


class AvantageError(Exception):
    """Base class: a failure with its step, bilingual message and fix, and a ``transient`` flag."""

    step: Step = Step.REQUEST
    transient: ClassVar[bool] = False
    text_fr: ClassVar[str] = "Erreur de communication avec le serveur Avantage."
    text_en: ClassVar[str] = "Error while talking to the Avantage server."
    how_fr: ClassVar[str] = "Réessayez; si le problème persiste, transmettez le journal au soutien."
    how_en: ClassVar[str] = "Try again; if the problem persists, send the log to support."

    def __init__(self, detail: str = "", *, step: Step | None = None, **params: Any) -> None:
        if step is not None:
            self.step = step
        self.detail = detail
        self.params = params
        #: The connection steps as they stood when this error was raised (see diagnostics).
        self.diagnostics: list[StepResult] = []
        super().__init__(self.message_en + (f" [{detail}]" if detail else ""))

    @property
    def message_fr(self) -> str:
        """What happened, in French (Québec)."""
        return self.text_fr.format(**self.params)

    @property
    def message_en(self) -> str:
        """What happened, in English."""
        return self.text_en.format(**self.params)

    @property
    def fix_fr(self) -> str:
        """The setup step that fixes it, in French (Québec)."""
        return self.how_fr.format(**self.params)

    @property
    def fix_en(self) -> str:
        """The setup step that fixes it, in English."""
        return self.how_en.format(**self.params)

    def message(self, lang: str = "fr") -> str:
        """What happened, in ``lang`` (``fr`` unless it starts with ``en``)."""
        return self.message_en if lang.startswith("en") else self.message_fr

    def fix(self, lang: str = "fr") -> str:
        """How to fix it, in ``lang`` (``fr`` unless it starts with ``en``)."""
        return self.fix_en if lang.startswith("en") else self.fix_fr


class HostNotFoundError(AvantageError):
    """The host name resolves to no address."""

    step = Step.RESOLVE
    text_fr = "Le serveur « {host} » est introuvable : ce nom ne correspond à aucune adresse."
    text_en = "The server “{host}” cannot be found: this name has no address."
    how_fr = (
        "Vérifiez le nom ou l'adresse IP du serveur Avantage dans le point d'accès; depuis le "
        "serveur du portail, « nslookup {host} » doit donner son adresse."
    )
    how_en = (
        "Check the Avantage server's name or IP address in the access point; from the portal's "
        "server, “nslookup {host}” must return its address."
    )

    def __init__(self, host: str, detail: str = "") -> None:
        super().__init__(detail, host=host)


class AddressNotAllowedError(AvantageError):
    """The caller's address policy refuses an address the host resolved to."""

    step = Step.RESOLVE
    text_fr = "L'adresse {address} n'est pas permise pour un point d'accès Avantage."
    text_en = "The address {address} is not allowed for an Avantage access point."
    how_fr = (
        "Utilisez l'adresse publique du serveur Avantage, ou demandez à l'administrateur du "
        "portail d'autoriser les adresses locales et privées pour ce déploiement."
    )
    how_en = (
        "Use the Avantage server's public address, or ask the portal's administrator to allow "
        "local and private addresses for this deployment."
    )

    def __init__(self, address: object, detail: str = "") -> None:
        super().__init__(detail, address=str(address))


class PortClosedError(AvantageError):
    """The server answered but refused the connection: nothing listens on the port."""

    step = Step.CONNECT
    text_fr = "Le serveur {host} a refusé la connexion au port {port} : MainTCP n'y écoute pas."
    text_en = "The server {host} refused the connection on port {port}: MainTCP is not listening."
    how_fr = (
        "Vérifiez que MainTCP est démarré et écoute sur le port {port} du serveur Avantage "
        "(sur ce serveur : Test-NetConnection localhost -Port {port})."
    )
    how_en = (
        "Check that MainTCP is running and listening on port {port} of the Avantage server "
        "(on that server: Test-NetConnection localhost -Port {port})."
    )

    def __init__(self, host: str, port: int, detail: str = "") -> None:
        super().__init__(detail, host=host, port=port)


class NoAnswerError(AvantageError):
    """The connection never completed: a firewall drops it silently."""

    step = Step.CONNECT
    text_fr = "Le serveur {host} ne répond pas sur le port {port} (aucune réponse en {timeout} s)."
    text_en = "The server {host} does not answer on port {port} (no answer within {timeout} s)."
    how_fr = (
        "Sur le serveur Avantage, ajoutez une règle entrante au pare-feu Windows qui autorise le "
        "port TCP {port} depuis l'adresse du portail; vérifiez aussi le pare-feu du réseau "
        "(routeur) entre le portail et ce serveur."
    )
    how_en = (
        "On the Avantage server, add an inbound Windows Firewall rule allowing TCP port {port} "
        "from the portal's address; also check the network firewall (router) between the portal "
        "and that server."
    )

    def __init__(self, host: str, port: int, timeout: float, detail: str = "") -> None:
        super().__init__(detail, host=host, port=port, timeout=f"{timeout:g}")


class NotAvantageServerError(AvantageError):
    """Something answers on the port, but no MainTCP greeting arrived in time."""

    step = Step.GREETING
    text_fr = "Le service qui répond sur {host}:{port} n'est pas un serveur Avantage MainTCP."
    text_en = "The service answering on {host}:{port} is not an Avantage MainTCP server."
    how_fr = (
        "Vérifiez le numéro de port : MainTCP écoute par défaut sur le port 2131. Un autre "
        "logiciel (site Web, SSH…) occupe peut-être le port indiqué."
    )
    how_en = (
        "Check the port number: MainTCP listens on port 2131 by default. Another program "
        "(web site, SSH…) may be using the port given."
    )

    def __init__(self, host: str, port: int, detail: str = "") -> None:
        super().__init__(detail, host=host, port=port)


class EncryptionKeyRequiredError(AvantageError):
    """The server encrypts (``crypto=on``) and no key was given."""

    step = Step.ENCRYPTION
    text_fr = "Ce serveur MainTCP exige une clé de chiffrement."
    text_en = "This MainTCP server requires an encryption key."
    how_fr = (
        "Entrez la clé de chiffrement fournie par l'administrateur d'Avantage (le mot de passe "
        "de chiffrement de MainTCP, 5 ou 16 caractères)."
    )
    how_en = (
        "Enter the encryption key given by the Avantage administrator (MainTCP's encryption "
        "password, 5 or 16 characters)."
    )


class WrongEncryptionKeyError(AvantageError):
    """The server could not decrypt our frames (``ERR CRYPTO``)."""

    step = Step.ENCRYPTION
    text_fr = "Le serveur MainTCP a refusé la clé de chiffrement."
    text_en = "The MainTCP server rejected the encryption key."
    how_fr = (
        "Entrez de nouveau la clé de chiffrement exacte fournie par l'administrateur "
        "d'Avantage (les majuscules comptent)."
    )
    how_en = (
        "Enter again the exact encryption key given by the Avantage administrator "
        "(it is case-sensitive)."
    )


class AuthenticationError(AvantageError):
    """LOGIN answered AUTH_FAILED: wrong user or password."""

    step = Step.LOGIN
    text_fr = "Le serveur Avantage a refusé l'utilisateur « {user} » ou son mot de passe."
    text_en = "The Avantage server rejected the user “{user}” or its password."
    how_fr = (
        "Vérifiez l'utilisateur et le mot de passe MainTCP auprès de l'administrateur "
        "d'Avantage. Après trois essais refusés, le serveur ferme la connexion."
    )
    how_en = (
        "Check the MainTCP user and password with the Avantage administrator. After three "
        "refused attempts the server closes the connection."
    )

    def __init__(self, user: str, detail: str = "") -> None:
        super().__init__(detail, user=user)


class ServerBusyError(AvantageError):
    """The server has reached its number of simultaneous sessions (BUSY)."""

    step = Step.GREETING
    transient = True
    text_fr = "Le serveur MainTCP est occupé : le nombre maximal de sessions est atteint."
    text_en = "The MainTCP server is busy: its maximum number of sessions is reached."
    how_fr = "Réessayez dans quelques minutes, ou augmentez le nombre de sessions dans MainTCP."
    how_en = "Try again in a few minutes, or raise the number of sessions in MainTCP."


class ProtocolError(AvantageError):
    """The server sent something AVTCP/1 does not allow (malformed frame, bad seq, garbage)."""

    text_fr = "Le serveur MainTCP a envoyé une réponse illisible."
    text_en = "The MainTCP server sent an unreadable response."
    how_fr = (
        "Réessayez; si cela se répète, vérifiez la version de MainTCP et transmettez le journal "
        "technique au soutien."
    )
    how_en = (
        "Try again; if it happens again, check the MainTCP version and send the technical log "
        "to support."
    )


class ConnectionLostError(AvantageError):
    """The connection dropped while waiting for the server."""

    transient = True
    text_fr = "La connexion avec le serveur Avantage a été interrompue."
    text_en = "The connection to the Avantage server was interrupted."
    how_fr = (
        "Réessayez; si cela se répète, vérifiez la stabilité du réseau vers le serveur Avantage."
    )
    how_en = "Try again; if it happens again, check the network's stability to the Avantage server."


class RequestTimeoutError(AvantageError):
    """The server did not answer a request within the timeout."""

    transient = True
    text_fr = "Le serveur Avantage n'a pas répondu à temps (délai de {timeout} s)."
    text_en = "The Avantage server did not answer in time ({timeout} s limit)."
    how_fr = "Réessayez plus tard; si cela se répète, vérifiez la charge du serveur Avantage."
    how_en = "Try again later; if it happens again, check the Avantage server's load."

    def __init__(self, timeout: float, detail: str = "", *, step: Step | None = None) -> None:
        super().__init__(detail, step=step, timeout=f"{timeout:g}")


class ServerError(AvantageError):
    """The server answered ``ok: false``; ``code`` and ``server_message`` say why."""

    text_fr = "Le serveur Avantage a refusé la demande ({code}) : {server_message}"
    text_en = "The Avantage server refused the request ({code}): {server_message}"
    how_fr = "Vérifiez les données envoyées; le détail technique est au journal."
    how_en = "Check the data sent; the technical detail is in the log."

    def __init__(self, code: str, server_message: str, *, step: Step | None = None) -> None:
        super().__init__(
            f"{code}: {server_message}", step=step, code=code, server_message=server_message
        )
        self.code = code
        self.server_message = server_message
