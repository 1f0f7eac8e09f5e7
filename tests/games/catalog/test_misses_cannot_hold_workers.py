"""Misses cannot hold the web workers: an id outside the catalog is answered
from the cached full list, a wait for an upstream slot has a deadline, fills
per process are capped, and anonymous misses spend a per-address budget."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from games_project.catalog import gateway
from games_project.catalog.client import (
    SharedRateLimiter,
    UpstreamBusy,
    get_client,
)
from scripts.catalog_stub.catalog import catalog
from scripts.catalog_stub.server import CatalogStub
from tests.support.clock import FakeClock

pytestmark = pytest.mark.django_db


# -- the rate limiter's deadline ------------------------------------------------
def _limiter(per_second: int, max_wait: float) -> tuple[SharedRateLimiter, list[float]]:
    # A second no other test uses; a wait moves the clock instead of sleeping.
    clock = FakeClock(start=float(random.randrange(10**9, 2 * 10**9)))
    return SharedRateLimiter(
        per_second=per_second, max_wait=max_wait, clock=clock, sleep=clock.sleep
    ), clock.slept


def test_a_slot_within_the_deadline_is_waited_for() -> None:
    limiter, waits = _limiter(per_second=2, max_wait=2.0)
    for _ in range(4):  # two windows: one wait of under a second
        limiter.acquire()
    assert len(waits) == 1 and waits[0] <= 1.05


def test_no_slot_within_the_deadline_is_upstream_busy_without_waiting_past_it() -> None:
    limiter, waits = _limiter(per_second=1, max_wait=0.5)
    limiter.clock.now = float(int(limiter.clock())) + 0.2  # type: ignore[attr-defined]
    limiter.acquire()
    with pytest.raises(UpstreamBusy, match="no upstream slot"):
        limiter.acquire()  # the next window opens in 0.8 s, past the 0.5 s allowed
    assert waits == []


def test_other_processes_holding_every_slot_end_in_busy_within_the_deadline() -> None:
    # Every window is already full (other processes): the wait gives up at the deadline.
    limiter, waits = _limiter(per_second=1, max_wait=2.5)
    started = limiter.clock()
    for second in range(int(started), int(started) + 5):
        cache.set(f"upstream-rate:{second}", 1, timeout=30)
    with pytest.raises(UpstreamBusy):
        limiter.acquire()
    assert limiter.clock() - started <= 2.5
    assert len(waits) == 2


def test_an_upstream_call_without_a_slot_in_time_is_a_503_with_retry_after(
    api: APIClient, stub: CatalogStub, settings: Any
) -> None:
    known = catalog(stub.url)[0]["id"]
    client = get_client()
    client.limiter, _ = _limiter(per_second=1, max_wait=0.0)
    second = int(client.limiter.clock())
    cache.set(f"upstream-rate:{second}", 1, timeout=30)  # this second's slot is taken
    response = api.get(f"/games/{known}/", HTTP_AUTHORIZATION="")
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "upstream_busy"
    assert int(response["Retry-After"]) >= 1
    assert stub.calls("/game") == 0


# -- the cap on fills per process ----------------------------------------------
def test_fills_beyond_the_cap_are_busy_at_once_and_the_cap_frees_again(settings: Any) -> None:
    settings.GAMES_CACHE_MAX_CONCURRENT_FILLS = 2
    release = threading.Event()
    started = threading.Barrier(3)

    def slow_fill(n: int) -> None:
        def fetch() -> dict[str, int]:
            started.wait(timeout=5)
            release.wait(timeout=10)
            return {"n": n}

        gateway.read(f"games:test:cap:{n}", fetch, refresh_in_background=lambda: None)

    running = [threading.Thread(target=slow_fill, args=(n,)) for n in range(2)]
    for thread in running:
        thread.start()
    started.wait(timeout=5)  # both fills are inside their fetch
    try:
        begun = time.monotonic()
        with pytest.raises(UpstreamBusy):
            gateway.read(
                "games:test:cap:third", lambda: {"n": 3}, refresh_in_background=lambda: None
            )
        assert time.monotonic() - begun < 1.0  # refused, not queued
    finally:
        release.set()
        for thread in running:
            thread.join(timeout=10)
    filled = gateway.read(
        "games:test:cap:third", lambda: {"n": 3}, refresh_in_background=lambda: None
    )
    assert filled.value == {"n": 3}


# -- ids outside the catalog -----------------------------------------------------
def test_ids_outside_the_catalog_never_reach_the_upstream_detail(
    api: APIClient, stub: CatalogStub
) -> None:
    known = {g["id"] for g in catalog(stub.url)}
    unknown = [n for n in range(900_000_000, 900_000_050) if n not in known]
    answers = {api.get(f"/games/{n}/").status_code for n in unknown}
    assert answers == {404}
    assert stub.calls("/game") == 0
    assert stub.calls("/games") == 1  # the full list, once, for its ids


def test_an_id_in_the_catalog_is_still_fetched(api: APIClient, stub: CatalogStub) -> None:
    game = catalog(stub.url)[5]
    assert api.get("/games/").status_code == 200  # the full list and its ids are cached
    response = api.get(f"/games/{game['id']}/")
    assert (response.status_code, response["X-Cache"]) == (200, "MISS")
    assert stub.calls("/game") == 1


def test_a_stale_index_is_used_and_refreshes_the_full_list_in_the_background(
    stub: CatalogStub, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    games = list(catalog(stub.url))
    gateway.store(gateway.FULL_LIST_KEY, games)
    entry = cache.get(gateway.INDEX_KEY)
    entry["fetched_at"] -= settings.GAMES_CACHE_FRESH_SECONDS + 1
    cache.set(gateway.INDEX_KEY, entry)
    refreshes: list[dict[str, Any]] = []
    monkeypatch.setattr(gateway, "refresh_game_list", lambda **kw: refreshes.append(kw))
    found = gateway.catalog_index()
    assert found is not None and found[0] == {str(g["id"]): g["title"] for g in games}
    assert refreshes == [{}]  # the full list's (no filter)
    assert stub.calls() == 0


def test_an_index_of_another_shape_is_rebuilt_from_the_cached_full_list(
    stub: CatalogStub,
) -> None:
    games = list(catalog(stub.url))
    gateway.store(gateway.FULL_LIST_KEY, games)
    entry = cache.get(gateway.INDEX_KEY)
    cache.set(gateway.INDEX_KEY, {**entry, "value": [[g["id"], g["title"]] for g in games]})
    found = gateway.catalog_index()
    assert found is not None and found[0] == {str(g["id"]): g["title"] for g in games}
    assert cache.get(gateway.INDEX_KEY)["value"] == found[0]
    assert stub.calls() == 0


def _index_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every read of the index entry from Redis, from now on."""
    reads: list[str] = []
    real = gateway._entry

    def counting(key: str) -> Any:
        if key == gateway.INDEX_KEY:
            reads.append(key)
        return real(key)

    monkeypatch.setattr(gateway, "_entry", counting)
    return reads


