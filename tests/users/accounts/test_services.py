"""The users service's rules hold for every caller, not only the HTTP API."""

from __future__ import annotations

import pytest
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from tests.users.factories import PASSWORD
from users_project.accounts.models import User
from users_project.accounts.services import PasswordChangeRejected, user_update
from users_project.accounts.tokens import issue_token_pair

pytestmark = pytest.mark.django_db
NEW = "fresh-Lemon-2026-orbit"


@pytest.mark.parametrize(
    ("current", "field"),
    [(None, "current_password"), ("", "current_password"), ("not-it", "current_password")],
)
def test_user_update_refuses_a_new_password_without_the_right_current_one(
    user: User, current: str | None, field: str
) -> None:
    with pytest.raises(PasswordChangeRejected) as rejected:
        user_update(user=user, password=NEW, current_password=current)
    assert rejected.value.field == field
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_user_update_refuses_a_current_password_without_a_new_one(user: User) -> None:
    with pytest.raises(PasswordChangeRejected) as rejected:
        user_update(user=user, name="Renamed", current_password=PASSWORD)
    assert rejected.value.field == "password"
    user.refresh_from_db()
    assert user.name != "Renamed"


def test_user_update_changes_the_password_and_revokes_every_refresh_token(user: User) -> None:
    issue_token_pair(user)
    issue_token_pair(user)
    user_update(user=user, password=NEW, current_password=PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW)
    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    assert OutstandingToken.objects.filter(user=user).count() == 2
    assert not live.exists()
