"""What the account purge does with streaming, table by table (docs/streaming.md, "What the
account purge does"). Each step is one service, idempotent, announced by the dry run:

- ``LiveStream``: the account's streams end and are soft-deleted, IVS channels and local files
  too (``streams_purge_of_owner``).
- ``StreamChat``: the lines it sent anywhere lose their text and sender and are hidden; the rows
  stay so counts and moderation logs still add up (``chat_lines_of_sender_redact``).
- ``StreamViewer``: its viewing sessions stay, so the streams' figures come out the same when
  computed again, but anonymous: no user, an opaque ``anon:purged-…`` key per stream, no
  country (``viewer_sessions_of_user_anonymise``, one UPDATE).
- ``ChannelModerator``: rows where it is the moderator or the streamer are deleted
  (``channel_moderators_of_user_delete``).
- ``ChatBan`` / ``ChatTimeout``: rows where it is the target or the streamer are deleted; the
  ``ChatModerationLog`` stays as it was (``chat_sanctions_of_user_delete``).
- ``StreamReminder``: its reminders are deleted (``stream_reminders_of_user_delete``).

Counts are taken when the steps are listed, before any runs; no step changes the rows another
counts (soft-deleting a stream keeps its viewer rows, chat lines and reminders).
"""

from django.db.models import Q

from accounts.deletion import PurgeStep, register
from streaming.models import (
    ChannelModerator,
    ChatBan,
    ChatTimeout,
    LiveStream,
    StreamChat,
    StreamReminder,
    StreamViewer,
)
from streaming.services.chat import chat_lines_of_sender_redact, chat_sanctions_of_user_delete
from streaming.services.moderators import channel_moderators_of_user_delete
from streaming.services.streams import stream_reminders_of_user_delete, streams_purge_of_owner
from streaming.services.viewers import viewer_sessions_of_user_anonymise


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


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
    sessions = StreamViewer.objects.filter(user=user).count()
    if sessions:
        steps.append(
            PurgeStep(
                f"anonymise {_plural(sessions, 'viewing session')} (no user, an opaque key per stream,"
                " no country), kept for the streams' figures",
                lambda: viewer_sessions_of_user_anonymise(user=user),
            )
        )
    moderators = ChannelModerator.objects.filter(Q(moderator=user) | Q(streamer=user)).count()
    if moderators:
        steps.append(
            PurgeStep(
                f"delete {_plural(moderators, 'chat moderator appointment')} (as moderator or streamer)",
                lambda: channel_moderators_of_user_delete(user=user),
            )
        )
    naming = Q(user=user) | Q(streamer=user)
    bans, timeouts = ChatBan.objects.filter(naming).count(), ChatTimeout.objects.filter(naming).count()
    if bans or timeouts:
        steps.append(
            PurgeStep(
                f"delete {_plural(bans, 'chat ban')} and {_plural(timeouts, 'chat timeout')}"
                " (as target or streamer; the moderation log stays)",
                lambda: chat_sanctions_of_user_delete(user=user),
            )
        )
    reminders = StreamReminder.objects.filter(user=user).count()
    if reminders:
        steps.append(
            PurgeStep(
                f"delete {_plural(reminders, 'stream reminder')}",
                lambda: stream_reminders_of_user_delete(user=user),
            )
        )
    return steps


register("streaming", purge_streams)
