"""HTTP client of the games API: every response validated, so a malformed
payload is never cached (docs/architecture.md, "The catalog survives its upstream")."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pybreaker
import requests
from django.conf import settings
from django.core.cache import cache
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from requests.adapters import HTTPAdapter
from urllib3 import BaseHTTPResponse
from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

from common.events.contracts import compile_schema, describe_errors
from common.logging import get_logger
from common.per_process import PerProcess
from common.redis_or_local import RedisOrLocal
from games_project.catalog.breaker import RedisOrLocalStorage, upstream_breaker
from games_project.catalog.metrics import UPSTREAM_CALLS

log = get_logger(__name__)


class UpstreamUnavailable(Exception):
    """The games API could not give a usable answer (down, erroring, breaker open)."""


class UpstreamMalformed(UpstreamUnavailable):
    """The games API answered 200 with something that is not the documented shape."""


class BreakerOpen(UpstreamUnavailable):
    """Calls are failing fast until the breaker half-opens."""


class UpstreamThrottled(UpstreamUnavailable):
    """Still 429 after the retries: throttled, which is not broken."""


class UpstreamBusy(UpstreamUnavailable):
    """No rate-limit slot in time, or this process runs all the fills it may."""


class GameNotFound(Exception):
    """The games API says there is no game with this id."""


# The upstream answered: the breaker counts these as successes.
NOT_FAILURES = (GameNotFound, UpstreamThrottled)
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


def _object(required: dict[str, Any], **optional: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": {**required, **optional}}


_STRING = {"type": "string"}
_LIST_FIELDS = {
    "id": {"type": "integer", "minimum": 1},
    "title": {"type": "string", "minLength": 1},
    **{
        name: _STRING
        for name in (
            *("thumbnail", "short_description", "game_url", "genre", "platform"),
            *("publisher", "developer", "release_date", "freetogame_profile_url"),
        )
    },
}
LIST_VALIDATOR = compile_schema({"type": "array", "items": _object(_LIST_FIELDS)})
DETAIL_VALIDATOR = compile_schema(
    _object(
        {
            **_LIST_FIELDS,
            "status": _STRING,
            "description": _STRING,
            "screenshots": {
                "type": "array",
                "items": _object({"id": {"type": "integer"}, "image": _STRING}),
            },
        },
        # Optional (browser games have none), each value possibly null.
        minimum_system_requirements={
            "type": "object",
            "properties": {
                name: {"type": ["string", "null"]}
                for name in ("os", "processor", "memory", "graphics", "storage")
            },
        },
    )
)


# ValueError: the second's key expired between add and incr.
_rate_redis = RedisOrLocal("upstream_rate", errors=(RedisError, OSError, ValueError))


@dataclass
class SharedRateLimiter:
    """At most ``per_second`` calls per second across processes (per process
    when Redis is away); hand-written because it waits for a slot, where
    rate-limit libraries refuse."""

    per_second: int
    max_wait: float = float("inf")
    # Injected by tests (a FakeClock and a sleep that advances it).
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    _local_window: int = 0
    _local_count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self) -> None:
        deadline = self.clock() + self.max_wait
        while True:
            second = int(self.clock())
            count = _rate_redis.run(partial(self._shared, second), partial(self._local, second))
            if count <= self.per_second:
                return
            pause = max(0.0, second + 1 - self.clock()) + random.uniform(0, 0.05)
            if self.clock() + pause > deadline:
                UPSTREAM_CALLS.labels(outcome="no_slot").inc()
                raise UpstreamBusy(f"no upstream slot within {self.max_wait:g} s")
            self.sleep(pause)

    @staticmethod
    def _shared(second: int) -> int:
        key = f"upstream-rate:{second}"
        cache.add(key, 0, timeout=5)
        return cache.incr(key)

    def _local(self, second: int) -> int:
        with self._lock:
            if self._local_window != second:
                self._local_window, self._local_count = second, 0
            self._local_count += 1
            return self._local_count


class _Attempts(Retry):
    """urllib3's Retry, plus a rate-limit slot and a counted outcome per retry."""

    pace: Callable[[], None] = staticmethod(lambda: None)

    def increment(self, *args: Any, **kwargs: Any) -> _Attempts:
        response, error = kwargs.get("response"), kwargs.get("error")
        outcome = str(response.status) if response is not None else "network_error"
        UPSTREAM_CALLS.labels(outcome=outcome).inc()
        log.info("upstream.attempt_failed", outcome=outcome, error=repr(error) if error else None)
        retry = super().increment(*args, **kwargs)
        retry.pace = self.pace  # a copy by Retry.new, which knows no pace
        return retry

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        super().sleep(response)
        self.pace()

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            return super().parse_retry_after(retry_after)
        except InvalidHeader:
            return 1.0  # a garbled header still means "later"


