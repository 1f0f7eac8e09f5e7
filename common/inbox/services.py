from __future__ import annotations

import uuid
from collections.abc import Callable, Collection

from django.db import connection, transaction
from psycopg2.extras import execute_values

from common.events.event import Event
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
        fresh = _first_copies(events, {row[0] for row in inserted})
        if fresh:
            handler(fresh)
    return fresh


def _first_copies(events: list[Event], ids: Collection[uuid.UUID]) -> list[Event]:
    """The first copy of each event whose id is in ``ids``, in order: a
    redelivery can sit in the same batch as the original."""
    wanted = set(ids)
    first = []
    for event in events:
        if event.id in wanted:
            first.append(event)
            wanted.discard(event.id)
    return first


# -- Handlers that are their own inbox ---------------------------------------
# A handler whose effect is a row with a unique key on the event id (the
# users service's read history) needs no processed-event row: that row would
# be a second indexed insert per event saying what the first already says.
# Such a handler skips an event it applied before (``INSERT ... ON CONFLICT
# (event_id) DO NOTHING RETURNING``) and says what it applied; the guarantee
# is the same, since the effect exists exactly when its row does. Chosen per
# consumer with ``ConsumerSpec(inbox=False)``.

KeyedEventHandler = Callable[[Event], bool]
KeyedEventBatchHandler = Callable[[list[Event]], Collection[uuid.UUID]]


def keyed_process_once(*, event: Event, handler: KeyedEventHandler) -> bool:
    """Run ``handler(event)`` in one transaction; it returns whether it
    applied the event (False: applied before, a duplicate)."""
    with transaction.atomic():
        applied = handler(event)
        if not isinstance(applied, bool):
            # A handler that forgot to answer would make every event a
            # duplicate: fail (and roll back) instead.
            raise TypeError(f"{handler!r} must return whether it applied the event: {applied!r}")
    return applied


def keyed_process_batch(*, events: list[Event], handler: KeyedEventBatchHandler) -> list[Event]:
    """Apply a batch in one transaction with a handler that deduplicates by
    its own unique key: it gets each event id once and returns the ids it
    applied. Returns the events applied; the rest were duplicates. If
    anything fails, nothing is kept and the caller goes one by one."""
    unique = _first_copies(events, {event.id for event in events})
    if not unique:
        return []
    with transaction.atomic():
        applied = handler(unique)
        if not isinstance(applied, Collection) or isinstance(applied, str | bytes):
            raise TypeError(f"{handler!r} must return the event ids it applied: {applied!r}")
    return _first_copies(unique, applied)
