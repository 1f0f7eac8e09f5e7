"""The outbox's and the inbox's written SQL, the statements the ORM cannot
say or says too slowly (docs/benchmarks.md); tests/common/test_sql.py ties
them to the models."""

# Every write of both services runs it, and create() costs much more CPU.
# INSERT ... SELECT (one row) rather than VALUES, so that with_event() can add
# a WHERE to it.
OUTBOX_INSERT = (
    "INSERT INTO common_outboxevent (event_id, topic, key, payload, headers, created_at, "
    "available_at, attempts, claimed_by, last_error) "
    "SELECT %s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, 0, '', ''"
)


def with_event(change: str) -> str:
    """``change`` (an INSERT or UPDATE ... RETURNING) and its event's outbox row
    in one statement, atomic in one round trip; the event is queued only if the
    change wrote a row. Parameters: the change's, then the outbox row's."""
    # Only constants of this code are joined; values travel as parameters.
    return (
        f"WITH change AS ({change}), "  # noqa: S608
        f"queued AS ({OUTBOX_INSERT} WHERE EXISTS (SELECT 1 FROM change)) "
        "SELECT * FROM change"
    )


# The relay's lease in one statement and one commit. FOR UPDATE SKIP LOCKED
# passes over rows another relay is claiming, the lease (available_at in the
# future) over rows another relay is publishing.
OUTBOX_CLAIM = (
    "UPDATE common_outboxevent SET available_at = %s, claimed_by = %s "
    "WHERE id IN (SELECT id FROM common_outboxevent WHERE sent_at IS NULL "
    "AND available_at <= %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING *"
)
# Every event of a consumer with an inbox, by execute_values. The ORM has no
# ON CONFLICT DO NOTHING RETURNING, and a savepoint per row costs more.
INBOX_INSERT = (
    "INSERT INTO common_processedevent (consumer, event_id, event_type, processed_at) "
    "VALUES %s ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id"
)
INBOX_ROW = "(%s, %s, %s, now())"
