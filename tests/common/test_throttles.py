"""The shared throttle: one Redis counter per bucket for every process, a
per-process counter while Redis is away, refusals that do not count."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from limits.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from rest_framework.test import APIRequestFactory, override_settings

from common.api import throttles
from common.api.throttles import RedisOrLocalThrottle


class PerAddress(RedisOrLocalThrottle):
    """The default bucket: the client address."""

    scope = "test_per_address"


def rates(rate: str) -> Any:
    from django.conf import settings

    config = {**settings.REST_FRAMEWORK}
    config["DEFAULT_THROTTLE_RATES"] = {
        **config["DEFAULT_THROTTLE_RATES"],
        "test_per_address": rate,
    }
    return override_settings(REST_FRAMEWORK=config)


def attempt(address: str = "10.9.9.9") -> PerAddress:
    """One request through a fresh throttle object (DRF makes one per request)."""
    throttle = PerAddress()
    throttle.allowed = throttle.allow_request(
        APIRequestFactory().get("/", REMOTE_ADDR=address), view=None
    )
    return throttle


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    cache.delete_pattern("*")
    throttles._local_limiter.cache_clear()
    yield
    cache.delete_pattern("*")
    throttles._local_limiter.cache_clear()


def test_a_bucket_refuses_past_its_rate_with_a_wait_within_the_window() -> None:
    with rates("3/min"):
        assert [attempt().allowed for _ in range(3)] == [True, True, True]
        refused = attempt()
        assert refused.allowed is False
        assert 1 <= refused.wait() <= 60
        # Another address has a bucket of its own.
        assert attempt("10.1.1.1").allowed is True


def test_the_count_lives_in_redis_under_the_caches_key_prefix() -> None:
    with rates("5/min"):
        attempt()
        keys = cache.keys("throttle:*")  # django-redis adds the prefix and version
        assert keys, "no throttle counter in Redis under this cache's prefix"
        cache.delete_pattern("throttle:*")  # what the tests' reset does
        assert [attempt().allowed for _ in range(5)] == [True] * 5


def test_refused_requests_are_not_counted() -> None:
    with rates("2/min"):
        assert [attempt().allowed for _ in range(2)] == [True, True]
        assert not any(attempt().allowed for _ in range(10))
    # The window counters in Redis hold the two accepted requests only.
    assert sum(int(cache.get(key)) for key in cache.keys("throttle:*")) == 2


def test_while_redis_is_away_each_process_counts_for_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unreachable = SlidingWindowCounterRateLimiter(
        RedisStorage("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    )
    monkeypatch.setattr(throttles, "_shared_limiter", lambda: unreachable)
    with rates("2/min"):
        assert [attempt().allowed for _ in range(2)] == [True, True]
        refused = attempt()
        assert refused.allowed is False
        assert 1 <= refused.wait() <= 60
