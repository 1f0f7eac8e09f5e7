"""The inbox's written SQL, in one place; tests/common/test_sql.py ties its
columns to the model. Written out because every event of a consumer with an
inbox runs one of them, and the ORM has no ``ON CONFLICT DO NOTHING
RETURNING``: ``bulk_create(ignore_conflicts=True)`` cannot say which rows it
stored, and a savepoint per row costs more than the statement (measurements
in docs/benchmarks.md)."""

from __future__ import annotations

import uuid

from django.db import connection
from psycopg2.extras import execute_values

from common.events import Event
from common.inbox.models import ProcessedEvent

# Every column but the id.
INSERT_COLUMNS = ("consumer", "event_id", "event_type", "processed_at")
INSERT = (
    f"INSERT INTO {ProcessedEvent._meta.db_table} ({', '.join(INSERT_COLUMNS)}) "  # noqa: S608
    "VALUES {values} ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id"
)
INSERT_ONE = INSERT.format(values="(%s, %s, %s, now())")
INSERT_MANY = INSERT.format(values="%s")


def inbox_insert(*, consumer: str, event: Event) -> bool:
    """The event's row for ``consumer``; False if it has one already. A
    concurrent duplicate waits for the first transaction, then skips."""
    with connection.cursor() as cursor:
        cursor.execute(INSERT_ONE, [consumer, event.id, event.type])
        return cursor.fetchone() is not None


def inbox_insert_batch(*, consumer: str, events: list[Event]) -> set[uuid.UUID]:
    """Rows for every event of the batch; returns the ids stored now."""
    with connection.cursor() as cursor:
        inserted = execute_values(
            cursor,
            INSERT_MANY,
            [(consumer, event.id, event.type) for event in events],
            template="(%s, %s, %s, now())",
            fetch=True,
            page_size=1000,
        )
    return {event_id for (event_id,) in inserted}
