"""The client address of a request: the one rule every throttle keys on.

``REMOTE_ADDR``, unless that peer is in ``TRUSTED_PROXY_NETWORKS``: then
``X-Forwarded-For`` is walked from the right past the trusted hops (why, and
what a forged header gets: docs/security.md, "Throttles").
"""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address.version == network.version and address in network for network in networks)


def client_address(request: HttpRequest | Request) -> str:
    """The address a request came from, as far as trusted proxies vouch for it."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(settings.TRUSTED_PROXY_NETWORKS))
    current = _address(remote)
    if current is None or not _trusted(current, networks):
        return remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        hop = _address(entry)
        if hop is None:
            break  # not an address: nothing further left can be vouched for
        current = hop
        if not _trusted(current, networks):
            break
    return str(current)
