from __future__ import annotations

from django.db import models


class Player(models.Model):
    """A user as ``user.created`` and ``user.deleted`` tell it, without personal data;
    a deleted user's tombstone keeps a late ``user.created`` from reviving them."""

    user_id = models.UUIDField(primary_key=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}{' (deleted)' if self.deleted_at else ''}"
