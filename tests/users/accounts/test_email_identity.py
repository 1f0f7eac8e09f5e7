"""One rule for which spellings of an address are one account: NFKC and case
folding, for storage, lookup, uniqueness and the login throttle alike."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.support.users import login
from tests.users.factories import PASSWORD, UserFactory
from users_project.accounts.models import User, email_identity

pytestmark = pytest.mark.django_db

LONG_S = "\u017f"  # folds to "s"
KELVIN = "\u212a"  # NFKC gives "K"
SPELLINGS = [
    "sam.kirk@example.com",
    "SAM.KIRK@EXAMPLE.COM",
    f"{LONG_S}am.kirk@example.com",
    f"sam.{KELVIN}irk@example.com",
    "  Sam.Kirk@Example.com ",
    "\uff53am.kirk@example.com",  # fullwidth s
]


def test_every_spelling_has_one_identity() -> None:
    assert len({email_identity(spelling) for spelling in SPELLINGS}) == 1


@pytest.mark.parametrize("spelling", SPELLINGS[1:])
def test_every_spelling_logs_in_to_the_same_account(api: APIClient, spelling: str) -> None:
    user = UserFactory(email=SPELLINGS[0])
    response = login(api, spelling, PASSWORD)
    assert response.status_code == 200, response.json()
    me = api.get("/auth/auth-test/", HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert me.json()["id"] == str(user.id)


@pytest.mark.parametrize("spelling", SPELLINGS[1:])
def test_no_spelling_registers_a_second_account(api: APIClient, spelling: str) -> None:
    UserFactory(email=SPELLINGS[0])
    response = api.post(
        "/users/",
        {"email": spelling.strip(), "password": "correct-Horse-battery-9", "name": "Twin"},
        format="json",
    )
    assert response.status_code == 400
    assert "email" in response.json()["error"]["fields"]
    assert User.objects.count() == 1


def test_spellings_share_one_login_throttle_bucket(api: APIClient) -> None:
    UserFactory(email=SPELLINGS[0])
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login_email"].split("/")[0])
    for n in range(limit):
        spelling = SPELLINGS[n % len(SPELLINGS)]
        assert login(api, spelling, "guess", REMOTE_ADDR="10.0.0.1").status_code == 401
    blocked = login(api, SPELLINGS[-1], PASSWORD, REMOTE_ADDR="10.0.0.1")
    assert blocked.status_code == 429


def test_an_invalid_password_is_refused_before_the_email_is_judged(api: APIClient) -> None:
    taken = UserFactory(email="taken@example.com")
    response = api.post(
        "/users/", {"email": taken.email, "password": "123", "name": "X"}, format="json"
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "email" not in fields
    assert (
        "password" in fields or "non_field_errors" in fields or response.json()["error"]["message"]
    )
