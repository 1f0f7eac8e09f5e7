from __future__ import annotations

from django.db import models


class Player(models.Model):
    """This service's view of a user, built from ``user.created`` and
    ``user.deleted``. A deleted user stays as a tombstone (id and time only,
    no personal data), so their still-valid tokens are refused and a late
    ``user.created`` cannot bring them back."""

    user_id = models.UUIDField(primary_key=True)
    email = models.CharField(max_length=254, blank=True)
    name = models.CharField(max_length=150, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}{' (deleted)' if self.deleted_at else ''}"
