"""Redis, or this process's own state while Redis is away: Redis is asked
again at the next call, or not until ``retry_after`` has passed."""

from __future__ import annotations

import time

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from common.redis_or_local import RedisOrLocal


class FlakyRedis:
    def __init__(self) -> None:
        self.up = True
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if not self.up:
            raise RedisConnectionError("connection refused")
        return "shared"


def test_redis_answers_while_it_is_up() -> None:
    redis = FlakyRedis()
    fallback = RedisOrLocal("test")
    assert fallback.run(redis, lambda: "local") == "shared"
    assert fallback.shared


def test_while_redis_is_away_it_is_asked_once_per_retry_period() -> None:
    redis = FlakyRedis()
    redis.up = False
    fallback = RedisOrLocal("test", retry_after=60)
    assert [fallback.run(redis, lambda: "local") for _ in range(3)] == ["local"] * 3
    assert redis.calls == 1 and not fallback.shared


def test_redis_is_used_again_once_the_retry_period_is_over() -> None:
    redis = FlakyRedis()
    redis.up = False
    fallback = RedisOrLocal("test", retry_after=0.05)
    assert fallback.run(redis, lambda: "local") == "local"
    redis.up = True
    assert fallback.run(redis, lambda: "local") == "local"  # still in the period
    time.sleep(0.06)
    assert fallback.run(redis, lambda: "local") == "shared"
    assert fallback.shared


def test_by_default_redis_is_asked_again_at_the_next_call() -> None:
    redis = FlakyRedis()
    redis.up = False
    fallback = RedisOrLocal("test")
    assert fallback.run(redis, lambda: "local") == "local"
    redis.up = True
    assert fallback.run(redis, lambda: "local") == "shared"
    assert redis.calls == 2 and fallback.shared


def test_errors_that_are_not_redis_being_away_propagate() -> None:
    def broken() -> str:
        raise KeyError("a bug, not an outage")

    with pytest.raises(KeyError):
        RedisOrLocal("test").run(broken, lambda: "local")
