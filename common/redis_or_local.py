"""State every process shares in Redis, or this process's own while Redis is away.

The throttles, the circuit breaker to the games API and its rate limit keep
their state in Redis, so every process counts together. When Redis does not
answer, refusing every request or letting every one through would both be
worse than each process counting for itself for a while. Redis is asked
again ``retry_after`` seconds later, not on every call, which would wait for
a connection timeout each time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from redis.exceptions import RedisError

from common.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")


class RedisOrLocal:
    def __init__(
        self,
        name: str,
        *,
        retry_after: float = 5.0,
        errors: tuple[type[BaseException], ...] = (RedisError, OSError),
    ) -> None:
        self.name = name
        self._retry_after = retry_after
        self._errors = errors
        self._away_until = 0.0

    @property
    def shared(self) -> bool:
        """Whether the last call reached Redis."""
        return self._away_until == 0.0

    def run(self, shared: Callable[[], T], local: Callable[[], T]) -> T:
        """``shared()`` (talks to Redis), or ``local()`` when Redis is away."""
        if time.monotonic() >= self._away_until:
            try:
                result = shared()
            except self._errors as exc:
                if self.shared:
                    log.warning("redis.away_process_local", part=self.name, error=repr(exc))
                self._away_until = time.monotonic() + self._retry_after
            else:
                if not self.shared:
                    log.info("redis.shared_again", part=self.name)
                self._away_until = 0.0
                return result
        return local()
