from django.db import migrations, models


def forget_the_already_deleted(apps, schema_editor):
    """Users deleted before the catalog kept its own list stay refused."""
    Player = apps.get_model("players", "Player")
    ForgottenReader = apps.get_model("catalog", "ForgottenReader")
    ForgottenReader.objects.bulk_create(
        [
            ForgottenReader(user_id=user_id, forgotten_at=deleted_at)
            for user_id, deleted_at in Player.objects.filter(
                deleted_at__isnull=False
            ).values_list("user_id", "deleted_at")
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("players", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ForgottenReader",
            fields=[
                ("user_id", models.UUIDField(primary_key=True, serialize=False)),
                ("forgotten_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(forget_the_already_deleted, migrations.RunPython.noop),
    ]
