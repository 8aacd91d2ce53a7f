"""Give the staff roles their notifications permissions (accounts.roles.ROLE_PERMISSIONS)."""

from django.db import migrations


def grant(apps, schema_editor):
    from accounts.roles import grant_role_permissions

    grant_role_permissions(apps, "notifications")


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial"), ("accounts", "0010_backfill_user_role")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
