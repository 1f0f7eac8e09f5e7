from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower


def email_identity(email: str) -> str:
    """The one rule for when two addresses name one account (lookup, uniqueness, throttles):
    NFKC, case-folded, stripped, so U+017F (long s) and "s", U+212A (Kelvin) and "k",
    "Straße" and "strasse" are one."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", email.strip()).casefold())


class UserManager(BaseUserManager["User"]):
    """``createsuperuser`` and the like create through ``user_create`` (handed
    over by apps.py), so every user gets its ``user.created`` event."""

    use_in_migrations = True
    create_with: ClassVar[Callable[..., User] | None] = None

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email_key=email_identity(username or ""))

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        return UserManager.create_with(email=email, password=password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        return self.create_user(
            email, password, **{**fields, "is_staff": True, "is_superuser": True}
        )


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # unique=True for Django's auth checks; the constraint below is the rule.
    email = models.EmailField(max_length=254, unique=True)
    # email_identity(email): what lookup, uniqueness and the login throttle compare.
    email_key = models.CharField(max_length=254, unique=True, editable=False)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept with every stored read: the history page needs no COUNT(*).
    read_count = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["created_at"]
        constraints = [
            # In the database, so two concurrent registrations cannot both win.
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]


class GameRead(models.Model):
    """One game a user read, from a ``user.read`` event, with the title then."""

    # No index of its own: gameread_user_recent_idx starts with user_id.
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="game_reads", db_index=False
    )
    game_id = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    read_at = models.DateTimeField()
    event_id = models.UUIDField(unique=True)

    class Meta:
        ordering = ["-read_at", "-id"]
        indexes = [
            # The history page: one user's reads, newest first.
            models.Index(fields=["user", "-read_at", "-id"], name="gameread_user_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.game_id} at {self.read_at:%Y-%m-%d %H:%M}"
