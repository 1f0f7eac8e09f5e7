"""Bad and hostile input to the users API: a clear 4xx, and nothing stored."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from common.outbox.models import OutboxEvent
from tests.users.conftest import bearer
from users_project.accounts.models import User

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


def test_other_content_types_are_415(api: APIClient) -> None:
    response = raw_post(
        api, "/users/", "email=a@example.com", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
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
    response = api.get(f"/users/{user_id}/", **bearer(caller))
    assert response.status_code in {400, 404}
    assert api.delete(f"/users/{user_id}/", **bearer(caller)).status_code in {400, 404}
    assert User.objects.filter(pk=caller.pk).exists()
