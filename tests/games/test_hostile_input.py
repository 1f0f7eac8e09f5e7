"""Bad and hostile input to the games API: a clear 4xx, and nothing stored."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import given
from rest_framework.test import APIClient

from common.outbox.models import OutboxEvent
from games_project.catalog.models import GameRead
from tests.support.fuzz import FUZZ_SETTINGS
from tests.support.hostile import (
    DEEP_BODIES,
    TOKEN_SHAPES,
    assert_error,
    hostile_bodies,
    token_shapes,
    token_texts,
    too_many_query_fields,
)
from tests.support.http import bearer
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
        **bearer(identity.token(uuid.uuid4())),
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
        **bearer(identity.token(uuid.uuid4())),
    )
    assert response.status_code == 413
    assert nothing_stored()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=0", 404),
        ("page=abc", 404),
        ("page=999999", 404),
        ("page_size=-5", 400),
        ("page_size=0", 400),
        ("page_size=101", 400),
        ("page_size=null", 400),
        ("page_size=%C2%B2", 400),
    ],
)
def test_bad_pagination_is_its_4xx_not_500(api: APIClient, query: str, status: int) -> None:
    response = api.get(f"/games/?{query}")
    assert response.status_code == status
    assert response.json()["error"]["status"] == status


def test_a_page_size_of_more_digits_than_int_converts_is_a_400_not_500(api: APIClient) -> None:
    response = api.get("/games/", {"page_size": "1" * 4301})  # int() stops at 4,300 digits
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"page_size": ["A whole number from 1 to 100."]}


def test_a_page_size_with_leading_zeros_is_read_as_its_number(api: APIClient) -> None:
    response = api.get("/games/", {"page_size": "0000000002"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer a b", "Basic dXNlcjpwYXNz", "Bearer \u00e9\u00e9"]
)
def test_odd_authorization_headers_are_401(api: APIClient, header: str, known_game: dict) -> None:
    response = api.post(
        "/games/", {"game_id": known_game["id"]}, format="json", HTTP_AUTHORIZATION=header
    )
    assert response.status_code == 401
    assert nothing_stored()


# -- Every endpoint against every hostile shape: the exact 4xx, never a 5xx ----

# (method, path); "{game}" is a game the stand-in knows.
ENDPOINTS = [
    ("GET", "/games/"),
    ("GET", "/games/{game}/"),
    ("POST", "/games/"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/api/schema/"),
]
# Never authenticate: any Authorization header is ignored.
PUBLIC = {("GET", p) for p in ("/healthz", "/readyz", "/metrics", "/api/schema/")}
NO_QUERY = {("GET", "/metrics")}


def _call(api: APIClient, method: str, path: str, game: dict, **extra: Any) -> Any:
    return api.generic(method, path.replace("{game}", str(game["id"])), **extra)


def post_body(api: APIClient, identity: IdentityProvider, body: str | bytes) -> Any:
    return api.generic(
        "POST",
        "/games/",
        body,
        content_type="application/json",
        **bearer(identity.token(uuid.uuid4())),
    )


@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
def test_deeply_nested_json_bodies_are_400(
    api: APIClient, identity: IdentityProvider, body: str
) -> None:
    response = post_body(api, identity, body)
    assert_error(response, 400)
    assert response.json()["error"]["code"] == "parse_error"
    assert nothing_stored()


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("shape", TOKEN_SHAPES)
def test_malformed_tokens_are_401_where_a_token_is_read_and_ignored_elsewhere(
    api: APIClient,
    identity: IdentityProvider,
    known_game: dict,
    method: str,
    path: str,
    shape: str,
) -> None:
    key = identity.keys[0]
    header = token_shapes(identity.token(uuid.uuid4()), key.private_pem, key.kid)[shape]
    response = _call(api, method, path, known_game, HTTP_AUTHORIZATION=header)
    if (method, path) in PUBLIC:
        assert response.status_code == 200, response.content[:300]
    else:
        assert_error(response, 401)
    assert nothing_stored()


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_more_query_fields_than_django_allows_are_400(
    api: APIClient, identity: IdentityProvider, known_game: dict, method: str, path: str
) -> None:
    response = _call(
        api,
        method,
        f"{path}?{too_many_query_fields()}",
        known_game,
        **bearer(identity.token(uuid.uuid4())),
    )
    if (method, path) in NO_QUERY:
        assert response.status_code == 200
    else:
        assert_error(response, 400)
    assert nothing_stored()


@pytest.mark.parametrize(
    "odd_id",
    ["\u00b2", "\u0661\u0662", "\U0001d7d9", "%C2%B2", "0x1", "1e3", "-1", "0", "2147483648"],
)
def test_game_ids_in_other_forms_than_ascii_digits_are_404(
    api: APIClient, stub: Any, odd_id: str
) -> None:
    response = api.get(f"/games/{odd_id}/")
    assert_error(response, 404)
    assert stub.calls() == 0  # refused before the upstream


# -- Property-based: no token and no body shape gets anything but its 4xx -----


@given(token=token_texts)
@FUZZ_SETTINGS
def test_any_bearer_token_text_is_401_on_an_authenticated_endpoint(
    api: APIClient, identity: IdentityProvider, token: str
) -> None:
    response = api.post(
        "/games/", {"game_id": 1}, format="json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert_error(response, 401)
    assert api.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert nothing_stored()


@given(body=hostile_bodies)
@FUZZ_SETTINGS
def test_any_hostile_body_is_400_and_stores_nothing(
    api: APIClient, identity: IdentityProvider, body: str | bytes
) -> None:
    assert_error(post_body(api, identity, body), 400)
    assert nothing_stored()
