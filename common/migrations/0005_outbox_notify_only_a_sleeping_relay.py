"""The outbox trigger notifies only while a relay sleeps.

Every notifying commit takes one server-wide lock and holds it through its WAL
flush, so notifying writes commit one at a time across every database of the
server (docs/benchmarks.md, "PostgreSQL per POST"). A relay announces its
sleep by holding the advisory lock ``SLEEP_LOCK``; a writer's trigger tries
that lock shared, for the rest of its transaction: granted, no relay sleeps
and nothing is sent; refused, a relay sleeps or is about to, and the writer
notifies. A relay going to sleep waits for the writers that hold it shared to
commit, then looks once more (common/outbox/relay.py), so no row is left
unannounced.
"""

from django.db import migrations

from common.outbox.wakeup import CHANNEL, SLEEP_LOCK

NOTIFY_WHILE_A_RELAY_SLEEPS = f"""
CREATE OR REPLACE FUNCTION common_outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pg_try_advisory_xact_lock_shared({SLEEP_LOCK}) THEN
        PERFORM pg_notify('{CHANNEL}', '');
    END IF;
    RETURN NULL;
END
$$;
"""

# The reverse restates 0003's function rather than import it: a migration is
# history, and a shared text would let a later edit rewrite what 0003 did.
NOTIFY_ALWAYS = f"""
CREATE OR REPLACE FUNCTION common_outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("common", "0004_outbox_event_id_not_unique")]

    operations = [migrations.RunSQL(NOTIFY_WHILE_A_RELAY_SLEEPS, reverse_sql=NOTIFY_ALWAYS)]
