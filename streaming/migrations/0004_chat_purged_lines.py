# A purged account's chat lines stay as deleted rows without a sender: a message needs a sender
# unless it is deleted. The constraint is swapped in one statement and added NOT VALID (a brief
# lock, no scan), then validated on its own (a scan that does not block writes); the new condition
# is weaker than the old one, so every row passes.

from django.db import migrations, models

CONDITION = "(NOT (\"kind\" = 'message') OR \"sender_id\" IS NOT NULL OR \"deleted_at\" IS NOT NULL)"
OLD_CONDITION = "(NOT (\"kind\" = 'message') OR \"sender_id\" IS NOT NULL)"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("streaming", "0003_chat_moderation_viewers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=(
                        'ALTER TABLE "streaming_streamchat" DROP CONSTRAINT "streaming_chat_message_sender", '
                        f'ADD CONSTRAINT "streaming_chat_message_sender" CHECK {CONDITION} NOT VALID;'
                    ),
                    reverse_sql=(
                        'ALTER TABLE "streaming_streamchat" DROP CONSTRAINT "streaming_chat_message_sender", '
                        f'ADD CONSTRAINT "streaming_chat_message_sender" CHECK {OLD_CONDITION};'
                    ),
                ),
                migrations.RunSQL(
                    sql='ALTER TABLE "streaming_streamchat" VALIDATE CONSTRAINT "streaming_chat_message_sender";',
                    reverse_sql=migrations.RunSQL.noop,
                ),
            ],
            state_operations=[
                migrations.RemoveConstraint(model_name="streamchat", name="streaming_chat_message_sender"),
                migrations.AddConstraint(
                    model_name="streamchat",
                    constraint=models.CheckConstraint(
                        condition=~models.Q(kind="message")
                        | models.Q(sender__isnull=False)
                        | models.Q(deleted_at__isnull=False),
                        name="streaming_chat_message_sender",
                    ),
                ),
            ],
        ),
    ]
