"""The catalog's written SQL, the statements kept for measured speed
(docs/benchmarks.md); tests/games/catalog/test_sql.py ties them to the models."""

# Every POST /games/ runs it, and create() costs much more CPU.
READ_INSERT = (
    "INSERT INTO catalog_gameread (event_id, user_id, game_id, title, read_at) "
    "VALUES (%s, %s, %s, %s, %s) RETURNING id"
)
# Every POST /games/ asks it, and filter().exists() costs much more CPU.
ANY_FORGOTTEN = (
    "SELECT EXISTS (SELECT 1 FROM catalog_forgottenreader WHERE user_id = ANY(%s::uuid[]))"
)
