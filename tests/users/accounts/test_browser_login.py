"""Logging in from a browser at /api-auth/login/: the access cookie, CSRF,
the throttle, logout, and bearer tokens unchanged."""

from __future__ import annotations

from http.cookies import Morsel

import pytest
from django.conf import settings
from django.test import Client

from tests.support.users import bearer_for
from tests.users.factories import PASSWORD
from users_project.accounts.models import User

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html"}


@pytest.fixture
def browser() -> Client:
    """A client that, like a browser, must present the CSRF token."""
    return Client(enforce_csrf_checks=True)


def csrf_token(browser: Client) -> str:
    browser.get("/api-auth/login/")
    return browser.cookies["csrftoken"].value


def log_in(browser: Client, email: str, password: str, **extra: str):
    token = csrf_token(browser)
    return browser.post(
        "/api-auth/login/",
        {"email": email, "password": password, "csrfmiddlewaretoken": token, **extra},
    )


def access_cookie(browser: Client) -> Morsel:
    return browser.cookies[settings.ACCESS_COOKIE_NAME]


def test_every_browsable_page_links_to_the_login_page(browser: Client) -> None:
    page = browser.get("/", **HTML).content.decode()
    assert "/api-auth/login/?next=/" in page and ">Log in<" in page


def test_the_login_page_is_a_csrf_protected_email_and_password_form(browser: Client) -> None:
    page = browser.get("/api-auth/login/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="email"' in body and 'name="password"' in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_a_login_without_the_csrf_token_is_refused(browser: Client, user: User) -> None:
    response = browser.post("/api-auth/login/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert settings.ACCESS_COOKIE_NAME not in browser.cookies


def test_logging_in_sets_an_httponly_lax_cookie_and_opens_the_own_page(
    browser: Client, user: User
) -> None:
    response = log_in(browser, user.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == f"/users/{user.id}"
    cookie = access_cookie(browser)
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert int(cookie["max-age"]) == settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
    page = browser.get(f"/users/{user.id}/", **HTML)
    assert page.status_code == 200 and user.email in page.content.decode()
    assert "Log out" in page.content.decode()
    # The own page offers its writes: update (PUT, PATCH) and delete.
    for form in ('data-method="PUT"', 'data-method="PATCH"', 'data-method="DELETE"'):
        assert form in page.content.decode()
    history = browser.get(f"/users/{user.id}/read/", **HTML)
    assert history.status_code == 200


def test_login_goes_back_to_next_on_either_service_but_nowhere_else(
    browser: Client, user: User
) -> None:
    games_page = f"{settings.GAMES_URL}/games/"
    assert log_in(browser, user.email, PASSWORD, next=games_page)["Location"] == games_page
    assert log_in(browser, user.email, PASSWORD, next="/auth/auth-test/")["Location"] == (
        "/auth/auth-test/"
    )
    elsewhere = log_in(browser, user.email, PASSWORD, next="https://evil.example/")
    assert elsewhere["Location"] == f"/users/{user.id}"


def test_a_wrong_password_shows_one_message_and_sets_no_cookie(browser: Client, user: User) -> None:
    response = log_in(browser, user.email, "wrong-password")
    assert response.status_code == 401
    assert "Invalid email or password." in response.content.decode()
    assert settings.ACCESS_COOKIE_NAME not in browser.cookies


def test_the_login_page_is_throttled_per_email_like_the_api(browser: Client, user: User) -> None:
    statuses = [log_in(browser, user.email, "wrong-password").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    # Even the right password waits: the API's /auth/login/ counts the same.
    refused = log_in(browser, user.email, PASSWORD)
    assert refused.status_code == 429 and "Too many login attempts" in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 61
    api = Client().post(
        "/auth/login/",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert api.status_code == 429


def test_a_cookie_authenticated_write_needs_the_csrf_token(browser: Client, user: User) -> None:
    log_in(browser, user.email, PASSWORD)
    url = f"/users/{user.id}/"
    refused = browser.patch(url, {"name": "Forged"}, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    token = browser.cookies["csrftoken"].value
    allowed = browser.patch(
        url, {"name": "Renamed"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert allowed.status_code == 200 and allowed.json()["name"] == "Renamed"


def test_a_bearer_token_needs_no_csrf_token(browser: Client, user: User) -> None:
    response = browser.patch(
        f"/users/{user.id}/",
        {"name": "Bearer"},
        content_type="application/json",
        **bearer_for(user),
    )
    assert response.status_code == 200


def test_a_stale_cookie_is_no_credential_and_public_pages_still_render(
    browser: Client, user: User
) -> None:
    log_in(browser, user.email, PASSWORD)
    user.delete()
    assert browser.get("/", **HTML).status_code == 200
    assert browser.get("/auth/auth-test/").status_code == 401
    browser.cookies[settings.ACCESS_COOKIE_NAME] = "garbage"
    assert browser.get("/users/", **HTML).status_code == 405


def test_logging_out_forgets_the_cookie(browser: Client, user: User) -> None:
    log_in(browser, user.email, PASSWORD)
    assert browser.get("/auth/auth-test/").status_code == 200
    assert browser.get("/api-auth/logout/").status_code == 200
    refused = browser.post("/api-auth/logout/", {"next": "/"})
    assert refused.status_code == 403  # without the CSRF token
    token = browser.cookies["csrftoken"].value
    response = browser.post("/api-auth/logout/", {"next": "/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/"
    assert browser.cookies[settings.ACCESS_COOKIE_NAME].value == ""
    assert browser.get("/auth/auth-test/").status_code == 401


def test_the_admin_session_cookie_has_a_name_of_its_own() -> None:
    assert settings.SESSION_COOKIE_NAME == "users_sessionid"
    assert settings.SESSION_COOKIE_NAME != settings.ACCESS_COOKIE_NAME


def test_logging_in_from_the_root_or_registration_leads_to_the_own_page(
    browser: Client, user: User
) -> None:
    for start in ("/", "/users/"):
        response = log_in(browser, user.email, PASSWORD, next=start)
        assert response["Location"] == f"/users/{user.id}"
