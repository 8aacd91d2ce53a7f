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
- ``StreamTip``: the tips it sent stay (amounts, status and payment: the money and the ledger
  stay billing's), without message or tipper, anonymous from then on; their chat lines are
  blanked and hidden, the anonymous ones too (``tips_of_tipper_anonymise``).

Counts are taken when the steps are listed, before any runs; no step changes the rows another
counts (soft-deleting a stream keeps its viewer rows, chat lines and reminders).
"""

import functools

from django.db.models import Q

from accounts.deletion import PurgeStep, register
from streaming.models import (
    ChannelModerator,
    ChatBan,
    ChatTimeout,
    LiveStream,
    StreamChat,
    StreamReminder,
    StreamTip,
    StreamViewer,
)
from streaming.services.chat import chat_lines_of_sender_redact, chat_sanctions_of_user_delete
from streaming.services.moderators import channel_moderators_of_user_delete
from streaming.services.streams import stream_reminders_of_user_delete, streams_purge_of_owner
from streaming.services.tips import tips_of_tipper_anonymise
from streaming.services.viewers import viewer_sessions_of_user_anonymise


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def purge_streams(user) -> list[PurgeStep]:
    streams = LiveStream.objects.filter(owner=user).count()
    lines = StreamChat.all_objects.filter(sender=user).count()
    sessions = StreamViewer.objects.filter(user=user).count()
    moderators = ChannelModerator.objects.filter(Q(moderator=user) | Q(streamer=user)).count()
    naming = Q(user=user) | Q(streamer=user)
    bans, timeouts = ChatBan.objects.filter(naming).count(), ChatTimeout.objects.filter(naming).count()
    reminders = StreamReminder.objects.filter(user=user).count()
    tips = StreamTip.objects.filter(tipper=user).count()
    candidates = [
        (streams, f"end and delete {streams} live streams (and their IVS channels)", streams_purge_of_owner),
        (lines, f"blank and hide {lines} chat lines, without their sender", chat_lines_of_sender_redact),
        (
            sessions,
            f"anonymise {_plural(sessions, 'viewing session')} (no user, an opaque key per stream,"
            " no country), kept for the streams' figures",
            viewer_sessions_of_user_anonymise,
        ),
        (
            moderators,
            f"delete {_plural(moderators, 'chat moderator appointment')} (as moderator or streamer)",
            channel_moderators_of_user_delete,
        ),
        (
            bans + timeouts,
            f"delete {_plural(bans, 'chat ban')} and {_plural(timeouts, 'chat timeout')}"
            " (as target or streamer; the moderation log stays)",
            chat_sanctions_of_user_delete,
        ),
        (reminders, f"delete {_plural(reminders, 'stream reminder')}", stream_reminders_of_user_delete),
        (
            tips,
            f"anonymise {_plural(tips, 'tip')} (no message or tipper; amounts and payments kept) and blank"
            " and hide their chat lines",
            tips_of_tipper_anonymise,
        ),
    ]
    return [PurgeStep(text, functools.partial(service, user=user)) for count, text, service in candidates if count]


register("streaming", purge_streams)
