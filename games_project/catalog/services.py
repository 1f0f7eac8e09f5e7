"""Writes of the catalog: recording reads, forgetting a deleted user's."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from common.events.reads import user_read
from common.logging import get_logger
from common.outbox.services import outbox_write
from games_project.catalog.models import ForgottenReader, GameRead
from games_project.catalog.sql import READ_INSERT, READER_LOCK

log = get_logger(__name__)


class UserDeleted(Exception):
    """This service has seen ``user.deleted`` for the user: their tokens are void."""


def game_read_record(
    *, user_id: uuid.UUID, caller_id: uuid.UUID, game_id: int, title: str
) -> GameRead:
    """Record the read and queue ``user.read``, in one statement; refused
    when the reader or the caller has been deleted."""
    title = title[:255]  # the upstream's titles have no limit; user.read's have this one
    event = user_read(
        user_id=user_id, game_id=game_id, title=title, read_at=timezone.now(), source="games"
    )
    # The model's fields in order, as READ_INSERT names them (test_sql.py).
    row = [event.id, user_id, game_id, event.data["title"], event.occurred_at]
    ids = [str(user_id), str(caller_id)]
    written = outbox_write(READ_INSERT, [*row, ids], event=event, lock=(READER_LOCK, [user_id]))
    if written is None:
        raise UserDeleted(str(user_id))
    read = GameRead(written[0], *row)
    log.info("game.read_recorded", user_id=str(user_id), game_id=game_id, event_id=str(event.id))
    return read


def game_reads_forget(*, user_id: uuid.UUID, forgotten_at: datetime) -> int:
    """A deleted user: drop their reads here and refuse new ones."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(READER_LOCK, [user_id])  # a racing read: see sql.py
        ForgottenReader.objects.get_or_create(
            user_id=user_id, defaults={"forgotten_at": forgotten_at}
        )
        removed, _ = GameRead.objects.filter(user_id=user_id).delete()
    log.info("catalog.reads_forgotten", user_id=str(user_id), reads_removed=removed)
    return removed
