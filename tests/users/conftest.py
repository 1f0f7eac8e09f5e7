from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.users.factories import UserFactory
from users_project.accounts.models import User


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
