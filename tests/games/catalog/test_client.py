"""The external API client against the stand-in server: timeouts, retries,
the circuit breaker, validation, rate limit, User-Agent."""

from __future__ import annotations

import random
import time
import uuid

import pybreaker
import pytest
from django.test import override_settings
from django_redis import get_redis_connection
from prometheus_client import REGISTRY

from games_project.catalog.breaker import RedisOrLocalStorage, upstream_breaker
from games_project.catalog.client import (
    NOT_FAILURES,
    BreakerOpen,
    GameNotFound,
    GamesApiClient,
    SharedRateLimiter,
    UpstreamMalformed,
    UpstreamUnavailable,
)
from scripts.catalog_stub.server import CatalogStub
from tests.support.clock import FakeClock

pytestmark = pytest.mark.django_db


def new_breaker(*, threshold: int = 5, reset_seconds: float = 30) -> pybreaker.CircuitBreaker:
    """A breaker of its own (a fresh Redis namespace)."""
    storage = RedisOrLocalStorage(
        get_redis_connection("default"), namespace=f"test-breaker-{uuid.uuid4().hex}"
    )
    return upstream_breaker(
        failure_threshold=threshold,
        reset_seconds=reset_seconds,
        storage=storage,
        not_failures=NOT_FAILURES,
    )


def client_for(
    url: str,
    *,
    read_timeout: float = 2.0,
    max_attempts: int = 3,
    breaker: pybreaker.CircuitBreaker | None = None,
    limiter: SharedRateLimiter | None = None,
) -> GamesApiClient:
    with override_settings(
        GAMES_API_BASE_URL=url,
        GAMES_API_CONNECT_TIMEOUT=1.0,
        GAMES_API_READ_TIMEOUT=read_timeout,
        GAMES_API_MAX_ATTEMPTS=max_attempts,
        GAMES_API_USER_AGENT="games-users-event-driven/1.0 (games service)",
    ):
        return GamesApiClient(
            breaker=breaker or new_breaker(),
            limiter=limiter or SharedRateLimiter(per_second=1000),
            backoff_base=0.01,
        )


def test_a_game_has_the_documented_detail_shape(stub: CatalogStub, known_game: dict) -> None:
    game = client_for(stub.api_url).get_game(known_game["id"])
    assert game["title"] == known_game["title"]
    assert {"status", "description", "screenshots"} <= set(game)
    assert stub.state.last_user_agent.startswith("games-users-event-driven/")


def test_not_found_is_not_retried(stub: CatalogStub, unknown_game_id: int) -> None:
    with pytest.raises(GameNotFound):
        client_for(stub.api_url).get_game(unknown_game_id)
    assert stub.calls("/game") == 1


def test_server_errors_are_retried_then_succeed(stub: CatalogStub, known_game: dict) -> None:
    stub.set(fail_next=2)
    assert client_for(stub.api_url).get_game(known_game["id"])["id"] == known_game["id"]
    assert stub.calls("/game") == 3


def test_every_retry_waits_for_a_rate_limit_slot_too(stub: CatalogStub, known_game: dict) -> None:
    taken: list[int] = []

    class Counting(SharedRateLimiter):
        def acquire(self) -> None:
            taken.append(1)
            super().acquire()

    stub.set(fail_next=2)
    client_for(stub.api_url, limiter=Counting(per_second=1000)).get_game(known_game["id"])
    assert (len(taken), stub.calls("/game")) == (3, 3)


def test_retries_are_bounded(stub: CatalogStub, known_game: dict) -> None:
    stub.set(fail_next=10)
    with pytest.raises(UpstreamUnavailable, match="HTTP 500"):
        client_for(stub.api_url, max_attempts=3).get_game(known_game["id"])
    assert stub.calls("/game") == 3


def test_429_is_retried_after_the_time_it_asks_for(stub: CatalogStub, known_game: dict) -> None:
    stub.set(throttle_next=1)
    started = time.monotonic()
    client = client_for(stub.api_url)
    assert client.get_game(known_game["id"])["id"] == known_game["id"]
    assert time.monotonic() - started >= 0.95  # Retry-After: 1
    assert stub.calls("/game") == 2
    assert client.breaker.fail_counter == 0  # throttling is not a failure


def test_still_throttled_after_the_retries_is_unavailable_but_not_a_failure(
    stub: CatalogStub, known_game: dict
) -> None:
    stub.set(rate_limited=True)
    client = client_for(stub.api_url, max_attempts=1)
    with pytest.raises(UpstreamUnavailable, match="HTTP 429"):
        client.get_game(known_game["id"])
    assert client.breaker.fail_counter == 0


