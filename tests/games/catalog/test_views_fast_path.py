"""The fast path of a fresh cached ``GET /games/{id}/`` answers exactly what
DRF's view answers, and leaves everything else to the view."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from prometheus_client import REGISTRY

from games_project.catalog import views
from games_project.catalog.gateway import game_key
from games_project.catalog.stub.server import CatalogStub
from tests.support.clock import FakeClock

pytestmark = pytest.mark.django_db

FAST_PATH = "games_project.catalog.views.CachedGameDetailMiddleware"
PER_REQUEST = {"X-Request-ID"}


def answer(
    client: Client, path: str, *, fast: bool = True, **headers: Any
) -> tuple[int, bytes, dict[str, str]]:
    response = client.get(path, **headers)
    assert response["X-Request-ID"]
    # Only the fast path names the view without resolving the URL (no route).
    assert (response.wsgi_request.resolver_match.route is None) is fast
    kept = {k: v for k, v in response.headers.items() if k not in PER_REQUEST}
    return response.status_code, response.content, kept


def through_drf(settings: Any, path: str, **headers: Any) -> tuple:
    settings.MIDDLEWARE = [m for m in django_settings.MIDDLEWARE if m != FAST_PATH]
    return answer(Client(), path, fast=False, **headers)  # a new client loads the middleware


def detail_requests(status: str) -> float:
    value = REGISTRY.get_sample_value(
        "http_requests_total", {"view": "game-detail", "method": "GET", "status": status}
    )
    return value or 0.0


def cache_hits() -> float:
    return REGISTRY.get_sample_value("games_cache_results_total", {"result": "hit"}) or 0.0


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_a_cached_hit_has_the_same_bytes_and_headers_as_through_drf(
    settings: Any, client: Client, known_game: dict, accept: str | None
) -> None:
    path = f"/games/{known_game['id']}/"
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    assert client.get(path)["X-Cache"] == "MISS"
    fast = answer(client, path, **headers)
    assert fast[0] == 200 and fast[2]["X-Cache"] == "HIT"
    assert fast[2]["Link"] and fast[2]["ETag"]
    assert fast == through_drf(settings, path, **headers)


def test_a_matching_if_none_match_is_the_same_304_as_through_drf(
    settings: Any, client: Client, known_game: dict
) -> None:
    path = f"/games/{known_game['id']}/"
    etag = client.get(path)["ETag"]
    for tag in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        fast = answer(client, path, HTTP_IF_NONE_MATCH=tag)
        assert fast[0] == 304 and fast[1] == b""
        assert fast == through_drf(settings, path, HTTP_IF_NONE_MATCH=tag)
    assert answer(client, path, HTTP_IF_NONE_MATCH='"other"')[0] == 200


def test_a_fast_hit_is_counted_and_logged_under_the_views_name(
    client: Client, known_game: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    path = f"/games/{known_game['id']}/"
    client.get(path)
    capsys.readouterr()
    requests_before, hits_before = detail_requests("200"), cache_hits()
    response = client.get(path, HTTP_X_REQUEST_ID="fast-path-id-1")
    assert response["X-Request-ID"] == "fast-path-id-1"
    assert (detail_requests("200"), cache_hits()) == (requests_before + 1, hits_before + 1)
    lines = [line for line in capsys.readouterr().err.splitlines() if "http.request" in line]
    assert len(lines) == 1
    assert "fast-path-id-1" in lines[0] and "game-detail" in lines[0] and path in lines[0]


def test_a_browser_still_gets_the_browsable_api(client: Client, known_game: dict) -> None:
    path = f"/games/{known_game['id']}/"
    client.get(path)
    page = client.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    assert page["X-Cache"] == "HIT" and known_game["title"] in page.content.decode()


@pytest.mark.parametrize(
    "headers",
    [{"QUERY_STRING": "format=api"}, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}],
)
def test_requests_drf_would_answer_otherwise_go_to_the_view(
    client: Client, known_game: dict, headers: dict[str, str]
) -> None:
    path = f"/games/{known_game['id']}/"
    client.get(path)
    via_view = client.get(path, **headers)
    expected = 401 if "HTTP_AUTHORIZATION" in headers else 200
    assert via_view.status_code == expected
    if expected == 200:
        assert via_view["Content-Type"].startswith("text/html")


def test_unknown_and_stale_games_are_left_to_the_view(
    client: Client, stub: CatalogStub, known_game: dict, unknown_game_id: int, settings: Any
) -> None:
    assert client.get(f"/games/{unknown_game_id}/").status_code == 404
    assert client.get(f"/games/{unknown_game_id}/")["X-Cache"] == "HIT"  # cached not-found
    path = f"/games/{known_game['id']}/"
    client.get(path)
    settings.GAMES_CACHE_FRESH_SECONDS = 0  # every entry is now past its fresh window
    assert client.get(path)["X-Cache"] == "STALE"


def test_each_process_reuses_a_fresh_answer_for_the_local_seconds(
    settings: Any, client: Client, stub: CatalogStub, known_game: dict
) -> None:
    settings.GAMES_CACHE_LOCAL_SECONDS = 60
    path = f"/games/{known_game['id']}/"
    client.get(path)  # MISS, through the view
    first = answer(client, path)  # HIT from Redis, now kept by this process
    cache.delete(game_key(known_game["id"]))
    hits_before = cache_hits()
    assert answer(client, path) == first  # no Redis entry needed
    assert cache_hits() == hits_before + 1
    assert stub.calls(f"/game?id={known_game['id']}") == 1


def test_the_local_copy_is_not_kept_past_the_entrys_fresh_window(
    settings: Any, client: Client, known_game: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.GAMES_CACHE_LOCAL_SECONDS = 60
    clock = FakeClock()
    monkeypatch.setattr(views, "_monotonic", clock)
    path, key = f"/games/{known_game['id']}/", game_key(known_game["id"])
    client.get(path)
    entry = cache.get(key)
    entry["fetched_at"] -= settings.GAMES_CACHE_FRESH_SECONDS - 0.5  # fresh for 0.5 s more
    cache.set(key, entry, timeout=3600)
    assert answer(client, path)[2]["X-Cache"] == "HIT"  # and kept for those 0.5 s
    entry["fetched_at"] -= 1  # one second later in Redis...
    cache.set(key, entry, timeout=3600)
    clock.advance(0.4)
    assert answer(client, path)[2]["X-Cache"] == "HIT"  # the local copy, still in its window
    clock.advance(0.6)  # ...and here
    assert client.get(path)["X-Cache"] == "STALE"
