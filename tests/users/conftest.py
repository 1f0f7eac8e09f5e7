from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.users.factories import PASSWORD, UserFactory
from users_project.accounts.models import User
from users_project.accounts.tokens import issue_token_pair


@pytest.fixture(autouse=True)
def _forget_throttle_counters() -> Iterator[None]:
    # Only this settings' key prefix: never flush a Redis others may share.
    cache.delete_pattern("*")
    yield


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db: Any) -> User:
    return UserFactory()


@pytest.fixture
def other_user(db: Any) -> User:
    return UserFactory()


@pytest.fixture
def staff(db: Any) -> User:
    """Staff (the admin's door) with no model permission."""
    return UserFactory(is_staff=True)


@pytest.fixture
def superuser(db: Any) -> User:
    return UserFactory(is_staff=True, is_superuser=True)


def grant(user: User, *actions: str) -> User:
    """``user`` with ``accounts.<action>_user`` for each action, fresh from
    the database (Django caches permissions per user object)."""
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="accounts",
            codename__in=[f"{action}_user" for action in actions],
        )
    )
    return User.objects.get(pk=user.pk)


def bearer(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token_pair(user)['access']}"}


__all__ = ["PASSWORD", "bearer", "grant"]
