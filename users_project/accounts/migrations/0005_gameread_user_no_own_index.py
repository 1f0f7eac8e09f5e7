"""Drop the read history's index on user_id alone: gameread_user_recent_idx
(user_id, -read_at, -id) starts with user_id and serves every lookup by user,
the cascade of a user's deletion included. Only the index goes; Django's
AlterField would also drop and re-add the foreign key, which re-checks every
row under a lock."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEX = "accounts_gameread_user_id_73b3a7cd"  # the name Django gave it in 0002


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_email_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="gameread",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="game_reads",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{INDEX}" '
                    'ON "accounts_gameread" ("user_id")',
                ),
            ],
        ),
    ]
