from __future__ import annotations

from django.db import models


class Player(models.Model):
    """This service's view of a user, built from ``user.created`` and
    ``user.deleted``: the id and two times, no personal data. Games needs to
    know only whether a user exists and whether they were deleted (so a
    deleted user's still-valid tokens are refused and a late
    ``user.created`` cannot bring them back). It never shows or mails a user,
    so a copy of their email and name here would only be one more place to
    keep current and to erase (see the README's "Personal data")."""

    user_id = models.UUIDField(primary_key=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}{' (deleted)' if self.deleted_at else ''}"
