from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction
from psycopg2.extras import execute_values

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


EventBatchHandler = Callable[[list[Event]], None]


def inbox_process_batch(
    *, consumer: str, events: list[Event], handler: EventBatchHandler
) -> list[Event]:
    """Apply a batch of events in one transaction: inbox rows for all of them
    (duplicates skipped), then ``handler`` with the new ones. Returns the
    events applied. If anything fails, nothing is kept and the caller falls
    back to one event at a time, which isolates the culprit."""
    if not events:
        return []
    table = ProcessedEvent._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            inserted = execute_values(
                cursor,
                f"INSERT INTO {table} (consumer, event_id, event_type, processed_at) "  # noqa: S608
                "VALUES %s ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id",
                [(consumer, event.id, event.type) for event in events],
                template="(%s, %s, %s, now())",
                fetch=True,
                page_size=1000,
            )
        new_ids = {row[0] for row in inserted}
        # The first copy of each new id: a redelivery can sit in the same batch.
        fresh = []
        for event in events:
            if event.id in new_ids:
                fresh.append(event)
                new_ids.discard(event.id)
        if fresh:
            handler(fresh)
    return fresh
