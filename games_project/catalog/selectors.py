"""Reads of the catalog's own tables (the database only: reads that may call
the games API or enqueue a refresh live in the gateway)."""

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
    """Whose read the caller records: ``user_id`` (default: the caller).
    Whether either was deleted is checked by the write itself
    (``services.game_read_record``)."""
    reader = user_id or caller_id
    if reader != caller_id and not caller_is_staff:
        raise NotAllowed("only staff may record a read for another user")
    return reader


def most_read_game_ids(*, limit: int, within: timedelta = timedelta(days=7)) -> list[int]:
    since = timezone.now() - within
    return list(
        GameRead.objects.filter(read_at__gte=since)
        .values("game_id")
        .annotate(reads=Count("id"))
        .order_by("-reads", "game_id")
        .values_list("game_id", flat=True)[:limit]
    )
