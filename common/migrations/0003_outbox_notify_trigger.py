"""Every insert into the outbox notifies the relays (common/outbox/wakeup.py).

A statement trigger instead of a ``NOTIFY`` sent by ``outbox_enqueue``: the
writer saves a round trip per event, and no way of adding a row (a bulk
insert, a hand-written one) can forget to wake the relay. PostgreSQL still
delivers the notification at commit, and never for a rollback.
"""

from django.db import migrations

from common.outbox.wakeup import CHANNEL

NOTIFY_ON_INSERT = f"""
CREATE OR REPLACE FUNCTION common_outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER common_outbox_notify AFTER INSERT ON common_outboxevent
FOR EACH STATEMENT EXECUTE FUNCTION common_outbox_notify();
"""

DROP = """
DROP TRIGGER IF EXISTS common_outbox_notify ON common_outboxevent;
DROP FUNCTION IF EXISTS common_outbox_notify();
"""


class Migration(migrations.Migration):
    dependencies = [("common", "0002_deadletteraction")]

    operations = [migrations.RunSQL(NOTIFY_ON_INSERT, reverse_sql=DROP)]
