"""A recorded read's event id loses its unique index: no query looks a read
up by it, each read gets a fresh uuid4, and the users service's history row
is the one unique by it. The index cost WAL and CPU on every POST /games/
(docs/benchmarks.md, "PostgreSQL per POST")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_forgotten_reader")]

    operations = [
        migrations.AlterField(
            model_name="gameread",
            name="event_id",
            field=models.UUIDField(),
        ),
    ]
