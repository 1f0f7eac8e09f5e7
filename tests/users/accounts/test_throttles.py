"""Every credential check and costly write is throttled: 429, Retry-After,
the one error shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from tests.users.conftest import PASSWORD, bearer
from users_project.accounts.models import User

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
    headers = bearer(user)
    for _ in range(rate("current_password")):
        assert change_password(api, user, "a-wrong-guess", **headers).status_code == 400
    # Even the right password is refused now: guessing has stopped paying.
    assert_throttled(change_password(api, user, PASSWORD, **headers))
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
    # A name change needs no password and is not held back; nor is another account.
    assert (
        api.patch(f"/users/{user.id}/", {"name": "N"}, format="json", **headers).status_code == 200
    )
    assert change_password(api, other_user, PASSWORD, **bearer(other_user)).status_code == 200


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


def test_the_admin_login_is_throttled_per_account_sharing_the_api_logins_bucket(
    api: APIClient, staff: User
) -> None:
    client = Client()
    half = rate("login_email") // 2
    for n in range(half):
        response = admin_login(client, staff.email, "guess", REMOTE_ADDR=f"10.0.0.{n + 1}")
        assert response.status_code == 200  # the form again, with an error
    for n in range(rate("login_email") - half):
        attempt = api.post(
            "/auth/login/",
            {"email": staff.email.upper(), "password": "guess"},
            format="json",
            REMOTE_ADDR=f"10.0.1.{n + 1}",
        )
        assert attempt.status_code == 401
    assert_throttled(admin_login(client, staff.email, PASSWORD, REMOTE_ADDR="10.0.2.1"))


def test_the_admin_login_is_throttled_per_address(staff: User) -> None:
    client = Client()
    for n in range(rate("login_address")):
        assert admin_login(client, f"nobody{n}@example.com", "guess").status_code == 200
    assert_throttled(admin_login(client, staff.email, PASSWORD))
    assert admin_login(client, staff.email, PASSWORD, REMOTE_ADDR="10.7.7.7").status_code == 302
