"""The outbox's event id loses its unique index: no query looks a row up by
it, every event gets a fresh uuid4, and consumers deduplicate on their side.
The index took an entry at each row's insert, claim and settle (both updates
change an indexed column): WAL and CPU on every write, for nothing read
(docs/benchmarks.md, "PostgreSQL per POST")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("common", "0003_outbox_notify_trigger")]

    operations = [
        migrations.AlterField(
            model_name="outboxevent",
            name="event_id",
            field=models.UUIDField(editable=False),
        ),
    ]