def test_each_process_reuses_the_fresh_index_for_its_local_seconds(
    stub: CatalogStub, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.GAMES_CACHE_LOCAL_SECONDS = 60
    games = list(catalog(stub.url))
    gateway.store(gateway.FULL_LIST_KEY, games)
    reads = _index_reads(monkeypatch)
    for _ in range(3):
        found = gateway.catalog_index()
        assert found == ({str(g["id"]): g["title"] for g in games}, gateway.CacheStatus.HIT)
    assert len(reads) == 1
    settings.GAMES_CACHE_LOCAL_SECONDS = 0  # 0: always ask Redis
    gateway.catalog_index()
    assert len(reads) == 2


def test_the_process_copy_of_the_index_never_outlives_its_fresh_window(
    stub: CatalogStub, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.GAMES_CACHE_LOCAL_SECONDS = 60
    gateway.store(gateway.FULL_LIST_KEY, list(catalog(stub.url)))
    entry = cache.get(gateway.INDEX_KEY)
    entry["fetched_at"] -= settings.GAMES_CACHE_FRESH_SECONDS + 1
    cache.set(gateway.INDEX_KEY, entry)
    reads = _index_reads(monkeypatch)
    refreshes: list[dict[str, Any]] = []
    monkeypatch.setattr(gateway, "refresh_game_list", lambda **kw: refreshes.append(kw))
    for _ in range(2):
        found = gateway.catalog_index()
        assert found is not None
    assert len(reads) == 2  # stale: Redis is asked each time
    assert refreshes  # and the refresh is due
    assert stub.calls() == 0


def test_without_the_full_list_a_detail_miss_asks_the_upstream_as_before(
    api: APIClient, stub: CatalogStub, unknown_game_id: int
) -> None:
    stub.set(outage=True)  # the list cannot be had (the detail neither)
    assert api.get(f"/games/{unknown_game_id}/").status_code == 503
    stub.reset()
    # The list is still unknown to the cache; the detail is asked and says 404.
    cache.delete(gateway.INDEX_KEY)
    response = api.get(f"/games/{unknown_game_id}/")
    assert response.status_code == 404


def test_the_celery_list_refresh_rewrites_the_index(stub: CatalogStub) -> None:
    gateway.game_list_refresh(platform=None, category=None, sort_by=None)
    entry = cache.get(gateway.INDEX_KEY)
    assert entry["value"] == {str(g["id"]): g["title"] for g in catalog(stub.url)}


# -- anonymous misses per address ------------------------------------------------
def test_anonymous_misses_spend_a_per_address_budget_and_hits_do_not(
    api: APIClient, stub: CatalogStub, settings: Any
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "catalog_miss": "3/min",
        },
    }
    games = catalog(stub.url)
    hit = games[0]["id"]
    assert api.get(f"/games/{hit}/").status_code == 200  # miss 1 (fills the game)
    for _ in range(5):
        assert api.get(f"/games/{hit}/?fresh=1").status_code == 200  # hits spend nothing
    assert api.get(f"/games/{games[1]['id']}/").status_code == 200  # miss 2
    assert api.get("/games/900000001/").status_code == 404  # miss 3
    refused = api.get(f"/games/{games[2]['id']}/")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert api.get(f"/games/{hit}/").status_code == 200  # a hit still answers
    other = APIClient(REMOTE_ADDR="10.9.8.7")
    assert other.get(f"/games/{games[2]['id']}/").status_code == 200  # its own bucket
