"""State every process shares in Redis, or this process's own while Redis is
away: counting per process for a while beats refusing or admitting everyone.
Redis is asked again at the next call, or ``retry_after`` seconds later."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from redis.exceptions import RedisError

from common.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")


@dataclass
class RedisOrLocal:
    name: str
    retry_after: float = 0.0
    errors: tuple[type[BaseException], ...] = (RedisError, OSError)
    _away_until: float = 0.0

    @property
    def shared(self) -> bool:
        """Whether the last call reached Redis."""
        return self._away_until == 0.0

    def run(self, shared: Callable[[], T], local: Callable[[], T]) -> T:
        if time.monotonic() < self._away_until:
            return local()
        try:
            result = shared()
        except self.errors as exc:
            if self.shared:
                log.warning("redis.away_process_local", part=self.name, error=repr(exc))
            self._away_until = time.monotonic() + self.retry_after
            return local()
        if not self.shared:
            log.info("redis.shared_again", part=self.name)
        self._away_until = 0.0
        return result
