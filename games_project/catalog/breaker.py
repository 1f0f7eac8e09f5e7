"""pybreaker with its state in Redis, so every process sees one breaker."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import pybreaker
from redis import Redis
from redis.exceptions import RedisError

from common.logging import get_logger
from common.redis_or_local import RedisOrLocal
from games_project.catalog.metrics import BREAKER_OPEN

log = get_logger(__name__)
T = TypeVar("T")


class _RedisAway(Exception):
    """Redis did not answer (raised past pybreaker, which would swallow it)."""


class _Raising:
    """The Redis client, its errors turned into one pybreaker does not catch."""

    def __init__(self, client: Redis) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except (RedisError, OSError) as exc:
                raise _RedisAway(repr(exc)) from exc

        return call


def _forwarded(name: str) -> property:
    return property(
        lambda self: self._use(lambda s: getattr(s, name)),
        lambda self, value: self._use(lambda s: setattr(s, name, value)),
    )


def _forwarded_call(name: str) -> Callable[[Any], None]:
    return lambda self: self._use(lambda s: getattr(s, name)())


class RedisOrLocalStorage(pybreaker.CircuitBreakerStorage):
    """Memory while Redis is away: pybreaker's Redis storage answers "closed"
    when Redis errors, so the breaker could not open during an outage."""

    def __init__(self, client: Redis, *, namespace: str) -> None:
        super().__init__("redis-or-local")
        self._client = _Raising(client)
        self._namespace = namespace
        self._redis = RedisOrLocal("breaker", retry_after=5.0, errors=(_RedisAway,))
        self._local = pybreaker.CircuitMemoryStorage(pybreaker.STATE_CLOSED)

    def _use(self, operation: Callable[[pybreaker.CircuitBreakerStorage], T]) -> T:
        return self._redis.run(lambda: operation(self._shared), lambda: operation(self._local))

    @functools.cached_property
    def _shared(self) -> pybreaker.CircuitRedisStorage:
        # Built at first use, within run(): its constructor talks to Redis.
        return pybreaker.CircuitRedisStorage(
            pybreaker.STATE_CLOSED, self._client, namespace=self._namespace
        )

    # pybreaker's storage interface, each member forwarded to the storage in use.
    state = _forwarded("state")
    counter = _forwarded("counter")
    success_counter = _forwarded("success_counter")
    opened_at = _forwarded("opened_at")
    increment_counter = _forwarded_call("increment_counter")
    reset_counter = _forwarded_call("reset_counter")
    increment_success_counter = _forwarded_call("increment_success_counter")
    reset_success_counter = _forwarded_call("reset_success_counter")


class _Gauge(pybreaker.CircuitBreakerListener):
    """``games_upstream_breaker_open``, set whenever this process sees a change."""

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        is_open = new_state.name != pybreaker.STATE_CLOSED
        BREAKER_OPEN.set(1 if is_open else 0)
        if old_state is not None:
            event = "upstream.breaker_" + new_state.name.replace("-", "_")
            (log.warning if is_open else log.info)(event, was=old_state.name)


def upstream_breaker(
    *,
    failure_threshold: int,
    reset_seconds: float,
    storage: pybreaker.CircuitBreakerStorage,
    not_failures: tuple[type[BaseException], ...] = (),
) -> pybreaker.CircuitBreaker:
    return pybreaker.CircuitBreaker(
        fail_max=failure_threshold,
        reset_timeout=reset_seconds,
        exclude=list(not_failures),
        listeners=[_Gauge()],
        state_storage=storage,
        name="games-api",
        # The call that trips it fails with its own error, not a generic one.
        throw_new_error_on_trip=False,
    )
