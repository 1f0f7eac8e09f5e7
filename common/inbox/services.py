"""``inbox(consumer, handler)`` applies each event at most once per consumer:
a processed-event row per event in the handler's transaction, and the
handler gets only the events whose row is new (``ON CONFLICT DO NOTHING``:
a concurrent duplicate waits for the first transaction and skips)."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from django.db import connection
from psycopg2.extras import execute_values

from common.events.event import Event
from common.kafka.consumer import Handler
from common.sql import INBOX_INSERT, INBOX_ROW


def inbox(consumer: str, handler: Handler) -> Handler:
    def once(events: list[Event]) -> Collection[uuid.UUID]:
        with connection.cursor() as cursor:
            inserted = execute_values(
                cursor,
                INBOX_INSERT,
                [(consumer, event.id, event.type) for event in events],
                template=INBOX_ROW,
                fetch=True,
                page_size=1000,
            )
        new = {event_id for (event_id,) in inserted}
        fresh = [event for event in events if event.id in new]
        return handler(fresh) if fresh else ()

    return once
