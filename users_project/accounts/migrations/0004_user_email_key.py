"""The email's identity form, for lookup and uniqueness (models.email_identity)."""

from django.db import migrations, models

from users_project.accounts.models import email_identity


def fill_email_keys(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    taken: set[str] = set()
    for user in User.objects.order_by("created_at").only("id", "email"):
        key = email_identity(user.email)
        if key in taken:
            # Two accounts whose addresses are one identity (created before
            # this rule): the older keeps it; the newer cannot be found by
            # email until an administrator resolves it.
            key = f"{key}#duplicate-{user.id}"
        taken.add(key)
        User.objects.filter(pk=user.pk).update(email_key=key)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_read_count")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_key",
            field=models.CharField(editable=False, max_length=254, null=True),
        ),
        migrations.RunPython(fill_email_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="email_key",
            field=models.CharField(editable=False, max_length=254, unique=True),
        ),
    ]
