"""The streamer's chat moderators: appointed and removed by the streamer, for all their streams."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from accounts.models import User
from core.errors import ApplicationError, ConflictError, NotFoundError
from streaming.models import ChannelModerator, ChatModerationLog


def _user_by(*, user_id: Any = None, handle: str | None = None) -> User:
    users = User.objects.filter(is_active=True)
    try:
        if user_id is not None:
            return users.get(pk=user_id)
        if handle:
            return users.get(handle__iexact=handle.lstrip("@"))
    except (User.DoesNotExist, ValueError, Exception) as exc:  # an id that is not a UUID, too
        raise NotFoundError("No such user.") from exc
    raise ApplicationError("Name the moderator by user_id or handle.", code="invalid")


@transaction.atomic
def channel_moderator_add(*, streamer: User, user_id: Any = None, handle: str | None = None) -> ChannelModerator:
    """Appoint a user to moderate every chat of ``streamer``. 409 ``already_moderator``."""
    moderator = _user_by(user_id=user_id, handle=handle)
    if moderator.pk == streamer.pk:
        raise ApplicationError("You already moderate your own chat.", code="invalid")
    row, created = ChannelModerator.objects.get_or_create(streamer=streamer, moderator=moderator)
    if not created:
        raise ConflictError("This user already moderates your chat.", code="already_moderator")
    ChatModerationLog.objects.create(
        streamer=streamer, actor=streamer, action=ChatModerationLog.Action.MODERATOR_ADD, target_user=moderator
    )
    return row


@transaction.atomic
def channel_moderator_remove(*, streamer: User, user_id: Any) -> None:
    """Remove a chat moderator of ``streamer``. 404 when they are not one."""
    try:
        deleted, _ = ChannelModerator.objects.filter(streamer=streamer, moderator_id=user_id).delete()
    except Exception as exc:  # an id that is not a UUID
        raise NotFoundError("This user does not moderate your chat.") from exc
    if not deleted:
        raise NotFoundError("This user does not moderate your chat.")
    ChatModerationLog.objects.create(
        streamer=streamer, actor=streamer, action=ChatModerationLog.Action.MODERATOR_REMOVE, target_user_id=user_id
    )


@transaction.atomic
def channel_moderators_of_user_delete(*, user: Any) -> int:
    """Account purge: delete every ``ChannelModerator`` row naming ``user``, as the appointed
    moderator or as the streamer. The moderation log's ``moderator_add``/``moderator_remove``
    entries stay (they point at the account's tombstone). Returns the rows deleted; running it
    again deletes nothing."""
    deleted, _ = ChannelModerator.objects.filter(Q(moderator=user) | Q(streamer=user)).delete()
    return deleted
