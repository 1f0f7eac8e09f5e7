"""Reads of the catalog's own tables (reads that may call the games API live in the gateway)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from games_project.catalog.models import GameRead


class NotAllowed(Exception):
    """The caller may not record a read for that user."""


def game_reader(
    *, caller_id: uuid.UUID, caller_is_staff: bool, user_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Whose read the caller records (default: their own); deletions are checked by the write."""
    reader = user_id or caller_id
    if reader != caller_id and not caller_is_staff:
        raise NotAllowed("only staff may record a read for another user")
    return reader


def most_read_game_ids(*, limit: int) -> list[int]:
    """Over the last week."""
    return list(
        GameRead.objects.filter(read_at__gte=timezone.now() - timedelta(days=7))
        .values("game_id")
        .annotate(reads=Count("id"))
        .order_by("-reads", "game_id")
        .values_list("game_id", flat=True)[:limit]
    )
