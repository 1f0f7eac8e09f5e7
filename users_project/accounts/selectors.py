"""Reads of the users service."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from users_project.accounts.models import GameRead, User, email_identity


def email_is_taken(*, email: str, exclude_user_id: uuid.UUID | None = None) -> bool:
    users = User.objects.filter(email_key=email_identity(email))
    if exclude_user_id is not None:
        users = users.exclude(pk=exclude_user_id)
    return users.exists()


def user_may_write(*, by: User, user: User) -> bool:
    """Only a superuser changes or deletes a superuser (the API and the admin)."""
    return by.is_superuser or not user.is_superuser


def user_read_history(*, user_id: uuid.UUID) -> QuerySet[GameRead]:
    """Newest first; ties (same instant) in reverse arrival order."""
    return GameRead.objects.filter(user_id=user_id).order_by("-read_at", "-id")
