from django.db import migrations


def grant(apps, schema_editor):
    from accounts.roles import grant_role_permissions

    grant_role_permissions(apps, "ads")


class Migration(migrations.Migration):
    dependencies = [
        ("ads", "0001_ads_campaigns_events"),
        ("accounts", "0005_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
