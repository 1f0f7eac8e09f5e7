"""The users service as a browser sees it (HTML), and the endpoints that
never authenticate."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.support.users import bearer_for
from tests.users.factories import PASSWORD, GameReadFactory
from users_project.accounts.models import User

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html"}
STALE = {"HTTP_AUTHORIZATION": "Bearer not-a-token-any-more"}


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/.well-known/jwks.json"])
def test_probes_and_keys_answer_200_whatever_authorization_comes(api: APIClient, path: str) -> None:
    for headers in ({}, STALE, {"HTTP_AUTHORIZATION": "Basic Zm9vOmJhcg=="}):
        response = api.get(path, **headers)
        assert response.status_code == 200, (path, headers, response.content[:200])


def test_registration_ignores_a_stale_bearer_token(api: APIClient) -> None:
    response = api.post(
        "/users/",
        {"email": "stale@example.com", "password": PASSWORD, "name": "Stale"},
        format="json",
        **STALE,
    )
    assert response.status_code == 201, response.json()


def test_a_deleted_users_token_gets_a_readable_401(api: APIClient, user: User) -> None:
    headers = bearer_for(user)
    user.delete()
    response = api.get("/auth/auth-test/", **headers)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["message"] == "User not found"
    assert error["code"] == "user_not_found"


def test_an_invalid_token_gets_a_readable_401(api: APIClient) -> None:
    response = api.get("/auth/auth-test/", **STALE)
    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert "ErrorDetail" not in message and "{" not in message
    assert message == "Given token not valid for any token type"


@pytest.mark.parametrize(
    ("path", "status"),
    # The POST-only endpoints answer GET with 405, whose page holds their form.
    [
        ("/", 200),
        ("/users/", 405),
        ("/auth/login/", 405),
        ("/auth/refresh/", 405),
        ("/api/docs/", 200),
    ],
)
def test_public_pages_render_as_html(path: str, status: int) -> None:
    response = Client().get(path, **HTML)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")


def test_the_read_history_renders_as_html_page_by_page(user: User) -> None:
    for n in range(3):
        GameReadFactory(user=user, title=f"Game number {n}")
    client = Client()
    client.force_login(user)  # the admin's session is accepted too
    page = client.get(f"/users/{user.id}/read/", {"page_size": 2}, **HTML)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Game number" in body and "page=2" in body


def test_swagger_ui_can_authorize_with_a_bearer_token_and_registration_needs_none() -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["components"]["securitySchemes"]["jwtAuth"]["scheme"] == "bearer"
    assert {"jwtAuth": []} in schema["paths"]["/users/{id}/"]["patch"]["security"]
    assert not schema["paths"]["/users/"]["post"].get("security")


def test_the_registration_page_offers_its_form() -> None:
    page = Client().get("/users/", **HTML)
    assert page.status_code == 405  # /users/ only takes POST; the form is below
    body = page.content.decode()
    assert 'id="post-generic-content-form"' in body and 'name="_content"' in body
