from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from common.events.event import Event
from common.kafka.config import physical_topic
from common.logging import current_correlation_id
from common.sql import OUTBOX_INSERT, with_event


def outbox_enqueue(*, event: Event) -> None:
    """Queue ``event`` in the transaction of the change it describes (both
    committed, or neither), with the current correlation id."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "outbox_enqueue must run inside the transaction of the change it reports"
        )
    # The insert wakes an idle relay at commit (a trigger, see wakeup.py).
    with connection.cursor() as cursor:
        cursor.execute(OUTBOX_INSERT, outbox_row(event))


def outbox_write(
    change: str, params: Sequence[Any], *, event: Event, lock: tuple[str, Sequence[Any]] = ("", ())
) -> tuple[Any, ...] | None:
    """Run ``change`` (an INSERT or UPDATE ... RETURNING) and queue ``event``
    in one statement (``common.sql.with_event``), for the hot writes: returns
    the change's row, or None when it wrote none, and then nothing was queued.
    ``lock`` (a statement, its parameters) runs first, in the same round trip."""
    with connection.cursor() as cursor:
        cursor.execute(lock[0] + with_event(change), [*lock[1], *params, *outbox_row(event)])
        return cursor.fetchone()


def outbox_row(event: Event) -> list[Any]:
    headers = {"event_type": event.type}
    if correlation_id := current_correlation_id():
        headers["correlation_id"] = correlation_id
    now = timezone.now()
    return [
        event.id,
        physical_topic(event.type),  # topics are named after the event types they carry
        event.key,
        json.dumps(event.to_dict()),
        json.dumps(headers),
        now,
        now,
    ]
