"""The outbox's written SQL, in one place; tests/common/test_sql.py ties
its columns to the model. The ORM is the default: each statement here says
why it is not (the measurements are in docs/benchmarks.md)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import connection

from common.outbox.models import OutboxEvent

TABLE = OutboxEvent._meta.db_table
# Every column but the id and sent_at (NULL: pending).
INSERT_COLUMNS = (
    "event_id",
    "topic",
    "key",
    "payload",
    "headers",
    "created_at",
    "available_at",
    "attempts",
    "claimed_by",
    "last_error",
)
# Every write of both services runs it, and create() costs much more CPU.
INSERT = (
    f"INSERT INTO {TABLE} ({', '.join(INSERT_COLUMNS)}) "  # noqa: S608
    "VALUES (%s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, 0, '', '')"
)
# The claim's columns; the ORM has no UPDATE ... RETURNING, nor a lease in one statement.
CLAIM_COLUMNS = ("id", "available_at", "claimed_by", "sent_at")
CLAIM = (
    f"UPDATE {TABLE} SET available_at = %s, claimed_by = %s "  # noqa: S608
    f"WHERE id IN (SELECT id FROM {TABLE} "
    "WHERE sent_at IS NULL AND available_at <= %s "
    "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING *"
)


def outbox_insert(
    *, event_id: uuid.UUID, topic: str, key: str, payload: str, headers: str, now: datetime
) -> None:
    """A pending row; ``payload`` and ``headers`` are JSON text."""
    with connection.cursor() as cursor:
        cursor.execute(INSERT, [event_id, topic, key, payload, headers, now, now])


def outbox_claim(
    *, now: datetime, lease_until: datetime, worker_id: str, limit: int
) -> list[OutboxEvent]:
    """Lease up to ``limit`` pending rows due at ``now`` until ``lease_until``:
    ``FOR UPDATE SKIP LOCKED`` passes over rows another relay is claiming,
    and the lease over rows another relay is publishing. In id order."""
    rows = OutboxEvent.objects.raw(CLAIM, [lease_until, worker_id, now, limit])
    # RETURNING has no order; publishing keeps the order rows were written in.
    return sorted(rows, key=lambda row: row.pk)
