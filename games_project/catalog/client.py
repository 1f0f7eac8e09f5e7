"""HTTP client of the external games API (FreeToGame's shape).

- connect and read timeouts on every request;
- bounded retries with jittered exponential backoff on network errors, 5xx
  and 429 (honouring ``Retry-After``), never on 404;
- a circuit breaker: after repeated failures it opens and calls fail fast,
  then after a pause one trial call is let through (half-open);
- every response validated against the documented shape: a malformed payload
  is an upstream error, so it is never cached;
- a rate limit shared by every process through Redis, well under the
  10 requests/s FreeToGame asks for;
- a User-Agent naming the project.
"""

from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from common.events.contracts import compile_schema, describe_errors
from common.logging import get_logger
from games_project.catalog.metrics import BREAKER_OPEN, UPSTREAM_CALLS

log = get_logger(__name__)


class UpstreamUnavailable(Exception):
    """The games API could not give a usable answer (down, erroring, breaker open)."""


class UpstreamMalformed(UpstreamUnavailable):
    """The games API answered 200 with something that is not the documented shape."""


class BreakerOpen(UpstreamUnavailable):
    """Calls are failing fast until the breaker half-opens."""


class GameNotFound(Exception):
    """The games API says there is no game with this id."""


_NULLABLE_STRING = {"type": ["string", "null"]}
_LIST_ITEM = {
    "type": "object",
    "required": [
        "id",
        "title",
        "thumbnail",
        "short_description",
        "game_url",
        "genre",
        "platform",
        "publisher",
        "developer",
        "release_date",
        "freetogame_profile_url",
    ],
    "properties": {
        "id": {"type": "integer", "minimum": 1},
        "title": {"type": "string", "minLength": 1},
        "thumbnail": {"type": "string"},
        "short_description": {"type": "string"},
        "game_url": {"type": "string"},
        "genre": {"type": "string"},
        "platform": {"type": "string"},
        "publisher": {"type": "string"},
        "developer": {"type": "string"},
        "release_date": {"type": "string"},
        "freetogame_profile_url": {"type": "string"},
    },
}
LIST_VALIDATOR = compile_schema({"type": "array", "items": _LIST_ITEM})
DETAIL_VALIDATOR = compile_schema(
    {
        **_LIST_ITEM,
        "required": [*_LIST_ITEM["required"], "status", "description", "screenshots"],
        "properties": {
            **_LIST_ITEM["properties"],
            "status": {"type": "string"},
            "description": {"type": "string"},
            "screenshots": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "image"],
                    "properties": {"id": {"type": "integer"}, "image": {"type": "string"}},
                },
            },
            "minimum_system_requirements": {
                "type": "object",
                "properties": {
                    name: _NULLABLE_STRING
                    for name in ("os", "processor", "memory", "graphics", "storage")
                },
            },
        },
    }
)


@dataclass
class CircuitBreaker:
    failure_threshold: int
    reset_seconds: float
    state: str = "closed"  # closed | open | half_open
    failures: int = 0
    opened_at: float = 0.0
    _trial_in_flight: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self) -> bool:
        with self._lock:
            if self.state == "closed":
                return True
            if self.state == "open" and time.monotonic() - self.opened_at >= self.reset_seconds:
                self.state = "half_open"
                self._trial_in_flight = False
            if self.state == "half_open" and not self._trial_in_flight:
                self._trial_in_flight = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            if self.state != "closed":
                log.info("upstream.breaker_closed")
                BREAKER_OPEN.set(0)
            self.state, self.failures, self._trial_in_flight = "closed", 0, False

    def record_failure(self) -> None:
        with self._lock:
            self.failures += 1
            self._trial_in_flight = False
            if self.state == "half_open" or self.failures >= self.failure_threshold:
                if self.state != "open":
                    log.warning("upstream.breaker_opened", failures=self.failures)
                    BREAKER_OPEN.set(1)
                self.state, self.opened_at = "open", time.monotonic()


@dataclass
class SharedRateLimiter:
    """At most ``per_second`` calls in each wall-clock second, across every
    process sharing the Redis; a per-process limit when Redis is away."""

    per_second: int
    _local_window: int = 0
    _local_count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self) -> None:
        while True:
            second = int(time.time())
            try:
                key = f"upstream-rate:{second}"
                cache.add(key, 0, timeout=5)
                count = cache.incr(key)
            except (RedisError, ConnectionError, ValueError):
                count = self._local(second)
            if count <= self.per_second:
                return
            time.sleep(max(0.0, second + 1 - time.time()) + random.uniform(0, 0.05))

    def _local(self, second: int) -> int:
        with self._lock:
            if self._local_window != second:
                self._local_window, self._local_count = second, 0
            self._local_count += 1
            return self._local_count


