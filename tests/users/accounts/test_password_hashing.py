"""Password hashing has a budget: Argon2 with the parameters from settings,
at most PASSWORD_HASH_CONCURRENCY hashes at once per process, 503 with
Retry-After (never a 500) past the wait, and old hashes upgraded at login."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from argon2 import extract_parameters
from django.contrib.auth.hashers import Argon2PasswordHasher, get_hasher
from django.test import Client
from rest_framework.test import APIClient

from tests.users.factories import PASSWORD
from users_project.accounts.hashers import BudgetedArgon2PasswordHasher, hash_slot
from users_project.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def slots_taken(settings: Any, user: User) -> Iterator[None]:
    """Every hashing slot of this process held, with a short wait (after
    ``user`` was made: making it hashes too)."""
    settings.PASSWORD_HASH_CONCURRENCY = 1
    settings.PASSWORD_HASH_WAIT_SECONDS = 0.05
    with hash_slot():
        yield


def stored_parameters(user: User) -> tuple[int, int, int]:
    user.refresh_from_db()
    params = extract_parameters("$" + user.password.split("$", 1)[1])
    return params.memory_cost, params.time_cost, params.parallelism


def test_new_hashes_use_the_configured_parameters(user: User, settings: Any) -> None:
    assert user.password.startswith("argon2$")
    assert stored_parameters(user) == (
        settings.PASSWORD_HASH_MEMORY_KIB,
        settings.PASSWORD_HASH_TIME_COST,
        settings.PASSWORD_HASH_PARALLELISM,
    )


def test_a_hash_with_djangos_default_parameters_still_logs_in_and_is_upgraded(
    api: APIClient, user: User, settings: Any
) -> None:
    # As every account registered before the budget was stored: 100 MiB, t=2, p=8.
    User.objects.filter(pk=user.pk).update(
        password=Argon2PasswordHasher().encode(PASSWORD, "s" * 22)
    )
    assert stored_parameters(user) == (102400, 2, 8)

    answer = api.post("/auth/login/", {"email": user.email, "password": PASSWORD}, format="json")

    assert answer.status_code == 200, answer.content
    assert stored_parameters(user) == (
        settings.PASSWORD_HASH_MEMORY_KIB,
        settings.PASSWORD_HASH_TIME_COST,
        settings.PASSWORD_HASH_PARALLELISM,
    )
    assert user.check_password(PASSWORD)


def test_no_more_hashes_run_at_once_than_the_setting(monkeypatch: Any, settings: Any) -> None:
    settings.PASSWORD_HASH_CONCURRENCY = 2
    settings.PASSWORD_HASH_WAIT_SECONDS = 30
    running, most, lock = 0, 0, threading.Lock()

    def slow_encode(self: Any, password: str, salt: str) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return "argon2$fake"

    monkeypatch.setattr(Argon2PasswordHasher, "encode", slow_encode)
    hasher = BudgetedArgon2PasswordHasher()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: hasher.encode(f"pw-{n}", "salt" * 6), range(16)))

    assert most == 2


@pytest.mark.usefixtures("slots_taken")
def test_a_login_past_the_wait_is_answered_503_with_retry_after(api: APIClient, user: User) -> None:
    answer = api.post("/auth/login/", {"email": user.email, "password": PASSWORD}, format="json")

    assert answer.status_code == 503
    assert answer["Retry-After"] == "1"
    assert answer.json()["error"]["code"] == "busy"
    user.refresh_from_db()
    assert user.last_login is None


@pytest.mark.usefixtures("slots_taken")
def test_an_unknown_email_past_the_wait_is_answered_503_too(api: APIClient) -> None:
    # Django's backend hashes a dummy password for an unknown email.
    answer = api.post(
        "/auth/login/", {"email": "nobody@example.com", "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 503 and answer["Retry-After"] == "1"


@pytest.mark.usefixtures("slots_taken")
def test_a_registration_past_the_wait_is_answered_503_and_creates_nothing(
    api: APIClient,
) -> None:
    answer = api.post(
        "/users/",
        {"email": "late@example.com", "password": PASSWORD, "name": "Late"},
        format="json",
    )
    assert answer.status_code == 503 and answer["Retry-After"] == "1"
    assert not User.objects.filter(email="late@example.com").exists()


def test_the_browser_login_page_past_the_wait_says_so_with_503(user: User, settings: Any) -> None:
    browser = Client()
    settings.PASSWORD_HASH_CONCURRENCY = 1
    settings.PASSWORD_HASH_WAIT_SECONDS = 0.05
    with hash_slot():
        answer = browser.post("/api-auth/login/", {"email": user.email, "password": PASSWORD})
    assert answer.status_code == 503 and answer["Retry-After"] == "1"
    body = answer.content.decode()
    assert "Too many logins at once" in body and 'name="password"' in body


def test_the_admin_login_past_the_wait_is_answered_503_not_500(
    client: Client, settings: Any
) -> None:
    staff = User.objects.create_superuser(email="boss@example.com", password=PASSWORD)
    settings.PASSWORD_HASH_CONCURRENCY = 1
    settings.PASSWORD_HASH_WAIT_SECONDS = 0.05
    with hash_slot():
        answer = client.post(
            "/admin/login/", {"username": staff.email, "password": PASSWORD, "next": "/admin/"}
        )
    assert answer.status_code == 503 and answer["Retry-After"] == "1"
    assert answer.json()["error"]["code"] == "busy"


def test_the_configured_hasher_is_the_budgeted_one() -> None:
    assert isinstance(get_hasher("default"), BudgetedArgon2PasswordHasher)
