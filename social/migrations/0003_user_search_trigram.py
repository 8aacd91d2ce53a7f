"""User search: pg_trgm and trigram GIN indexes on the user's handle and display name.

The indexes live on accounts' table but serve social's search (social.selectors.search), so
they are created here, with plain SQL (accounts' model state does not know them).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("social", "0002_interactions_revision_permission"),
        ("accounts", "0011_user_is_private"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS social_user_handle_trgm ON accounts_user USING gin (handle gin_trgm_ops)",
            "DROP INDEX IF EXISTS social_user_handle_trgm",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS social_user_display_name_trgm ON accounts_user "
            "USING gin (display_name gin_trgm_ops)",
            "DROP INDEX IF EXISTS social_user_display_name_trgm",
        ),
    ]
