"""Bad and hostile input to the users API: a clear 4xx, and nothing stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import given
from rest_framework.test import APIClient

from common.outbox.models import OutboxEvent
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
from tests.support.users import bearer_for
from tests.users.factories import UserFactory
from users_project.accounts.models import User
from users_project.accounts.tokens import issue_token_pair, token_backend

pytestmark = pytest.mark.django_db

VALID = {"email": "edge@example.com", "password": "correct-Horse-battery-9", "name": "Edge"}


def raw_post(
    api: APIClient, path: str, body: bytes | str, content_type: str = "application/json", **extra
):
    return api.generic("POST", path, body, content_type=content_type, **extra)


def nothing_stored() -> bool:
    return not User.objects.exists() and not OutboxEvent.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "{",
        '{"email": "a@example.com",}',
        "[1, 2, 3]",
        '"just a string"',
        "null",
        '{"email": NaN, "password": "x", "name": "y"}',
        '{"email": "a@example.com", "password": "Infinity-not-this", "name": Infinity}',
        '{"email": "a@example.com", "password": "p", "name": "\\ud800"}',
        b'\xff\xfe{"email": 1}',
    ],
    ids=[
        "truncated",
        "trailing comma",
        "array",
        "string",
        "null",
        "NaN",
        "Infinity",
        "lone surrogate",
        "not utf-8",
    ],
)
def test_malformed_json_is_400_and_stores_nothing(api: APIClient, body: str | bytes) -> None:
    response = raw_post(api, "/users/", body)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in {"parse_error", "invalid"}
    assert nothing_stored()


@pytest.mark.parametrize(
    "changes",
    [
        {"email": 123},
        {"email": ["a@example.com"]},
        {"name": {"first": "x"}},
        {"password": None},
        {"password": True},
        {"name": None},
    ],
)
def test_wrong_types_are_400_and_store_nothing(api: APIClient, changes: dict) -> None:
    response = api.post("/users/", {**VALID, **changes}, format="json")
    assert response.status_code == 400
    assert set(changes) <= set(response.json()["error"]["fields"])
    assert nothing_stored()


def test_a_body_over_one_mebibyte_is_413_and_stores_nothing(api: APIClient) -> None:
    body = json.dumps({**VALID, "name": "x" * (1024 * 1024)})
    response = raw_post(api, "/users/", body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert nothing_stored()


def test_a_body_just_under_the_limit_is_judged_on_its_content(api: APIClient) -> None:
    body = json.dumps({**VALID, "name": "x" * (1024 * 1024 - 200)})
    response = raw_post(api, "/users/", body)
    assert response.status_code == 400  # too long a name, not too big a body
    assert "name" in response.json()["error"]["fields"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "text/csv"])
def test_other_content_types_are_415(api: APIClient, content_type: str) -> None:
    response = raw_post(api, "/users/", "email=a@example.com", content_type=content_type)
    assert response.status_code == 415
    assert nothing_stored()


def test_a_form_body_without_a_csrf_token_is_403() -> None:
    # Form bodies are the browsable API's HTML forms: a browser's, so CSRF-checked.
    response = Client(enforce_csrf_checks=True).post(
        "/users/", "email=a@example.com", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 403
    assert nothing_stored()


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Ångström",
        "名前テスト",
        "مرحبا بالعالم",
        "🎮👾🕹️",
        "e\u0301\u0301\u0301",
        "a\u200bb",
        "\U0001d518\U0001d52b\U0001d526",
    ],
    ids=["latin", "cjk", "rtl", "emoji", "combining", "zero-width", "astral"],
)
def test_unicode_names_are_stored_exactly(api: APIClient, name: str) -> None:
    response = api.post("/users/", {**VALID, "name": name}, format="json")
    assert response.status_code == 201, response.json()
    assert User.objects.get().name == name == response.json()["name"]


@pytest.mark.parametrize("name", ["nul\x00byte", "\x00"], ids=["embedded NUL", "only NUL"])
def test_nul_characters_are_400(api: APIClient, name: str) -> None:
    response = api.post("/users/", {**VALID, "name": name}, format="json")
    assert response.status_code == 400
    assert nothing_stored()


@pytest.mark.parametrize(
    "user_id", ["not-a-uuid", "00000000-0000-0000-0000-00000000000g", "%00", "..", "1' OR '1'='1"]
)
def test_invalid_ids_in_paths_are_4xx(api: APIClient, user_id: str) -> None:
    caller = User.objects.create_user(
        email="caller@example.com", password=VALID["password"], name="C"
    )
    response = api.get(f"/users/{user_id}/", **bearer_for(caller))
    assert response.status_code == 404
    assert api.delete(f"/users/{user_id}/", **bearer_for(caller)).status_code == 404
    assert User.objects.filter(pk=caller.pk).exists()


# -- Every endpoint against every hostile shape: the exact 4xx, never a 5xx ----

# (method, path); "{me}" is the caller's own id. Each gets a valid token
# unless the shape is about the token.
ENDPOINTS = [
    ("POST", "/users/"),
    ("GET", "/users/{me}/"),
    ("PUT", "/users/{me}/"),
    ("PATCH", "/users/{me}/"),
    ("DELETE", "/users/{me}/"),
    ("GET", "/users/{me}/read/"),
    ("POST", "/auth/login/"),
    ("POST", "/auth/refresh/"),
    ("POST", "/auth/logout/"),
    ("GET", "/auth/auth-test/"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/api/schema/"),
]
BODY_TAKING = {(m, p) for m, p in ENDPOINTS if m in {"POST", "PUT", "PATCH"}} - {
    ("POST", "/auth/logout/")  # reads no body
}
# Never authenticate: any Authorization header is ignored.
PUBLIC = {("GET", p) for p in ("/.well-known/jwks.json", "/healthz", "/readyz", "/metrics")}
PUBLIC.add(("GET", "/api/schema/"))
# Judge credentials in the body (registration: the new account's), and ignore
# Authorization headers, so a stale token in a browser cannot block them.
CREDENTIAL = {("POST", "/auth/login/"), ("POST", "/auth/refresh/"), ("POST", "/users/")}
# Answer without reading the query string (a plain Django view).
NO_QUERY = {("GET", "/metrics")}
WITH_ID = [(m, p) for m, p in ENDPOINTS if "{me}" in p]


def _call(api: APIClient, method: str, path: str, caller: User, **extra) -> Any:
    return api.generic(method, path.replace("{me}", str(caller.id)), **extra)


@pytest.fixture
def caller(db: Any) -> User:
    return UserFactory()


@pytest.mark.parametrize(("method", "path"), sorted(BODY_TAKING))
@pytest.mark.parametrize("body", DEEP_BODIES.values(), ids=DEEP_BODIES.keys())
def test_deeply_nested_json_bodies_are_400(
    api: APIClient, caller: User, method: str, path: str, body: str
) -> None:
    response = _call(
        api, method, path, caller, data=body, content_type="application/json", **bearer_for(caller)
    )
    assert_error(response, 400)
    assert response.json()["error"]["code"] == "parse_error"
    assert User.objects.count() == 1


def _expected_for_bad_token(method: str, path: str) -> int:
    if (method, path) in PUBLIC:
        return 200
    if (method, path) in CREDENTIAL or (method, path) == ("POST", "/users/"):
        # The header is ignored (registration never authenticates); the
        # empty body is what is wrong.
        return 400
    return 401


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("shape", TOKEN_SHAPES)
def test_malformed_tokens_are_401_where_a_token_is_read_and_ignored_elsewhere(
    api: APIClient, caller: User, method: str, path: str, shape: str
) -> None:
    backend = token_backend()
    valid = issue_token_pair(caller)["access"]
    header = token_shapes(valid, backend.prepared_signing_key, backend.kid)[shape]
    response = _call(api, method, path, caller, HTTP_AUTHORIZATION=header)
    expected = _expected_for_bad_token(method, path)
    if expected == 200:
        assert response.status_code == 200, response.content[:300]
    else:
        assert_error(response, expected)
    assert User.objects.filter(pk=caller.pk).exists()


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_more_query_fields_than_django_allows_are_400(
    api: APIClient, caller: User, method: str, path: str
) -> None:
    path_with_query = f"{path}?{too_many_query_fields()}"
    response = _call(api, method, path_with_query, caller, **bearer_for(caller))
    if (method, path) in NO_QUERY:
        assert response.status_code == 200
    else:
        assert_error(response, 400)
    assert User.objects.filter(pk=caller.pk).exists()


@pytest.mark.parametrize(("method", "path"), WITH_ID)
@pytest.mark.parametrize("odd_id", ["\u00b2", "\u0661\u0662", "\U0001d7d9", "%C2%B2", "0x1"])
def test_ids_with_non_ascii_digits_or_other_forms_are_404(
    api: APIClient, caller: User, method: str, path: str, odd_id: str
) -> None:
    response = api.generic(
        method,
        path.replace("{me}", odd_id),
        data="{}",
        content_type="application/json",
        **bearer_for(caller),
    )
    assert_error(response, 404)
    assert User.objects.filter(pk=caller.pk).exists()


# -- Property-based: no token and no body shape gets anything but its 4xx -----


@given(token=token_texts)
@FUZZ_SETTINGS
def test_any_bearer_token_text_is_401_on_an_authenticated_endpoint(
    api: APIClient, caller: User, token: str
) -> None:
    response = api.get("/auth/auth-test/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_error(response, 401)
    assert api.get("/healthz", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


@given(body=hostile_bodies)
@FUZZ_SETTINGS
def test_any_hostile_body_is_400_and_registers_nobody(
    api: APIClient, caller: User, body: str | bytes
) -> None:
    cache.delete_pattern("*")  # each example starts with fresh throttle counters
    for path in ("/users/", "/auth/login/"):
        response = api.generic("POST", path, body, content_type="application/json")
        assert_error(response, 400)
    assert User.objects.count() == 1
