from django.db import migrations


def grant_social_permissions(apps, schema_editor):
    """Moderators also read a comment's earlier texts (social.view_commentrevision) in the admin."""
    from accounts.roles import grant_role_permissions

    grant_role_permissions(apps, "social")


class Migration(migrations.Migration):
    dependencies = [
        ("social", "0001_graph_and_interactions"),
    ]

    operations = [
        migrations.RunPython(grant_social_permissions, migrations.RunPython.noop),
    ]
