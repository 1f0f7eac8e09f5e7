"""The users service as a browser sees it (HTML), and the endpoints that
never authenticate."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
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


def html_form(body: str, action: str, method: str = "POST") -> str:
    """The HTML form (not the raw one) for ``method`` on ``action``."""
    opening = (
        f'<form action="{action}" method="POST" enctype="multipart/form-data"'
        if method == "POST"
        else f'<form action="{action}" data-method="{method}"'
    )
    found = re.search(re.escape(opening) + ".*?</form>", body, re.S)
    assert found, f"no HTML form for {method} {action} on the page"
    return found.group(0)


def input_types(form: str) -> dict[str, str]:
    return dict(re.findall(r'<input name="([a-z_]+)" class="form-control" type="([a-z]+)"', form))


def csrf_client(path: str) -> tuple[Client, str]:
    """A client that, like a browser, must send the CSRF token it got on ``path``."""
    browser = Client(enforce_csrf_checks=True)
    browser.get(path, **HTML)
    return browser, browser.cookies["csrftoken"].value


def test_the_registration_page_offers_an_html_form_beside_the_raw_one() -> None:
    body = Client().get("/users/", **HTML).content.decode()
    form = html_form(body, "/users/")
    assert input_types(form) == {"email": "email", "password": "password", "name": "text"}
    assert 'name="csrfmiddlewaretoken"' in form
    assert 'name="_content"' in body  # the raw form stays


def test_registering_with_the_html_form_creates_the_user() -> None:
    browser, token = csrf_client("/users/")
    fields = {"email": "form@example.com", "password": PASSWORD, "name": "Form Filler"}
    response = browser.post("/users/", {**fields, "csrfmiddlewaretoken": token}, **HTML)
    assert response.status_code == 201, response.content[:500]
    assert User.objects.get(email="form@example.com").name == "Form Filler"
    # The answer's page offers the form again, empty, for the next person.
    again = html_form(response.content.decode(), "/users/")
    assert set(input_types(again)) == {"email", "password", "name"}
    assert "form@example.com" not in again


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_a_form_body_without_the_csrf_token_is_403_and_creates_nothing(encoding: str) -> None:
    browser, _ = csrf_client("/users/")
    fields = {"email": "forged@example.com", "password": PASSWORD, "name": "Forged"}
    if encoding == "multipart":
        response = browser.post("/users/", fields)
    else:
        body = "&".join(f"{k}={v}" for k, v in fields.items())
        response = browser.post("/users/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert not User.objects.filter(email="forged@example.com").exists()


def test_a_bad_html_form_is_400_with_the_fields_errors_and_creates_nothing() -> None:
    browser, token = csrf_client("/users/")
    fields = {"email": "not-an-email", "password": "", "name": "", "csrfmiddlewaretoken": token}
    response = browser.post("/users/", fields, **HTML)
    assert response.status_code == 400
    assert not User.objects.exists()
    form = html_form(response.content.decode(), "/users/")
    assert "Enter a valid email address." in form  # the errors shown in the form


def logged_in_browser(user: User) -> tuple[Client, str]:
    """A browser holding the access cookie the login page sets, and its CSRF token."""
    browser, token = csrf_client("/api-auth/login/")
    response = browser.post(
        "/api-auth/login/",
        {"email": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert browser.cookies[settings.ACCESS_COOKIE_NAME].value
    return browser, browser.cookies["csrftoken"].value


def test_the_own_account_page_offers_an_update_form_filled_in(user: User) -> None:
    browser, _ = logged_in_browser(user)
    body = browser.get(f"/users/{user.id}/", **HTML).content.decode()
    form = html_form(body, f"/users/{user.id}/", "PUT")
    assert input_types(form) == {
        "email": "email",
        "name": "text",
        "password": "password",
        "current_password": "password",
    }
    assert f'value="{user.email}"' in form


def test_the_update_form_as_the_browser_sends_it_changes_the_name_and_not_the_password(
    user: User,
) -> None:
    # DRF's page sends its PUT form as multipart with X-CSRFToken (ajax-form.js);
    # the empty password boxes change nothing and need no current password.
    browser, token = logged_in_browser(user)
    fields = {"email": user.email, "name": "Renamed", "password": "", "current_password": ""}
    put = browser.put(
        f"/users/{user.id}/",
        encode_multipart(BOUNDARY, fields),
        content_type=MULTIPART_CONTENT,
        HTTP_X_CSRFTOKEN=token,
        **HTML,
    )
    assert put.status_code == 200, put.content[:500]
    user.refresh_from_db()
    assert user.name == "Renamed" and user.check_password(PASSWORD)
    # The answer's page has the form again, filled in with what is stored now.
    again = html_form(put.content.decode(), f"/users/{user.id}/", "PUT")
    assert set(input_types(again)) == {"email", "name", "password", "current_password"}
    assert 'value="Renamed"' in again
    # A change the service refuses (a new email without the current password)
    # answers 400 with the form filled in from what is stored.
    refused = browser.put(
        f"/users/{user.id}/",
        encode_multipart(BOUNDARY, {**fields, "email": "moved@example.com"}),
        content_type=MULTIPART_CONTENT,
        HTTP_X_CSRFTOKEN=token,
        **HTML,
    )
    assert refused.status_code == 400
    form = html_form(refused.content.decode(), f"/users/{user.id}/", "PUT")
    assert 'value="Renamed"' in form and f'value="{user.email}"' in form
    forged = browser.put(
        f"/users/{user.id}/",
        encode_multipart(BOUNDARY, {**fields, "name": "Forged"}),
        content_type=MULTIPART_CONTENT,
    )
    assert forged.status_code == 403
    user.refresh_from_db()
    assert user.name == "Renamed"
