"""The accounts' written SQL, in one place; tests/users/accounts/test_sql.py
ties its columns and constraint names to the models and the database. The
ORM is the default: what is here is kept for a measured reason (the figures
are in docs/benchmarks.md)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from django.db import connection
from psycopg2.extras import execute_values

from users_project.accounts.models import GameRead, User

# The unique constraints that make an email taken: the address as given, its
# identity form and the case-insensitive index. An IntegrityError names the
# one it hit (``diag.constraint_name``), so no caller reads its message.
EMAIL_CONSTRAINTS = frozenset(
    {"accounts_user_email_key", "accounts_user_email_key_91d7ad6c_uniq", "user_email_ci_unique"}
)

# Every column but the id.
READ_COLUMNS = ("user_id", "game_id", "title", "read_at", "event_id")
# A consumer batch in one statement, one array per column: bulk_create()
# cannot say which rows ON CONFLICT skipped and builds a model per row.
# UUIDs go as text, which skips psycopg2's Python UUID adapter.
INSERT_READS = (
    f"INSERT INTO {GameRead._meta.db_table} ({', '.join(READ_COLUMNS)}) "  # noqa: S608
    "SELECT * FROM unnest(%s::uuid[], %s::int[], %s::text[], %s::timestamptz[], %s::uuid[]) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)
COUNT_COLUMNS = ("id", "read_count")
# Every user of a batch in one statement; the ORM takes one per user, or a
# CASE per user that costs more than the batch's insert.
ADD_READ_COUNTS = (
    f"UPDATE {User._meta.db_table} AS u SET read_count = u.read_count + v.n "  # noqa: S608
    "FROM (VALUES %s) AS v(id, n) WHERE u.id = v.id"
)


class Read(Protocol):
    user_id: uuid.UUID
    game_id: int
    title: str
    read_at: datetime
    event_id: uuid.UUID


def reads_insert(reads: Sequence[Read]) -> set[uuid.UUID]:
    """Store ``reads``, skipping an event id stored already; returns the
    event ids stored now."""
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT_READS,
            [
                [str(r.user_id) for r in reads],
                [r.game_id for r in reads],
                [r.title for r in reads],
                [r.read_at for r in reads],
                [str(r.event_id) for r in reads],
            ],
        )
        return {event_id for (event_id,) in cursor.fetchall()}


def read_counts_add(counts: Sequence[tuple[uuid.UUID, int]]) -> None:
    """Add ``n`` to the read count of each ``(user id, n)``."""
    with connection.cursor() as cursor:
        execute_values(
            cursor, ADD_READ_COUNTS, counts, template="(%s::uuid, %s)", page_size=len(counts)
        )
