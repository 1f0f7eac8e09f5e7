"""The client address of a request: the one rule every throttle keys on.

``REMOTE_ADDR``, unless that peer is in ``TRUSTED_PROXY_NETWORKS``: then
``X-Forwarded-For`` is walked from the right past the trusted hops (why, and
what a forged header gets: docs/security.md, "Throttles").
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import cache

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def trusted_proxy_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.TRUSTED_PROXY_NETWORKS))


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: Address | None, networks: Iterable[Network]) -> bool:
    if address is None:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address.version == network.version and address in network for network in networks)


def client_address(request: HttpRequest | Request) -> str:
    """The address a request came from, as far as trusted proxies vouch for it."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = trusted_proxy_networks()
    current = _address(remote)
    if not networks or not _trusted(current, networks):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed(forwarded.split(",")):
        hop = _address(entry)
        if hop is None:
            # Not an address: nothing further left can be vouched for.
            break
        current = hop
        if not _trusted(current, networks):
            break
    return str(current)
