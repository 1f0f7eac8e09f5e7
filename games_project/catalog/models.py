from __future__ import annotations

from django.db import models


class GameRead(models.Model):
    """A read published as ``user.read``; it also ranks the most-read games for the refresh."""

    # The user.read's id, a fresh uuid4; not unique here (no query looks a
    # read up by it; the users service's history row is the one unique by it).
    event_id = models.UUIDField()
    user_id = models.UUIDField(db_index=True)
    game_id = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    read_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["read_at", "game_id"], name="gameread_recent_game_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.game_id}"


class ForgottenReader(models.Model):
    """A deleted user: reads gone and refused (kept here: the catalog asks no other app)."""

    user_id = models.UUIDField(primary_key=True)
    forgotten_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} (forgotten)"