def network_errors() -> float:
    sample = REGISTRY.get_sample_value("games_upstream_calls_total", {"outcome": "network_error"})
    return sample or 0.0


def test_network_errors_are_retried_and_reported(unused_port: int) -> None:
    client = client_for(f"http://127.0.0.1:{unused_port}/api")
    before = network_errors()
    with pytest.raises(UpstreamUnavailable, match="ConnectionError"):
        client.list_games()
    assert network_errors() - before == 3  # every attempt, counted
    # The breaker counts calls (a call and its retries fail once).
    assert client.breaker.fail_counter == 1


def test_a_slow_upstream_hits_the_read_timeout(stub: CatalogStub, known_game: dict) -> None:
    stub.set(latency_ms=600)
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable, match="Timeout"):
        client_for(stub.api_url, read_timeout=0.2, max_attempts=2).get_game(known_game["id"])
    assert time.monotonic() - started < 2.5


def test_a_malformed_payload_is_an_upstream_error(stub: CatalogStub, known_game: dict) -> None:
    stub.set(malformed=True)
    client = client_for(stub.api_url)
    with pytest.raises(UpstreamMalformed, match="malformed"):
        client.get_game(known_game["id"])
    with pytest.raises(UpstreamMalformed):
        client.list_games()


def test_the_breaker_opens_fails_fast_and_closes_after_a_good_trial(
    stub: CatalogStub, known_game: dict, breaker_clock: FakeClock
) -> None:
    clock = breaker_clock
    client = client_for(
        stub.api_url, max_attempts=1, breaker=new_breaker(threshold=3, reset_seconds=30)
    )
    stub.set(outage=True)
    for _ in range(3):
        with pytest.raises(UpstreamUnavailable):
            client.get_game(known_game["id"])
    assert client.breaker.current_state == "open"
    calls = stub.calls()
    clock.advance(29)
    with pytest.raises(BreakerOpen):
        client.get_game(known_game["id"])
    assert stub.calls() == calls  # failed fast, the upstream was not called

    stub.set(outage=False)
    clock.advance(2)
    assert client.get_game(known_game["id"])["id"] == known_game["id"]  # the half-open trial
    assert client.breaker.current_state == "closed"


def test_a_failed_half_open_trial_opens_the_breaker_again(
    stub: CatalogStub, known_game: dict, breaker_clock: FakeClock
) -> None:
    clock = breaker_clock
    client = client_for(
        stub.api_url, max_attempts=1, breaker=new_breaker(threshold=1, reset_seconds=30)
    )
    stub.set(outage=True)
    with pytest.raises(UpstreamUnavailable):
        client.get_game(known_game["id"])
    clock.advance(31)
    calls = stub.calls()
    with pytest.raises(UpstreamUnavailable):
        client.get_game(known_game["id"])  # the trial, still failing
    assert stub.calls() == calls + 1
    assert client.breaker.current_state == "open"
    with pytest.raises(BreakerOpen):  # and a new window starts from the trial
        client.get_game(known_game["id"])


def test_the_rate_limit_is_shared_and_well_under_ten_per_second(
    stub: CatalogStub, known_game: dict
) -> None:
    # A clock of their own, at the start of a second no other test uses; a
    # wait for a slot moves it instead of sleeping.
    clock = FakeClock(start=float(random.randrange(10**9, 2 * 10**9)))
    first = client_for(
        stub.api_url, limiter=SharedRateLimiter(per_second=3, clock=clock, sleep=clock.sleep)
    )
    second = client_for(
        stub.api_url, limiter=SharedRateLimiter(per_second=3, clock=clock, sleep=clock.sleep)
    )
    started = clock()
    for n in range(9):
        (first if n % 2 else second).get_game(known_game["id"])
    # Counted together, 9 calls need three windows (two waits into the third
    # second); counted per client they would fit in two.
    assert len(clock.slept) == 2
    assert int(clock()) - int(started) == 2


def test_list_filters_are_passed_through(stub: CatalogStub) -> None:
    client = client_for(stub.api_url)
    games = client.list_games(platform="browser", category="shooter", sort_by="alphabetical")
    assert games and all("Web Browser" in g["platform"] and g["genre"] == "Shooter" for g in games)
    assert [g["title"] for g in games] == sorted(g["title"] for g in games)
    assert client.list_games(category="no-such-category") == []
