"""Bad and hostile input to the games API: a clear 4xx, and nothing stored."""

from __future__ import annotations

import json
import uuid

import pytest
from rest_framework.test import APIClient

from common.outbox.models import OutboxEvent
from games_project.catalog.models import GameRead
from tests.games.conftest import auth
from tests.support.identity import IdentityProvider

pytestmark = pytest.mark.django_db


def nothing_stored() -> bool:
    return not GameRead.objects.exists() and not OutboxEvent.objects.exists()


@pytest.mark.parametrize(
    "body",
    ["{", "[]", "null", '{"game_id": NaN}', '{"game_id": 1, "user_id": "\\udfff"}', b"\xc3\x28"],
    ids=["truncated", "array", "null", "NaN", "lone surrogate", "not utf-8"],
)
def test_malformed_json_is_400_and_stores_nothing(
    api: APIClient, identity: IdentityProvider, body: str | bytes
) -> None:
    response = api.generic(
        "POST",
        "/games/",
        body,
        content_type="application/json",
        **auth(identity.token(uuid.uuid4())),
    )
    assert response.status_code == 400
    assert nothing_stored()


def test_a_body_over_one_mebibyte_is_413(api: APIClient, identity: IdentityProvider) -> None:
    body = json.dumps({"game_id": 1, "padding": "x" * (1024 * 1024)})
    response = api.generic(
        "POST",
        "/games/",
        body,
        content_type="application/json",
        **auth(identity.token(uuid.uuid4())),
    )
    assert response.status_code == 413
    assert nothing_stored()


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page=999999", "page_size=-5"])
def test_bad_pagination_is_404_not_500(api: APIClient, query: str) -> None:
    response = api.get(f"/games/?{query}")
    assert response.status_code in {200, 404}  # DRF: out-of-range pages are 404
    if response.status_code == 404:
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer a b", "Basic dXNlcjpwYXNz", "Bearer \u00e9\u00e9"]
)
def test_odd_authorization_headers_are_401(api: APIClient, header: str, known_game: dict) -> None:
    response = api.post(
        "/games/", {"game_id": known_game["id"]}, format="json", HTTP_AUTHORIZATION=header
    )
    assert response.status_code == 401
    assert nothing_stored()
