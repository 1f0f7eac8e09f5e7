from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

from common.events import Event
from common.inbox.models import ProcessedEvent

EventHandler = Callable[[Event], None]


def inbox_process_once(*, consumer: str, event: Event, handler: EventHandler) -> bool:
    """Run ``handler(event)`` unless ``consumer`` already processed this event.

    The inbox row and the handler's writes share one transaction: if the
    handler fails, neither is kept and the event can be tried again. Returns
    False for a duplicate. ``INSERT ... ON CONFLICT DO NOTHING`` makes a
    concurrent duplicate (two consumers during a rebalance) wait for the first
    transaction and then skip, instead of failing.
    """
    table = ProcessedEvent._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (consumer, event_id, event_type, processed_at) "  # noqa: S608
                "VALUES (%s, %s, %s, now()) ON CONFLICT (consumer, event_id) DO NOTHING "
                "RETURNING id",
                [consumer, event.id, event.type],
            )
            if cursor.fetchone() is None:
                return False
        handler(event)
    return True
