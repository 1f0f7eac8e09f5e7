"""Every credential check and costly write is throttled: 429, Retry-After,
the one error shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.support.users import bearer_for
from tests.users.factories import PASSWORD
from users_project.accounts.models import User
from users_project.accounts.tokens import issue_token_pair

pytestmark = pytest.mark.django_db


def rate(scope: str) -> int:
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")[0])


def assert_throttled(response: Any) -> None:
    assert response.status_code == 429, response.content[:300]
    assert int(response["Retry-After"]) > 0
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (429, "throttled")


def change_password(api: APIClient, user: User, current: str, **extra: Any) -> Any:
    return api.patch(
        f"/users/{user.id}/",
        {"password": "brand-New-secret-42", "current_password": current},
        format="json",
        **extra,
    )


def test_current_password_guesses_are_throttled_per_account(
    api: APIClient, user: User, other_user: User
) -> None:
    headers = bearer_for(user)
    for _ in range(rate("current_password")):
        assert change_password(api, user, "a-wrong-guess", **headers).status_code == 400
    # Even the right password is refused now: guessing has stopped paying.
    assert_throttled(change_password(api, user, PASSWORD, **headers))
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    # A name change needs no password and is not held back; nor is another account.
    assert (
        api.patch(f"/users/{user.id}/", {"name": "N"}, format="json", **headers).status_code == 200
    )
    assert change_password(api, other_user, PASSWORD, **bearer_for(other_user)).status_code == 200


def test_registration_is_throttled_per_address(api: APIClient) -> None:
    for n in range(rate("register_address")):
        response = api.post("/users/", {"email": f"r{n}@example.com"}, format="json")
        assert response.status_code == 400  # every attempt counts, valid or not
    valid = {"email": "late@example.com", "password": "correct-Horse-battery-9", "name": "L"}
    assert_throttled(api.post("/users/", valid, format="json"))
    assert not User.objects.filter(email="late@example.com").exists()
    other = api.post("/users/", valid, format="json", REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 201


def admin_login(client: Client, email: str, password: str, **extra: Any) -> Any:
    return client.post(
        "/admin/login/", {"username": email, "password": password, "next": "/admin/"}, **extra
    )


def test_the_admin_login_shares_the_api_logins_failure_bucket(api: APIClient, staff: User) -> None:
    client = Client()
    half = rate("login_email") // 2
    for _ in range(half):
        response = admin_login(client, staff.email, "guess", REMOTE_ADDR="10.0.0.1")
        assert response.status_code == 200  # the form again, with an error
    for _ in range(rate("login_email") - half):
        attempt = api.post(
            "/auth/login/",
            {"email": staff.email.upper(), "password": "guess"},
            format="json",
            REMOTE_ADDR="10.0.0.1",
        )
        assert attempt.status_code == 401
    assert_throttled(admin_login(client, staff.email, PASSWORD, REMOTE_ADDR="10.0.0.1"))
    # The owner, from another address, is not locked out.
    assert admin_login(Client(), staff.email, PASSWORD, REMOTE_ADDR="10.0.2.1").status_code == 302


def test_the_admin_login_is_throttled_per_address(staff: User) -> None:
    client = Client()
    for n in range(rate("login_address")):
        assert admin_login(client, f"nobody{n}@example.com", "guess").status_code == 200
    assert_throttled(admin_login(client, staff.email, PASSWORD))
    assert admin_login(client, staff.email, PASSWORD, REMOTE_ADDR="10.7.7.7").status_code == 302


# -- current_password: keyed on the account, spent only once the caller may act on it --
def test_every_spelling_of_the_user_id_shares_one_current_password_budget(
    api: APIClient, user: User
) -> None:
    headers = bearer_for(user)
    raw = str(user.id)
    spellings = [raw, raw.upper(), raw.replace("-", ""), "{" + raw + "}", f"urn:uuid:{raw}"]
    judged = 0
    for spelling in spellings * (rate("current_password") + 1):
        response = api.patch(
            f"/users/{spelling}/",
            {"password": "brand-New-secret-42", "current_password": "a-wrong-guess"},
            format="json",
            **headers,
        )
        judged += response.status_code == 400
    assert judged == rate("current_password")
    assert_throttled(change_password(api, user, PASSWORD, **headers))


def test_another_accounts_refused_attempts_spend_nothing_of_the_owners_budget(
    api: APIClient, user: User, other_user: User
) -> None:
    for _ in range(rate("current_password") + 1):
        refused = change_password(api, user, "a-wrong-guess", **bearer_for(other_user))
        assert refused.status_code == 403
    assert change_password(api, user, PASSWORD, **bearer_for(user)).status_code == 200
    assert User.objects.get(pk=user.pk).check_password("brand-New-secret-42")


def test_email_changes_are_throttled_in_the_password_changes_bucket(
    api: APIClient, user: User
) -> None:
    headers = bearer_for(user)
    for n in range(rate("current_password")):
        guess = api.patch(
            f"/users/{user.id}/",
            {"email": f"moved{n}@example.com", "current_password": "a-wrong-guess"},
            format="json",
            **headers,
        )
        assert guess.status_code == 400
    assert_throttled(change_password(api, user, PASSWORD, **headers))
    late = api.patch(
        f"/users/{user.id}/",
        {"email": "late@example.com", "current_password": PASSWORD},
        format="json",
        **headers,
    )
    assert_throttled(late)
    assert User.objects.get(pk=user.pk).email == user.email


# -- login: per account, only failures count -------------------------------------
def login(api: APIClient, email: str, password: str, address: str) -> Any:
    return api.post(
        "/auth/login/", {"email": email, "password": password}, format="json", REMOTE_ADDR=address
    )


def test_failed_logins_lock_the_guessers_address_out_of_the_account_not_the_owner(
    api: APIClient, user: User
) -> None:
    for _ in range(rate("login_email")):
        assert login(api, user.email, "guess", "10.6.0.1").status_code == 401
    # The guesser's address is locked out of this account, even with the password.
    assert_throttled(login(api, user.email, PASSWORD, "10.6.0.1"))
    # Its other accounts are not.
    assert login(api, "someone-else@example.com", "x", "10.6.0.1").status_code == 401
    # The owner, from elsewhere, logs in.
    assert login(api, user.email, PASSWORD, "10.6.0.2").status_code == 200


def test_successful_logins_spend_nothing_of_the_accounts_failure_bucket(
    api: APIClient, user: User
) -> None:
    for _ in range(rate("login_email") * 2):
        assert login(api, user.email, PASSWORD, "10.6.1.1").status_code == 200
    for _ in range(rate("login_email")):
        assert login(api, user.email, "guess", "10.6.1.1").status_code == 401
    assert_throttled(login(api, user.email, PASSWORD, "10.6.1.1"))


@override_settings(
    REST_FRAMEWORK={
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "login_account_failures": "8/hour",
        },
    }
)
def test_failures_from_many_addresses_are_bounded_per_account(api: APIClient, user: User) -> None:
    for n in range(rate("login_account_failures")):
        assert login(api, user.email, "guess", f"10.6.2.{n + 1}").status_code == 401
    # A distributed guesser has had its bound: the account waits, from anywhere.
    assert_throttled(login(api, user.email, PASSWORD, "10.6.3.1"))
    assert login(api, "someone-else@example.com", "x", "10.6.3.1").status_code == 401


def test_the_browser_login_counts_failures_in_the_same_bucket(api: APIClient, user: User) -> None:
    browser = Client()
    for _ in range(rate("login_email") - 1):
        page = browser.post(
            "/api-auth/login/", {"email": user.email, "password": "guess"}, REMOTE_ADDR="10.6.4.1"
        )
        assert page.status_code == 401
    ok = browser.post(
        "/api-auth/login/", {"email": user.email, "password": PASSWORD}, REMOTE_ADDR="10.6.4.1"
    )
    assert ok.status_code == 302  # a success inside the limit logs in, and spends nothing
    assert login(api, user.email, "guess", "10.6.4.1").status_code == 401
    assert_throttled(login(api, user.email, PASSWORD, "10.6.4.1"))
    assert login(api, user.email, PASSWORD, "10.6.4.2").status_code == 200


# -- refresh -----------------------------------------------------------------------
@override_settings(
    REST_FRAMEWORK={
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "refresh_address": "4/min",
        },
    }
)
def test_token_refresh_is_throttled_per_address(api: APIClient, user: User) -> None:
    for _ in range(4):
        response = api.post("/auth/refresh/", {"refresh": "not-a-token"}, format="json")
        assert response.status_code == 401
    assert_throttled(api.post("/auth/refresh/", {"refresh": "not-a-token"}, format="json"))
    token = issue_token_pair(user)["refresh"]
    assert_throttled(api.post("/auth/refresh/", {"refresh": token}, format="json"))
    other = api.post("/auth/refresh/", {"refresh": token}, format="json", REMOTE_ADDR="10.6.5.1")
    assert other.status_code == 200
