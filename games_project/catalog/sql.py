"""The catalog's written SQL, the statements kept for measured speed
(docs/benchmarks.md); tests/games/catalog/test_sql.py ties them to the models."""

# Every POST /games/, with its user.read (common.sql.with_event), in one round
# trip; no row comes back when the reader or the caller was deleted.
READ_INSERT = (
    "INSERT INTO catalog_gameread (event_id, user_id, game_id, title, read_at) "
    "SELECT %s, %s, %s, %s, %s WHERE NOT EXISTS "
    "(SELECT 1 FROM catalog_forgottenreader WHERE user_id = ANY(%s::uuid[])) RETURNING id"
)
# Per user, by a read (just before READ_INSERT, whose snapshot then follows the
# wait) and a forget: else neither sees the other's uncommitted row, and a read
# racing user.deleted outlives it.
READER_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(%s::text, 0)); "
