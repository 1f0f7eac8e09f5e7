"""Writes of the catalog: recording reads, forgetting a deleted user's."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from common.events.reads import user_read
from common.logging import get_logger
from common.outbox.services import outbox_enqueue
from games_project.catalog.models import ForgottenReader, GameRead
from games_project.catalog.sql import READ_INSERT

log = get_logger(__name__)
SOURCE = "games"


def game_read_record(*, user_id: uuid.UUID, game_id: int, title: str) -> GameRead:
    """Record the read and queue ``user.read`` in the same transaction."""
    event = user_read(
        user_id=user_id, game_id=game_id, title=title, read_at=timezone.now(), source=SOURCE
    )
    # The model's fields in order, as READ_INSERT names them (test_sql.py).
    row = [event.id, user_id, game_id, event.data["title"], event.occurred_at]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(READ_INSERT, row)
        (pk,) = cursor.fetchone()
        outbox_enqueue(event=event)
    read = GameRead(pk, *row)
    log.info("game.read_recorded", user_id=str(user_id), game_id=game_id, event_id=str(event.id))
    return read


def game_reads_forget(*, user_id: uuid.UUID, forgotten_at: datetime) -> int:
    """A deleted user: drop their reads here and refuse new ones."""
    ForgottenReader.objects.get_or_create(user_id=user_id, defaults={"forgotten_at": forgotten_at})
    removed, _ = GameRead.objects.filter(user_id=user_id).delete()
    log.info("catalog.reads_forgotten", user_id=str(user_id), reads_removed=removed)
    return removed
