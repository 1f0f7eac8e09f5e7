"""The shared circuit breaker: one state for every process, and a
process-local one while Redis is away."""

from __future__ import annotations

import uuid

import pybreaker
import pytest
from django_redis import get_redis_connection
from redis import Redis

from games_project.catalog.breaker import RedisOrLocalStorage, upstream_breaker
from tests.support.clock import FakeClock


class Down(Exception):
    pass


def fail() -> None:
    raise Down("upstream down")


def ok() -> str:
    return "ok"


def breaker_on(
    storage: RedisOrLocalStorage, *, threshold: int = 2, reset_seconds: float = 30
) -> pybreaker.CircuitBreaker:
    return upstream_breaker(
        failure_threshold=threshold, reset_seconds=reset_seconds, storage=storage
    )


def shared_storage(namespace: str) -> RedisOrLocalStorage:
    return RedisOrLocalStorage(get_redis_connection("default"), namespace=namespace)


def test_failures_in_one_process_open_the_breaker_for_another() -> None:
    namespace = f"test-breaker-{uuid.uuid4().hex}"
    # Two breakers over one Redis namespace: what two gunicorn workers hold.
    first = breaker_on(shared_storage(namespace), threshold=2)
    second = breaker_on(shared_storage(namespace), threshold=2)
    with pytest.raises(Down):
        first.call(fail)
    with pytest.raises(Down):
        second.call(fail)  # the second failure, counted together: opens it
    calls = []
    with pytest.raises(pybreaker.CircuitBreakerError):
        first.call(lambda: calls.append(1))
    assert calls == []  # failed fast in the process that saw no failure of its own
    assert first.current_state == second.current_state == "open"


def test_the_open_window_ends_after_the_reset_seconds_not_before(breaker_clock: FakeClock) -> None:
    clock = breaker_clock
    guarded = breaker_on(
        shared_storage(f"test-breaker-{uuid.uuid4().hex}"), threshold=1, reset_seconds=30
    )
    with pytest.raises(Down):
        guarded.call(fail)
    clock.advance(28)
    with pytest.raises(pybreaker.CircuitBreakerError):
        guarded.call(ok)
    clock.advance(3)
    assert guarded.call(ok) == "ok"  # the half-open trial succeeded
    assert guarded.current_state == "closed"


def test_with_redis_away_the_breaker_still_opens_in_this_process(unused_port: int) -> None:
    away = Redis(host="127.0.0.1", port=unused_port, socket_connect_timeout=0.2)
    storage = RedisOrLocalStorage(away, namespace="unreachable")
    guarded = breaker_on(storage, threshold=2)
    for _ in range(2):
        with pytest.raises(Down):
            guarded.call(fail)
    with pytest.raises(pybreaker.CircuitBreakerError):
        guarded.call(ok)
    assert not storage._redis.shared and guarded.current_state == "open"  # in memory
