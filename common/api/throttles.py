"""Rate limits both services use: counted in Redis, shared by every process,
keyed on the client address."""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache as default_cache
from django.http import HttpRequest
from django_redis import get_redis_connection
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from common.redis_or_local import RedisOrLocal

T = TypeVar("T")
_redis = RedisOrLocal("throttle")


@cache
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def address_in(text: str, cidrs: Iterable[str]) -> bool:
    """Whether ``text`` is an address in one of ``cidrs``; an IPv4-mapped IPv6
    address (a dual-stack listener's IPv4 peer) counts as its IPv4 address."""
    address = _address(text)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address is not None and any(address in network for network in _networks(tuple(cidrs)))


def client_address(request: HttpRequest | Request) -> str:
    """``REMOTE_ADDR``, unless that peer is in ``TRUSTED_PROXY_NETWORKS``: then
    ``X-Forwarded-For`` walked from the right past the trusted hops
    (docs/security.md, "Throttles")."""
    current = request.META.get("REMOTE_ADDR", "")
    hops = reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(","))
    while address_in(current, settings.TRUSTED_PROXY_NETWORKS):
        if (hop := _address(next(hops, ""))) is None:
            break  # none left, or not an address: nothing further left can be vouched for
        current = str(hop)
    return current


@cache
def _shared_limiter() -> SlidingWindowCounterRateLimiter:
    """On the cache's connection pool, under its key prefix, so a second copy
    of the system (or a test run) keeps counters of its own."""
    storage = RedisStorage(
        settings.CACHES["default"]["LOCATION"],
        connection_pool=get_redis_connection("default").connection_pool,
        key_prefix=default_cache.make_key("throttle"),
    )
    return SlidingWindowCounterRateLimiter(storage)


@cache
def _local_limiter() -> SlidingWindowCounterRateLimiter:
    return SlidingWindowCounterRateLimiter(MemoryStorage())


class RedisOrLocalThrottle(SimpleRateThrottle):
    """The ``limits`` library's sliding-window counter in Redis (docs/security.md,
    "Throttles"), or in this process's memory while Redis is away. Subclasses
    say whose bucket a request spends (``bucket``; by default its address)."""

    def get_ident(self, request: Any) -> str:
        # TRUSTED_PROXY_NETWORKS decides whose X-Forwarded-For counts, not
        # DRF's NUM_PROXIES, which believes the header from any peer.
        return client_address(request)

    def bucket(self, request: Any, view: Any) -> str | None:
        """Whose bucket this request spends; ``None``: not throttled."""
        return self.get_ident(request)

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Any, view: Any) -> bool:
        return self._limit(request, view, spend=True)

    def _limit(self, request: Any, view: Any, *, spend: bool) -> bool:
        """Whether the bucket takes one more; with ``spend`` it takes it, if it can."""
        if self.rate is None or (bucket := self.bucket(request, view)) is None:
            return True
        self.key = self.cache_format % {"scope": self.scope, "ident": bucket}
        self.item = RateLimitItemPerSecond(self.num_requests, self.duration)
        return self._on_limiter(
            lambda limiter: (limiter.hit if spend else limiter.test)(self.item, self.key)
        )

    @staticmethod
    def _on_limiter(operation: Callable[[SlidingWindowCounterRateLimiter], T]) -> T:
        return _redis.run(lambda: operation(_shared_limiter()), lambda: operation(_local_limiter()))

    def wait(self) -> int:
        """Rounded up as DRF's own 429s: never "come back now" while still full."""
        stats = self._on_limiter(lambda limiter: limiter.get_window_stats(self.item, self.key))
        return max(1, math.ceil(stats.reset_time - time.time()))


class FailureThrottle(RedisOrLocalThrottle):
    """A bucket only failures spend (django-axes' rule): checking costs
    nothing; the caller spends one with ``record_failure``."""

    def allow_request(self, request: Any, view: Any) -> bool:
        return self._limit(request, view, spend=False)

    def record_failure(self, request: Any, view: Any) -> None:
        self._limit(request, view, spend=True)