class GamesApiClient:
    def __init__(
        self,
        *,
        breaker: pybreaker.CircuitBreaker,
        limiter: SharedRateLimiter,
        backoff_base: float = 0.2,
    ) -> None:
        self.base_url = settings.GAMES_API_BASE_URL.rstrip("/")
        self.timeout = (settings.GAMES_API_CONNECT_TIMEOUT, settings.GAMES_API_READ_TIMEOUT)
        self.breaker = breaker
        self.limiter = limiter
        retries = _Attempts(
            total=settings.GAMES_API_MAX_ATTEMPTS - 1,
            status_forcelist=RETRIED_STATUSES,
            allowed_methods={"GET"},
            backoff_factor=backoff_base,
            backoff_jitter=backoff_base,
            retry_after_max=10,
            raise_on_status=False,
        )
        retries.pace = limiter.acquire
        self.session = requests.Session()
        self.session.mount(self.base_url, HTTPAdapter(max_retries=retries))
        user_agent = settings.GAMES_API_USER_AGENT
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json"})

    def list_games(
        self,
        *,
        platform: str | None = None,
        category: str | None = None,
        sort_by: str | None = None,
    ) -> list[dict[str, Any]]:
        params = {"platform": platform, "category": category, "sort-by": sort_by}
        with self._guarded():
            response = self._get("/games", {k: v for k, v in params.items() if v})
            if response.status_code == 404:
                return []  # upstream answers "no results" with a 404
            return _valid(response, LIST_VALIDATOR, "game list")

    def get_game(self, game_id: int) -> dict[str, Any]:
        with self._guarded():
            response = self._get("/game", {"id": game_id})
            if response.status_code == 404:
                raise GameNotFound(game_id)
            game = _valid(response, DETAIL_VALIDATOR, f"game {game_id}")
            if game["id"] != game_id:
                raise UpstreamMalformed(f"asked for game {game_id}, got {game['id']}")
            return game

    @contextlib.contextmanager
    def _guarded(self) -> Iterator[None]:
        # Outside the breaker: waiting for a slot is our own congestion.
        self.limiter.acquire()
        try:
            # calling() holds pybreaker's lock only for the state check.
            with self.breaker.calling():
                yield
        except pybreaker.CircuitBreakerError:
            UPSTREAM_CALLS.labels(outcome="breaker_open").inc()
            raise BreakerOpen("circuit open after repeated failures") from None

    def _get(self, path: str, params: dict[str, Any]) -> requests.Response:
        try:
            response = self.session.get(self.base_url + path, params=params, timeout=self.timeout)
        except requests.RequestException as exc:  # each attempt counted by _Attempts
            # By urllib3's name for what went wrong, when retries wrapped it.
            reason = getattr(exc.args[0] if exc.args else None, "reason", None)
            cause = reason if isinstance(reason, BaseException) else exc
            problem = f"{type(cause).__name__}: {cause}"
            log.warning("upstream.failed", path=path, problem=problem)
            raise UpstreamUnavailable(problem) from None
        status = response.status_code
        if status in RETRIED_STATUSES:  # the last attempt, counted by _Attempts
            log.warning("upstream.failed", path=path, problem=f"HTTP {status}")
            if status == 429:
                raise UpstreamThrottled(f"HTTP {status}")
            raise UpstreamUnavailable(f"HTTP {status}")
        UPSTREAM_CALLS.labels(outcome=str(status)).inc()
        return response


def _valid(response: requests.Response, validator: Any, what: str) -> Any:
    try:
        payload = response.json()
    except ValueError:
        raise UpstreamMalformed("the response is not JSON") from None
    problems = describe_errors(validator, payload, limit=3)
    if problems is not None:
        raise UpstreamMalformed(f"{what} is malformed: {problems}")
    return payload


def build_client() -> GamesApiClient:
    # The breaker every process shares, under this service's key prefix.
    storage = RedisOrLocalStorage(
        get_redis_connection("default"), namespace=cache.make_key("games-api")
    )
    return GamesApiClient(
        breaker=upstream_breaker(
            failure_threshold=settings.GAMES_API_BREAKER_THRESHOLD,
            reset_seconds=settings.GAMES_API_BREAKER_RESET_SECONDS,
            storage=storage,
            not_failures=NOT_FAILURES,
        ),
        limiter=SharedRateLimiter(
            per_second=settings.GAMES_API_RATE_PER_SECOND,
            max_wait=settings.GAMES_API_SLOT_WAIT_SECONDS,
        ),
    )


# The process's client: a new one after fork, since sessions hold sockets.
_client = PerProcess(build_client)
get_client = _client.get
reset_client = _client.reset
