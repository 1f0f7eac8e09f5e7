"""The catalog's written SQL, the statements kept for measured speed
(docs/benchmarks.md); tests/games/catalog/test_sql.py ties them to the models."""

# Every POST /games/ runs it, with its user.read (common.sql.with_event): one
# statement and one round trip for the read, the check that neither the
# reader nor the caller was deleted (ANY(%s::uuid[])), and the event. No row
# comes back when either was deleted.
READ_INSERT = (
    "INSERT INTO catalog_gameread (event_id, user_id, game_id, title, read_at) "
    "SELECT %s, %s, %s, %s, %s WHERE NOT EXISTS "
    "(SELECT 1 FROM catalog_forgottenreader WHERE user_id = ANY(%s::uuid[])) RETURNING id"
)
