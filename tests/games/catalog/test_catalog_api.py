"""GET /games/ and /games/{id}/ with the Redis cache, measured by the
stand-in's request counts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from games_project.catalog.gateway import game_key, list_key
from games_project.catalog.serializers import CATEGORIES, PLATFORMS, SORT_ORDERS
from scripts.catalog_stub.catalog import catalog, select
from scripts.catalog_stub.server import CatalogStub
from tests.support.clock import FakeClock
from tests.support.redis import LocalRedis

pytestmark = pytest.mark.django_db


def age(key: str, seconds: float) -> None:
    """Make a cached entry look ``seconds`` old."""
    entry = cache.get(key)
    entry["fetched_at"] -= seconds
    cache.set(key, entry, timeout=3600)


def test_a_game_is_a_miss_then_a_hit_with_one_upstream_call(
    api: APIClient, stub: CatalogStub, known_game: dict
) -> None:
    first = api.get(f"/games/{known_game['id']}/")
    second = api.get(f"/games/{known_game['id']}")
    assert first.status_code == second.status_code == 200
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert stub.calls(f"/game?id={known_game['id']}") == 1
    body = first.json()
    assert body["title"] == known_game["title"]
    assert "FreeToGame" in body["attribution"] and "freetogame.com" in first["Link"]


def test_the_catalog_is_paginated_filtered_and_cached_per_filter(
    api: APIClient, stub: CatalogStub
) -> None:
    page = api.get("/games/", {"platform": "pc", "sort-by": "alphabetical", "page_size": 10})
    assert page.status_code == 200 and page["X-Cache"] == "MISS"
    body = page.json()
    expected = select(catalog(stub.url), platform="pc", category=None, sort_by="alphabetical")
    assert body["count"] == len(expected)
    assert [g["id"] for g in body["results"]] == [g["id"] for g in expected[:10]]
    assert body["next"] and body["previous"] is None and "FreeToGame" in body["attribution"]
    second_page = api.get(
        "/games", {"platform": "pc", "sort-by": "alphabetical", "page_size": 10, "page": 2}
    )
    assert second_page["X-Cache"] == "HIT"
    assert api.get("/games/", {"platform": "browser"})["X-Cache"] == "MISS"
    assert stub.calls("/games") == 2


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("platform", "xbox"),
        ("platform", "PC"),
        ("platform", ""),
        ("category", "DROP TABLE"),
        ("category", "no-such-thing"),
        ("category", "-"),
        ("category", "Shooter"),
        ("category", ""),
        ("category", "shooter\u0000"),
        ("sort-by", "random"),
        ("sort-by", "-"),
        ("sort-by", ""),
    ],
)
def test_unknown_filter_values_are_400_naming_the_parameter_as_sent_and_reach_nothing(
    api: APIClient, stub: CatalogStub, parameter: str, value: str
) -> None:
    keys_before = set(cache.keys("*"))
    response = api.get("/games/", {parameter: value})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [parameter]
    assert stub.calls() == 0  # never forwarded upstream
    assert set(cache.keys("*")) == keys_before  # and no cache key minted


def test_every_documented_filter_value_is_accepted(api: APIClient) -> None:
    for parameter, values in (
        ("platform", PLATFORMS),
        ("category", CATEGORIES),
        ("sort-by", SORT_ORDERS),
    ):
        for value in values:
            assert api.get("/games/", {parameter: value}).status_code == 200, (parameter, value)


def test_list_cache_keys_differ_for_every_filter_combination() -> None:
    combinations = [
        {"platform": p, "category": c, "sort_by": o}
        for p in (None, *PLATFORMS)
        for c in (None, *CATEGORIES)
        for o in (None, *SORT_ORDERS)
    ]
    keys = {list_key(**combination) for combination in combinations}
    assert len(keys) == len(combinations)
    # An absent filter is not spelled like any value ("-" once was both).
    assert list_key(platform=None, category=None, sort_by=None) != list_key(
        platform=None, category="-", sort_by=None
    )


def test_a_known_category_with_no_games_is_an_empty_page(api: APIClient) -> None:
    body = api.get("/games/", {"category": "horror"}).json()  # the stand-in has none
    assert body["count"] == 0 and body["results"] == []


def test_unknown_games_are_404_from_the_cached_full_list_without_a_detail_call(
    api: APIClient, stub: CatalogStub, unknown_game_id: int
) -> None:
    first = api.get(f"/games/{unknown_game_id}/")
    second = api.get(f"/games/{unknown_game_id}/")
    assert first.status_code == second.status_code == 404
    # The first miss filled the full list (its ids beside it); the second read them.
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert first.json()["error"]["code"] == "not_found"
    assert (stub.calls("/game"), stub.calls("/games")) == (0, 1)
    assert cache.get(game_key(unknown_game_id)) is None  # nothing stored per unknown id


@pytest.mark.parametrize("bad", ["abc", "0", "-3", "1.5", "99999999999"])
def test_ids_that_are_not_positive_integers_are_404_without_an_upstream_call(
    api: APIClient, stub: CatalogStub, bad: str
) -> None:
    assert api.get(f"/games/{bad}/").status_code == 404
    assert stub.calls() == 0


def test_etag_and_if_none_match(api: APIClient, known_game: dict) -> None:
    first = api.get(f"/games/{known_game['id']}/")
    etag = first["ETag"]
    assert etag.startswith('"')
    again = api.get(f"/games/{known_game['id']}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag
    other = api.get(f"/games/{known_game['id']}/", HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200
    listing = api.get("/games/")
    assert api.get("/games/", HTTP_IF_NONE_MATCH=listing["ETag"]).status_code == 304


def test_the_browsable_page_has_no_etag_so_a_login_never_gets_the_page_drawn_before_it(
    api: APIClient, known_game: dict
) -> None:
    # The page names who is logged in; JSON's ETag must not answer 304 for it.
    for path in (f"/games/{known_game['id']}/", "/games/"):
        etag = api.get(path)["ETag"]
        page = api.get(path, HTTP_ACCEPT="text/html", HTTP_IF_NONE_MATCH=etag)
        assert page.status_code == 200 and "ETag" not in page
        assert page["Content-Type"].startswith("text/html")


def test_a_stale_entry_is_served_at_once_and_refreshed_once_in_the_background(
    api: APIClient, stub: CatalogStub, known_game: dict, settings: Any
) -> None:
    from kombu import Connection

    api.get(f"/games/{known_game['id']}/")
    age(game_key(known_game["id"]), settings.GAMES_CACHE_FRESH_SECONDS + 1)
    with Connection(settings.CELERY_BROKER_URL) as conn:
        queue = conn.SimpleQueue(settings.CELERY_TASK_DEFAULT_QUEUE)
        queue.clear()
        stale = [api.get(f"/games/{known_game['id']}/") for _ in range(5)]
        assert {r["X-Cache"] for r in stale} == {"STALE"}
        assert all(r.status_code == 200 for r in stale)
        assert stub.calls("/game") == 1  # served without waiting for the upstream
        message = queue.get(timeout=5)
        assert message.headers["task"] == "games_project.catalog.tasks.refresh_game"
        assert message.headers["argsrepr"] == f"({known_game['id']},)"
        message.ack()
        with pytest.raises(queue.Empty):  # one refresh, not five
            queue.get(timeout=1)
        queue.close()


def test_stale_if_error_serves_an_old_entry_when_the_upstream_is_down(
    api: APIClient, stub: CatalogStub, known_game: dict, settings: Any
) -> None:
    api.get(f"/games/{known_game['id']}/")
    api.get("/games/")
    past_window = settings.GAMES_CACHE_FRESH_SECONDS + settings.GAMES_CACHE_STALE_SECONDS + 1
    age(game_key(known_game["id"]), past_window)
    age(list_key(platform=None, category=None, sort_by=None), past_window)
    stub.set(outage=True)
    detail = api.get(f"/games/{known_game['id']}/")
    listing = api.get("/games/")
    assert (detail.status_code, detail["X-Cache"]) == (200, "STALE")
    assert (listing.status_code, listing["X-Cache"]) == (200, "STALE")
    assert detail.json()["title"] == known_game["title"]


def test_an_outage_with_nothing_cached_is_a_503_json_error(
    api: APIClient, stub: CatalogStub, known_game: dict
) -> None:
    stub.set(outage=True)
    for path in (f"/games/{known_game['id']}/", "/games/"):
        response = api.get(path)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "upstream_unavailable"
        assert response["Retry-After"]


def test_a_malformed_upstream_answer_is_never_cached(
    api: APIClient, stub: CatalogStub, known_game: dict
) -> None:
    stub.set(malformed=True)
    assert api.get(f"/games/{known_game['id']}/").status_code == 503
    assert cache.get(game_key(known_game["id"])) is None
    stub.set(malformed=False)
    healed = api.get(f"/games/{known_game['id']}/")
    assert (healed.status_code, healed["X-Cache"]) == (200, "MISS")


def test_fifty_concurrent_misses_make_one_upstream_call(
    stub: CatalogStub, known_game: dict
) -> None:
    stub.set(latency_ms=300)  # the first fetch is still running when the rest arrive

    def fetch(_: int) -> tuple[int, str]:
        response = Client().get(f"/games/{known_game['id']}/")
        return response.status_code, response["X-Cache"]

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(fetch, range(50)))
    assert {status for status, _ in results} == {200}
    assert stub.calls(f"/game?id={known_game['id']}") == 1
    assert sorted(state for _, state in results).count("MISS") == 1


def test_the_breaker_opens_under_an_outage_and_closes_when_the_api_returns(
    api: APIClient, stub: CatalogStub, settings: Any, breaker_clock: FakeClock
) -> None:
    settings.GAMES_API_BREAKER_THRESHOLD = 3
    settings.GAMES_API_BREAKER_RESET_SECONDS = 30
    settings.GAMES_API_MAX_ATTEMPTS = 1
    clock = breaker_clock
    ids = [g["id"] for g in catalog(stub.url)[:6]]
    stub.set(outage=True)
    for game_id in ids[:3]:
        assert api.get(f"/games/{game_id}/").status_code == 503
    calls = stub.calls()
    assert api.get(f"/games/{ids[3]}/").status_code == 503
    assert stub.calls() == calls  # open: no upstream call
    stub.set(outage=False)
    clock.advance(31)
    assert api.get(f"/games/{ids[4]}/").status_code == 200  # half-open trial succeeds
    assert api.get(f"/games/{ids[5]}/").status_code == 200


def test_with_redis_stopped_games_are_served_uncached_and_readyz_says_so(
    api: APIClient, stub: CatalogStub, known_game: dict
) -> None:
    if not LocalRedis.available():
        pytest.skip("stops the project's local Redis; REDIS_URL points elsewhere")
    redis = LocalRedis()
    redis.stop()
    try:
        for _ in range(2):
            response = api.get(f"/games/{known_game['id']}/")
            assert (response.status_code, response["X-Cache"]) == (200, "MISS")
        assert api.get("/games/").status_code == 200
        ready = api.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["redis"].startswith("unavailable")
        assert stub.calls(f"/game?id={known_game['id']}") == 2
    finally:
        redis.start()
    assert api.get(f"/games/{known_game['id']}/")["X-Cache"] == "MISS"
    assert api.get(f"/games/{known_game['id']}/")["X-Cache"] == "HIT"  # caching resumed
