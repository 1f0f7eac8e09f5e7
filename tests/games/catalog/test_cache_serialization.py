"""The cache holds JSON, never pickles: whoever can write a key in Redis can
plant data, not code. A planted pickle is garbage, refetched as a miss."""

from __future__ import annotations

import json
import pickle
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django_redis import get_redis_connection
from rest_framework.test import APIClient

from games_project.catalog import gateway

pytestmark = pytest.mark.django_db


class _CreatesAFile:
    """Unpickling this calls ``open(path, "w")``: code chosen by the writer."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.path), "w"))


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    client.raise_request_exception = False  # a 500 is an answer to check, not a crash
    return client


def _plant(key: str, payload: bytes) -> None:
    get_redis_connection("default").set(cache.make_key(key), payload, ex=600)


@pytest.mark.parametrize("path", ["/games/{id}/", "/games/{id}/?x=1"], ids=["fast", "drf"])
def test_a_planted_pickle_runs_no_code_and_the_game_is_refetched(
    api: APIClient, known_game: dict[str, Any], tmp_path: Path, path: str
) -> None:
    marker = tmp_path / "pwned"
    _plant(gateway.game_key(known_game["id"]), pickle.dumps(_CreatesAFile(marker)))

    response = api.get(path.format(id=known_game["id"]))

    assert not marker.exists(), "unpickling the planted value ran its code"
    assert response.status_code == 200, response.content
    assert (response.json()["id"], response["X-Cache"]) == (known_game["id"], "MISS")


def test_a_planted_pickle_in_the_list_runs_no_code(api: APIClient, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    _plant(
        gateway.list_key(platform=None, category=None, sort_by=None),
        pickle.dumps(_CreatesAFile(marker)),
    )

    response = api.get("/games/")

    assert not marker.exists()
    assert response.status_code == 200
    assert response["X-Cache"] == "MISS"


def test_planted_json_of_the_wrong_shape_is_a_miss_not_an_error(
    api: APIClient, known_game: dict[str, Any]
) -> None:
    _plant(gateway.game_key(known_game["id"]), json.dumps({"value": 1}).encode())
    response = api.get(f"/games/{known_game['id']}/")
    assert (response.status_code, response["X-Cache"]) == (200, "MISS")


def test_cached_entries_are_stored_as_json(api: APIClient, known_game: dict[str, Any]) -> None:
    assert api.get(f"/games/{known_game['id']}/").status_code == 200
    raw = get_redis_connection("default").get(cache.make_key(gateway.game_key(known_game["id"])))
    entry = json.loads(raw)
    assert entry["value"]["id"] == known_game["id"]
    assert isinstance(entry["fetched_at"], float)


def test_a_planted_not_found_entry_as_the_index_is_rebuilt_not_an_error(
    api: APIClient, known_game: dict[str, Any]
) -> None:
    planted = {"missing": True, "fetched_at": time.time()}
    _plant(gateway.INDEX_KEY, json.dumps(planted).encode())
    response = api.get(f"/games/{known_game['id']}/")
    assert (response.status_code, response["X-Cache"]) == (200, "MISS")
    assert isinstance(cache.get(gateway.INDEX_KEY)["value"], dict)
