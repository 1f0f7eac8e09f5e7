"""Helpers for the users service's tests (import only under its settings)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from tests.support.http import bearer
from users_project.accounts.models import User
from users_project.accounts.tokens import issue_token_pair


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


def login(api: APIClient, email: str, password: str, **extra: Any) -> Any:
    """POST /auth/login/ as a JSON client; the response."""
    return api.post("/auth/login/", {"email": email, "password": password}, format="json", **extra)


def bearer_for(user: User) -> dict[str, str]:
    """The bearer header of a fresh access token for ``user``."""
    return bearer(issue_token_pair(user)["access"])
