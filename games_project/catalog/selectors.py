"""Reads of the catalog's own tables (the database only: reads that may call
the games API or enqueue a refresh live in the gateway)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from games_project.catalog.models import ForgottenReader, GameRead


class NotAllowed(Exception):
    """The caller may not record a read for that user."""


class UserDeleted(Exception):
    """This service has seen ``user.deleted`` for the user: their tokens are void."""


def game_reader(
    *, caller_id: uuid.UUID, caller_is_staff: bool, user_id: uuid.UUID | None = None
) -> uuid.UUID:
    """Whose read the caller records: ``user_id`` (default: the caller).

    Raises NotAllowed (another user, and not staff) or UserDeleted (either
    of them deleted)."""
    reader = user_id or caller_id
    if reader != caller_id and not caller_is_staff:
        raise NotAllowed("only staff may record a read for another user")
    if _any_forgotten({reader, caller_id}):
        raise UserDeleted(str(reader))
    return reader


def _any_forgotten(user_ids: set[uuid.UUID]) -> bool:
    # Every POST /games/ asks this: written out, it costs a fraction of the
    # ORM's ``.exists()`` (docs/benchmarks.md, the write path).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {ForgottenReader._meta.db_table} "  # noqa: S608
            "WHERE user_id = ANY(%s::uuid[]))",
            [[str(user_id) for user_id in user_ids]],
        )
        return cursor.fetchone()[0]


def most_read_game_ids(*, limit: int, within: timedelta = timedelta(days=7)) -> list[int]:
    since = timezone.now() - within
    return list(
        GameRead.objects.filter(read_at__gte=since)
        .values("game_id")
        .annotate(reads=Count("id"))
        .order_by("-reads", "game_id")
        .values_list("game_id", flat=True)[:limit]
    )
