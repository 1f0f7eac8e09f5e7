"""The catalog's written SQL, in one place; tests/games/catalog/test_sql.py
ties its columns to the models. The ORM is the default: what is here is
kept for a measured reason (docs/benchmarks.md)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from django.db import connection

from games_project.catalog.models import ForgottenReader, GameRead

# Every column but the id.
READ_COLUMNS = ("event_id", "user_id", "game_id", "title", "read_at")
# Every POST /games/ runs it, and create() costs much more CPU.
INSERT_READ = (
    f"INSERT INTO {GameRead._meta.db_table} ({', '.join(READ_COLUMNS)}) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, %s) RETURNING id"
)

FORGOTTEN_COLUMNS = ("user_id",)
# Every POST /games/ asks it, and filter().exists() costs much more CPU.
ANY_FORGOTTEN = (
    f"SELECT EXISTS (SELECT 1 FROM {ForgottenReader._meta.db_table} "  # noqa: S608
    "WHERE user_id = ANY(%s::uuid[]))"
)


def any_forgotten(user_ids: Collection[uuid.UUID]) -> bool:
    """Whether the catalog has forgotten any of ``user_ids``."""
    with connection.cursor() as cursor:
        cursor.execute(ANY_FORGOTTEN, [[str(user_id) for user_id in user_ids]])
        return cursor.fetchone()[0]


def read_insert(
    *, event_id: uuid.UUID, user_id: uuid.UUID, game_id: int, title: str, read_at: datetime
) -> GameRead:
    """Store a read; returns it with its id."""
    with connection.cursor() as cursor:
        cursor.execute(INSERT_READ, [event_id, user_id, game_id, title, read_at])
        (pk,) = cursor.fetchone()
    return GameRead(
        id=pk, event_id=event_id, user_id=user_id, game_id=game_id, title=title, read_at=read_at
    )
