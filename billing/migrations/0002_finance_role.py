from django.db import migrations


def grant(apps, schema_editor):
    from accounts.roles import grant_role_permissions

    grant_role_permissions(apps, "billing")
    grant_role_permissions(apps, "djstripe")


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_ledger_payments"),
        ("djstripe", "0003_2_11"),
        ("accounts", "0005_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
