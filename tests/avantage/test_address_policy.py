"""The public-address policy sees through IPv6 transition forms, at save and at connection time."""

from __future__ import annotations

import ipaddress

import pytest

from portal.avantage import AddressNotAllowedError, AvantageClient, Step, public_addresses_only
from portal.services import avantage_access

#: (address, what it carries or is) that the policy must refuse.
REFUSED = [
    ("64:ff9b::a9fe:a9fe", "NAT64 of 169.254.169.254"),
    ("64:ff9b::7f00:1", "NAT64 of 127.0.0.1"),
    ("64:ff9b::a00:1", "NAT64 of 10.0.0.1"),
    ("64:ff9b:1::a9fe:a9fe", "local-use NAT64 (/96) of 169.254.169.254"),
    ("64:ff9b:1:a9fe:a9:fe00:808:808", "local-use NAT64 (/48) of 169.254.169.254"),
    ("2002:a9fe:a9fe::", "6to4 of 169.254.169.254"),
    ("2002:7f00:1::1", "6to4 of 127.0.0.1"),
    ("2002:c0a8:1::1", "6to4 of 192.168.0.1"),
    ("::a9fe:a9fe", "IPv4-compatible 169.254.169.254"),
    ("::7f00:1", "IPv4-compatible 127.0.0.1"),
    ("::ffff:127.0.0.1", "IPv4-mapped 127.0.0.1"),
    ("::ffff:10.1.2.3", "IPv4-mapped 10.1.2.3"),
    ("::ffff:0:a9fe:a9fe", "IPv4-translated 169.254.169.254"),
    ("2001:0:7f00:1::", "Teredo server 127.0.0.1"),
    ("2001:0:808:808::f5ff:fffe", "Teredo client 10.0.0.1 (obfuscated)"),
    ("fec0::1", "site-local"),
    ("feff:ffff::1", "site-local, upper end"),
    ("fe80::1", "link-local"),
    ("::1", "loopback"),
    ("ff0e::1", "multicast"),
    ("100.64.0.1", "shared address space"),
    ("224.0.0.1", "IPv4 multicast"),
]
#: Public addresses, plain or carrying a public IPv4, stay allowed.
ALLOWED = [
    "8.8.8.8",
    "2606:4700::1111",
    "2002:808:808::",  # 6to4 of 8.8.8.8
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
    "::ffff:8.8.8.8",
    "64:ff9b:1:808:8:808:808:808",  # 8.8.8.8 whatever the local-use prefix length
]


@pytest.mark.parametrize(("address", "form"), REFUSED, ids=[form for _, form in REFUSED])
def test_the_policy_refuses(address: str, form: str) -> None:
    with pytest.raises(AddressNotAllowedError) as raised:
        public_addresses_only(ipaddress.ip_address(address))
    assert str(ipaddress.ip_address(address)) in raised.value.message_fr


@pytest.mark.parametrize("address", ALLOWED)
def test_the_policy_allows(address: str) -> None:
    public_addresses_only(ipaddress.ip_address(address))


@pytest.mark.parametrize(("address", "form"), REFUSED, ids=[form for _, form in REFUSED])
def test_refused_when_saved(app, address: str, form: str) -> None:
    url = f"tcp://[{address}]:2131" if ":" in address else f"tcp://{address}:2131"
    with pytest.raises(avantage_access.AccessPointAddressError) as raised:
        avantage_access.parse_address(url, allow_private=False)
    assert "n'est pas permise" in raised.value.message


@pytest.mark.parametrize("address", ALLOWED)
def test_allowed_when_saved(app, address: str) -> None:
    url = f"tcp://[{address}]:2131" if ":" in address else f"tcp://{address}:2131"
    host, port = avantage_access.parse_address(url, allow_private=False)
    assert (ipaddress.ip_address(host), port) == (ipaddress.ip_address(address), 2131)


@pytest.mark.parametrize(("address", "form"), REFUSED, ids=[form for _, form in REFUSED])
def test_refused_when_connecting_before_any_packet(address: str, form: str) -> None:
    policy = avantage_access.address_policy(allow_private=False)
    client = AvantageClient(address, 2131, "u", "p", address_policy=policy, retries=0)
    with pytest.raises(AddressNotAllowedError) as raised:
        client.login()
    assert raised.value.step == Step.RESOLVE
    assert [step.status.value for step in client.diagnostics][:2] == ["failed", "not_reached"]
