"""What the account purge does with streaming: a purged account's streams end and go, IVS channels
too; the chat lines it sent anywhere lose their text and sender (the rows stay, hidden, so counts
and moderation logs still add up: ``chat_lines_of_sender_redact``)."""

from accounts.deletion import PurgeStep, register
from streaming.models import LiveStream, StreamChat
from streaming.services.chat import chat_lines_of_sender_redact
from streaming.services.streams import streams_purge_of_owner


def purge_streams(user) -> list[PurgeStep]:
    steps = []
    count = LiveStream.objects.filter(owner=user).count()
    if count:
        steps.append(
            PurgeStep(
                f"end and delete {count} live streams (and their IVS channels)",
                lambda: streams_purge_of_owner(user=user),
            )
        )
    lines = StreamChat.all_objects.filter(sender=user).count()
    if lines:
        steps.append(
            PurgeStep(
                f"blank and hide {lines} chat lines, without their sender",
                lambda: chat_lines_of_sender_redact(user=user),
            )
        )
    return steps


register("streaming", purge_streams)
