"""The games service accepts the access cookie the users service's login
page sets, with CSRF for writes; its login link leads to that page."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from tests.support.identity import IdentityProvider

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html"}


@pytest.fixture
def browser(identity: IdentityProvider, user_id: uuid.UUID) -> Client:
    """A browser holding the access cookie, which must present the CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.ACCESS_COOKIE_NAME] = identity.token(user_id)
    return client


def csrf_token(client: Client) -> str:
    client.get("/games/", **HTML)  # a page with a form sets the CSRF cookie
    return client.cookies["csrftoken"].value


def test_the_login_link_leads_to_the_users_login_page_and_back(settings: Any) -> None:
    settings.USERS_URL = "http://users.example:8001"
    page = Client().get("/games/", **HTML).content.decode()
    assert "/api-auth/login/?next=/games/" in page
    response = Client().get("/api-auth/login/", {"next": "/games/"})
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert (target.netloc, target.path) == ("users.example:8001", "/api-auth/login/")
    assert parse_qs(target.query)["next"] == ["http://testserver/games/"]
    foreign = Client().get("/api-auth/login/", {"next": "https://evil.example/"})
    assert parse_qs(urlsplit(foreign["Location"]).query)["next"] == ["http://testserver/"]


def test_a_read_recorded_with_the_cookie_needs_the_csrf_token(
    browser: Client, known_game: dict[str, Any], user_id: uuid.UUID
) -> None:
    refused = browser.post(
        "/games/", {"game_id": known_game["id"]}, content_type="application/json"
    )
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    accepted = browser.post(
        "/games/",
        {"game_id": known_game["id"]},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf_token(browser),
    )
    assert accepted.status_code == 202, accepted.json()
    assert accepted.json()["user_id"] == str(user_id)


def test_the_browsable_catalog_shows_who_is_logged_in_and_the_read_form(
    browser: Client, user_id: uuid.UUID
) -> None:
    page = browser.get("/games/", **HTML).content.decode()
    assert f"user {user_id}" in page and "Log out" in page
    assert 'id="post-generic-content-form"' in page


def test_a_stale_cookie_is_no_credential(identity: IdentityProvider, known_game: dict) -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.ACCESS_COOKIE_NAME] = "expired.or.forged"
    assert client.get("/games/", **HTML).status_code == 200
    token = csrf_token(client)
    response = client.post(
        "/games/",
        {"game_id": known_game["id"]},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 401


def test_logging_out_at_games_forgets_the_shared_cookie(browser: Client) -> None:
    token = csrf_token(browser)
    response = browser.post("/api-auth/logout/", {"next": "/games/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/games/"
    assert browser.cookies[settings.ACCESS_COOKIE_NAME].value == ""
