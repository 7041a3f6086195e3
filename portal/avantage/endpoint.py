"""Parsing an access point's address (``tcp://host:port``) and the public-address policy."""

from __future__ import annotations

import ipaddress
import re
from typing import ClassVar

from portal.avantage.errors import AddressNotAllowedError
from portal.avantage.protocol import DEFAULT_PORT

MAX_HOST_LENGTH = 253
_LABEL_RE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class EndpointError(ValueError):
    """An address the form cannot accept; ``message(lang)`` explains it in French or English."""

    text_fr: ClassVar[str] = ""
    text_en: ClassVar[str] = ""

    def __init__(self, **params: object) -> None:
        self.message_fr = self.text_fr.format(**params)
        self.message_en = self.text_en.format(**params)
        super().__init__(self.message_en)

    def message(self, lang: str = "fr") -> str:
        """The explanation in ``lang`` (``fr`` unless it starts with ``en``)."""
        return self.message_en if lang.startswith("en") else self.message_fr


class EmptyEndpointError(EndpointError):
    text_fr = "Entrez l'adresse du serveur Avantage, par exemple tcp://serveur:2131."
    text_en = "Enter the Avantage server's address, for example tcp://server:2131."


class UnsupportedSchemeError(EndpointError):
    text_fr = (
        "« {scheme}:// » n'est pas accepté : l'adresse doit commencer par tcp:// ou par le nom."
    )
    text_en = "“{scheme}://” is not accepted: the address must start with tcp:// or the host name."


class ExtraEndpointPartError(EndpointError):
    text_fr = "Retirez {part_fr} de l'adresse : seuls le serveur et le port sont permis."
    text_en = "Remove the {part_en} from the address: only the server and the port are allowed."


class InvalidPortError(EndpointError):
    text_fr = "Le port « {port} » n'est pas valide : entrez un nombre de 1 à 65535 (souvent 2131)."
    text_en = "The port “{port}” is not valid: enter a number from 1 to 65535 (usually 2131)."


class InvalidHostError(EndpointError):
    text_fr = (
        "Le nom de serveur « {host} » n'est pas valide : lettres, chiffres, points et traits "
        "d'union seulement, 253 caractères au plus, ou une adresse IP."
    )
    text_en = (
        "The server name “{host}” is not valid: letters, digits, dots and hyphens only, "
        "at most 253 characters, or an IP address."
    )


_PARTS = {
    "@": ("le nom d'utilisateur (avant « @ »)", "user name (before “@”)"),
    "/": ("le chemin (après « / »)", "path (after “/”)"),
    "?": ("les paramètres (après « ? »)", "query (after “?”)"),
    "#": ("le fragment (après « # »)", "fragment (after “#”)"),
}


def parse_endpoint(text: str) -> tuple[str, int]:
    """``tcp://host:port``, ``host:port``, ``host`` (port 2131) or ``[v6]:port`` → (host, port)."""
    text = text.strip()
    if not text:
        raise EmptyEndpointError()
    if "://" in text:
        scheme, text = text.split("://", 1)
        if scheme.lower() != "tcp":
            raise UnsupportedSchemeError(scheme=scheme)
    for mark, (part_fr, part_en) in _PARTS.items():
        if mark in text:
            raise ExtraEndpointPartError(part_fr=part_fr, part_en=part_en)
    host, port_text = _split_host_port(text)
    return _checked_host(host), _checked_port(port_text)


def _split_host_port(text: str) -> tuple[str, str | None]:
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise InvalidHostError(host=text)
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidHostError(host=host) from None
        return host, rest[1:] if rest else None
    if text.count(":") > 1:
        try:
            return str(ipaddress.IPv6Address(text)), None
        except ValueError:
            raise InvalidHostError(host=text) from None
    host, colon, port = text.partition(":")
    return host, port if colon else None


def _checked_host(host: str) -> str:
    if ":" in host:
        return host
    labels = host.rstrip(".").split(".")
    if (
        not host
        or len(host) > MAX_HOST_LENGTH
        or not all(_LABEL_RE.fullmatch(label) for label in labels)
    ):
        raise InvalidHostError(host=host[:80])
    return host


def _checked_port(port_text: str | None) -> int:
    if port_text is None:
        return DEFAULT_PORT
    if not re.fullmatch(r"[0-9]{1,5}", port_text) or not 1 <= int(port_text) <= 65535:
        raise InvalidPortError(port=port_text[:20])
    return int(port_text)


#: Site-local unicast (deprecated by RFC 3879, still routed inside some networks).
SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")
#: NAT64 prefixes: the well-known /96 (RFC 6052) and the local-use /48 (RFC 8215).
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
#: IPv4-compatible (``::a.b.c.d``, deprecated) and SIIT's IPv4-translated ``::ffff:0:a.b.c.d``.
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
#: The forms whose last 32 bits are the IPv4 address (a local-use NAT64 /96 too).
_LOW_32_BITS = (IPV4_COMPATIBLE, IPV4_TRANSLATED, NAT64_WELL_KNOWN, NAT64_LOCAL_USE)
#: Where RFC 6052 puts the IPv4 address for the other prefix lengths a local-use NAT64 prefix
#: may have (/48, /56, /64): byte offsets once the reserved byte 8 ("u") is removed.
_LOCAL_USE_OFFSETS = (6, 7, 8)


def public_addresses_only(address: IPAddress) -> None:
    """Address policy that refuses loopback, link-local, private, site-local, multicast and other
    non-public addresses, and IPv6 transition forms whose embedded IPv4 is one of them."""
    if not _is_public(address):
        raise AddressNotAllowedError(address, "not a public address")
    for embedded in embedded_ipv4(address):
        if not _is_public(embedded):
            raise AddressNotAllowedError(address, f"carries {embedded}, not a public address")


def _is_public(address: IPAddress) -> bool:
    if address.is_multicast or not address.is_global:
        return False
    return isinstance(address, ipaddress.IPv4Address) or address not in SITE_LOCAL


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 transition form leads to: IPv4-mapped, -compatible and
    -translated, 6to4, Teredo (server and client), NAT64; none for any other address.

    A local-use NAT64 prefix may be /48 to /96, so every place its IPv4 may sit is returned.
    """
    if isinstance(address, ipaddress.IPv4Address):
        return []
    packed = address.packed
    low_32_bits = any(address in network for network in _LOW_32_BITS)
    found = [ipaddress.IPv4Address(packed[12:])] if low_32_bits else []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)  # the client's address comes back de-obfuscated
    if address in NAT64_LOCAL_USE:
        without_u = packed[:8] + packed[9:]
        found += [ipaddress.IPv4Address(without_u[at : at + 4]) for at in _LOCAL_USE_OFFSETS]
    return found