class GamesApiClient:
    def __init__(
        self,
        *,
        base_url: str,
        connect_timeout: float,
        read_timeout: float,
        max_attempts: int,
        breaker: CircuitBreaker,
        limiter: SharedRateLimiter,
        user_agent: str,
        backoff_base: float = 0.2,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.max_attempts = max_attempts
        self.breaker = breaker
        self.limiter = limiter
        self.backoff_base = backoff_base
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})

    # -- the two upstream calls ---------------------------------------------
    def list_games(
        self,
        *,
        platform: str | None = None,
        category: str | None = None,
        sort_by: str | None = None,
    ) -> list[dict[str, Any]]:
        params = {"platform": platform, "category": category, "sort-by": sort_by}
        response = self._get("/games", {k: v for k, v in params.items() if v})
        if response.status_code == 404:
            return []  # upstream answers "no results" with a 404
        games = self._json(response)
        self._validate(LIST_VALIDATOR, games, "game list")
        return games

    def get_game(self, game_id: int) -> dict[str, Any]:
        response = self._get("/game", {"id": game_id})
        if response.status_code == 404:
            raise GameNotFound(game_id)
        game = self._json(response)
        self._validate(DETAIL_VALIDATOR, game, f"game {game_id}")
        if game["id"] != game_id:
            raise UpstreamMalformed(f"asked for game {game_id}, got {game['id']}")
        return game

    # -- plumbing -------------------------------------------------------------
    def _get(self, path: str, params: dict[str, Any]) -> requests.Response:
        last_problem = "no attempt made"
        for attempt in range(1, self.max_attempts + 1):
            if not self.breaker.allow():
                UPSTREAM_CALLS.labels(outcome="breaker_open").inc()
                raise BreakerOpen(f"circuit open after repeated failures ({last_problem})")
            self.limiter.acquire()
            retry_after: float | None = None
            try:
                response = self.session.get(
                    self.base_url + path, params=params, timeout=self.timeout
                )
            except requests.RequestException as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
                UPSTREAM_CALLS.labels(outcome="network_error").inc()
                self.breaker.record_failure()
            else:
                status = response.status_code
                if status < 500 and status != 429:
                    UPSTREAM_CALLS.labels(outcome=str(status)).inc()
                    self.breaker.record_success()
                    return response
                UPSTREAM_CALLS.labels(outcome=str(status)).inc()
                last_problem = f"HTTP {status}"
                if status == 429:
                    # Throttled, not broken: wait as asked, do not trip the breaker.
                    retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
                else:
                    self.breaker.record_failure()
            if attempt < self.max_attempts:
                pause = retry_after if retry_after is not None else self._backoff(attempt)
                log.info(
                    "upstream.retry",
                    path=path,
                    attempt=attempt,
                    problem=last_problem,
                    pause=round(pause, 3),
                )
                time.sleep(pause)
        log.warning("upstream.failed", path=path, problem=last_problem)
        raise UpstreamUnavailable(last_problem)

    def _backoff(self, attempt: int) -> float:
        return random.uniform(0, self.backoff_base * 2 ** (attempt - 1))

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            self.breaker.record_failure()
            raise UpstreamMalformed("the response is not JSON") from None

    def _validate(self, validator: Any, payload: Any, what: str) -> None:
        problems = describe_errors(validator, payload, limit=3)
        if problems is not None:
            self.breaker.record_failure()
            raise UpstreamMalformed(f"{what} is malformed: {problems}")


def _retry_after_seconds(value: str | None) -> float:
    try:
        return min(10.0, max(0.0, float(value))) if value else 1.0
    except ValueError:
        return 1.0


_client: GamesApiClient | None = None
_client_pid: int | None = None
_client_lock = threading.Lock()


def get_client() -> GamesApiClient:
    """The process's client (a new one after fork: sessions hold sockets)."""
    global _client, _client_pid
    with _client_lock:
        if _client is None or _client_pid != os.getpid():
            _client = GamesApiClient(
                base_url=settings.GAMES_API_BASE_URL,
                connect_timeout=settings.GAMES_API_CONNECT_TIMEOUT,
                read_timeout=settings.GAMES_API_READ_TIMEOUT,
                max_attempts=settings.GAMES_API_MAX_ATTEMPTS,
                breaker=CircuitBreaker(
                    failure_threshold=settings.GAMES_API_BREAKER_THRESHOLD,
                    reset_seconds=settings.GAMES_API_BREAKER_RESET_SECONDS,
                ),
                limiter=SharedRateLimiter(per_second=settings.GAMES_API_RATE_PER_SECOND),
                user_agent=settings.GAMES_API_USER_AGENT,
            )
            _client_pid = os.getpid()
        return _client


def reset_client() -> None:
    global _client, _client_pid
    with _client_lock:
        _client, _client_pid = None, None
