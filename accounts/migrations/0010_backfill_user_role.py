"""Every account has the user role: give it to accounts made before roles existed."""

from django.db import migrations


def backfill(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("accounts", "User")
    group = Group.objects.get(name="user")
    through = User.groups.through
    missing = User.objects.exclude(groups=group).values_list("pk", flat=True)
    through.objects.bulk_create([through(user_id=pk, group_id=group.pk) for pk in missing.iterator()], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_data_export_expired")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
