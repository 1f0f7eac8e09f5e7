"""The edge (catalog/edge.py) answers a fresh cached ``GET /games/{id}/``
exactly as DRF's view answers it, and leaves everything else to the view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client, RequestFactory
from prometheus_client import REGISTRY

from games_project.catalog import views
from games_project.catalog.edge import CachedGameDetailMiddleware
from games_project.catalog.gateway import Cached, CacheStatus, game_key
from games_project.catalog.views import GameViewSet
from scripts.catalog_stub.catalog import catalog
from scripts.catalog_stub.server import CatalogStub
from tests.support.clock import FakeClock

pytestmark = pytest.mark.django_db

EDGE = "games_project.catalog.edge.CachedGameDetailMiddleware"
PER_REQUEST = {"X-Request-ID"}
Answer = tuple[int, bytes, dict[str, str]]


@pytest.fixture
def answer(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Answer]:
    """GET through the whole stack; ``edge`` says whether the edge answered
    (DRF's ``retrieve`` never ran) or DRF did."""
    retrieves: list[str] = []
    retrieve = GameViewSet.retrieve

    def counted(view: GameViewSet, request: Any, pk: str) -> Any:
        retrieves.append(pk)
        return retrieve(view, request, pk)

    monkeypatch.setattr(GameViewSet, "retrieve", counted)

    def get(client: Client, path: str, *, edge: bool = True, **headers: Any) -> Answer:
        before = len(retrieves)
        response = client.get(path, **headers)
        assert response["X-Request-ID"]
        assert (len(retrieves) == before) is edge
        kept = {k: v for k, v in response.headers.items() if k not in PER_REQUEST}
        return response.status_code, response.content, kept

    return get


def without_edge(settings: Any) -> Client:
    assert EDGE in django_settings.MIDDLEWARE
    settings.MIDDLEWARE = [m for m in django_settings.MIDDLEWARE if m != EDGE]
    return Client()  # a new client loads the middleware


def detail_requests(status: str) -> float:
    value = REGISTRY.get_sample_value(
        "http_requests_total", {"view": "game-detail", "method": "GET", "status": status}
    )
    return value or 0.0


def cache_hits() -> float:
    return REGISTRY.get_sample_value("games_cache_results_total", {"result": "hit"}) or 0.0


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_a_cached_hit_has_the_same_bytes_and_headers_as_through_drf(
    settings: Any,
    client: Client,
    stub: CatalogStub,
    answer: Callable[..., Answer],
    accept: str | None,
) -> None:
    # The edge last learned DRF's headers from another game than the one it
    # answers: a header that differed per game would show here.
    first, other = (f"/games/{game['id']}/" for game in catalog(stub.url)[:2])
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    assert answer(client, other, edge=False)[2]["X-Cache"] == "MISS"  # DRF caches it
    assert answer(client, first, edge=False, **headers)[2]["X-Cache"] == "MISS"
    edge = answer(client, other, **headers)
    assert edge[0] == 200 and edge[2]["X-Cache"] == "HIT"
    assert edge[2]["Link"] and edge[2]["ETag"] and edge[2]["Content-Type"] == "application/json"
    assert edge == answer(without_edge(settings), other, edge=False, **headers)


def test_a_matching_if_none_match_is_the_same_304_as_through_drf(
    settings: Any, client: Client, known_game: dict, answer: Callable[..., Answer]
) -> None:
    path = f"/games/{known_game['id']}/"
    etag = client.get(path)["ETag"]
    # The first 304 goes through DRF: the edge has not seen one yet.
    assert answer(client, path, edge=False, HTTP_IF_NONE_MATCH=etag)[0] == 304
    drf = without_edge(settings)
    for tag in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        edge = answer(client, path, HTTP_IF_NONE_MATCH=tag)
        assert edge[0] == 304 and edge[1] == b"" and "Content-Type" not in edge[2]
        assert edge == answer(drf, path, edge=False, HTTP_IF_NONE_MATCH=tag)
    assert answer(client, path, HTTP_IF_NONE_MATCH='"other"')[0] == 200


def test_an_edge_hit_is_counted_and_logged_under_the_views_name(
    client: Client, known_game: dict, capsys: pytest.CaptureFixture[str], answer: Callable
) -> None:
    path = f"/games/{known_game['id']}/"
    client.get(path)
    capsys.readouterr()
    requests_before, hits_before = detail_requests("200"), cache_hits()
    assert answer(client, path, HTTP_X_REQUEST_ID="edge-id-1")[0] == 200
    assert (detail_requests("200"), cache_hits()) == (requests_before + 1, hits_before + 1)
    lines = [line for line in capsys.readouterr().err.splitlines() if "http.request" in line]
    assert len(lines) == 1
    assert "edge-id-1" in lines[0] and "game-detail" in lines[0] and path in lines[0]


def test_a_browser_still_gets_the_browsable_api_from_drf(
    client: Client, known_game: dict, answer: Callable[..., Answer]
) -> None:
    path = f"/games/{known_game['id']}/"
    client.get(path)
    html = "text/html,application/xhtml+xml,*/*;q=0.8"
    status, content, headers = answer(client, path, edge=False, HTTP_ACCEPT=html)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert headers["X-Cache"] == "HIT" and known_game["title"] in content.decode()


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


def test_a_host_django_does_not_allow_is_refused_as_without_the_edge(
    client: Client, known_game: dict, answer: Callable[..., Answer]
) -> None:
    path = f"/games/{known_game['id']}/"
    client.get(path)
    assert answer(client, path)[0] == 200  # the edge answers this host's hit
    refused = client.get(path, HTTP_HOST="elsewhere.example")
    assert refused.status_code == 400, refused.headers


def test_unknown_and_stale_games_are_left_to_the_view(
    client: Client, known_game: dict, unknown_game_id: int, settings: Any
) -> None:
    assert client.get(f"/games/{unknown_game_id}/").status_code == 404
    assert client.get(f"/games/{unknown_game_id}/")["X-Cache"] == "HIT"  # cached not-found
    path = f"/games/{known_game['id']}/"
    client.get(path)
    settings.GAMES_CACHE_FRESH_SECONDS = 0  # every entry is now past its fresh window
    assert client.get(path)["X-Cache"] == "STALE"


def test_each_process_reuses_a_fresh_answer_for_the_local_seconds(
    settings: Any, client: Client, stub: CatalogStub, known_game: dict, answer: Callable
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
    settings: Any, known_game: dict
) -> None:
    settings.GAMES_CACHE_LOCAL_SECONDS = 60
    clock = FakeClock()
    drf = without_edge(settings)
    edge = CachedGameDetailMiddleware(lambda request: drf.get(request.path), clock=clock)
    path, key = f"/games/{known_game['id']}/", game_key(known_game["id"])
    assert edge(RequestFactory().get(path))["X-Cache"] == "MISS"  # through DRF
    entry = cache.get(key)
    entry["fetched_at"] -= settings.GAMES_CACHE_FRESH_SECONDS - 0.5  # fresh for 0.5 s more
    cache.set(key, entry, timeout=3600)
    assert edge(RequestFactory().get(path))["X-Cache"] == "HIT"  # and kept for those 0.5 s
    entry["fetched_at"] -= 1  # one second later in Redis...
    cache.set(key, entry, timeout=3600)
    clock.advance(0.4)
    assert (
        edge(RequestFactory().get(path))["X-Cache"] == "HIT"
    )  # the local copy, still in its window
    clock.advance(0.6)  # ...and here
    assert edge(RequestFactory().get(path))["X-Cache"] == "STALE"


class _ClearedBetween(dict):
    """Another thread's ``clear()`` landing right after a membership test."""

    def __contains__(self, key: object) -> bool:
        found = super().__contains__(key)
        self.clear()
        return found


def test_a_rendered_detail_survives_another_thread_emptying_the_memo(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    memo = _ClearedBetween()
    monkeypatch.setattr(views, "_RENDERED", memo)
    cached = Cached({"id": 1, "title": "A"}, CacheStatus.HIT, fetched_at=1.0)
    first = views.detail_json(1, cached)

    assert views.detail_json(1, cached) == first
