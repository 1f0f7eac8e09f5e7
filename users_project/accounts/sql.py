"""The accounts' written SQL, the statements kept for measured speed
(docs/benchmarks.md), and the names of the email's unique constraints;
tests/users/accounts/test_sql.py ties them to the models and the database."""

# A consumer batch in one statement, one array per column: bulk_create()
# cannot say which rows ON CONFLICT skipped, and builds a model per row.
READS_INSERT = (
    "INSERT INTO accounts_gameread (user_id, game_id, title, read_at, event_id) "
    "SELECT * FROM unnest(%s::uuid[], %s::int[], %s::text[], %s::timestamptz[], %s::uuid[]) "
    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
)
# Every user of a batch in one statement: the ORM takes one per user, or a
# CASE per user, each costing more than the batch's insert.
READ_COUNTS_ADD = (
    "UPDATE accounts_user AS u SET read_count = u.read_count + v.n "
    "FROM (VALUES %s) AS v(id, n) WHERE u.id = v.id"
)
# What an IntegrityError's diag.constraint_name says when the email is
# taken: the address as given, its identity form, the case-insensitive index.
EMAIL_CONSTRAINTS = frozenset(
    {"accounts_user_email_key", "accounts_user_email_key_91d7ad6c_uniq", "user_email_ci_unique"}
)
