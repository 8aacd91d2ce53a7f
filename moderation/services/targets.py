"""What a report can be about: finding it as the reporter sees it, and who answers for it.

Each target type resolves through its own app's selectors, so a reporter can only report what
that app would show them, with the same error (404 ``post_not_found``, ``comment_not_found``,
``not_found``; 403 ``followers_only``/``subscribers_only`` for streams, 451 for geo rules).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from accounts.models import User
from core.errors import NotFoundError
from moderation.models import TargetType


@dataclass
class Target:
    type: str
    id: str
    obj: Any
    user: User  # who answers for it
    label: str
    reach: int


def _label(text: str, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _user_target(*, target_id: Any, viewer: User | None) -> Target:
    user = User.objects.filter(pk=target_id, is_active=True, banned_at__isnull=True).first()
    if user is None:
        raise NotFoundError("No such user.")
    return Target(TargetType.USER, str(user.pk), user, user, f"@{user.handle}", user.followers_count)


def _post_target(*, target_id: Any, viewer: User | None) -> Target:
    from content.selectors.posts import post_get

    post = post_get(post_id=target_id, user=viewer)
    label = _label(f"@{post.author.handle}: {post.text}")
    return Target(TargetType.POST, str(post.pk), post, post.author, label, post.author.followers_count)


def _comment_target(*, target_id: Any, viewer: User | None) -> Target:
    from social.selectors.comments import comment_get
    from social.selectors.targets import content_of_comment

    comment = comment_get(comment_id=target_id, live=True)
    content_of_comment(comment=comment, user=viewer)
    label = _label(f"@{comment.author.handle}: {comment.text}")
    return Target(TargetType.COMMENT, str(comment.pk), comment, comment.author, label, comment.author.followers_count)


def _video_target(*, target_id: Any, viewer: User | None) -> Target:
    from content.selectors.videos import video_get_for_viewer

    video = video_get_for_viewer(video_id=target_id, user=viewer)
    reach = max(video.view_count, video.owner.followers_count)
    return Target(TargetType.VIDEO, str(video.pk), video, video.owner, _label(video.title), reach)


def _stream_target(*, target_id: Any, viewer: User | None) -> Target:
    from streaming.selectors.streams import stream_get_for_viewer

    stream = stream_get_for_viewer(stream_id=target_id, user=viewer)
    label = _label(f"@{stream.owner.handle}: {stream.title}")
    return Target(TargetType.LIVE_STREAM, str(stream.pk), stream, stream.owner, label, stream.owner.followers_count)


def _chat_target(*, target_id: Any, viewer: User | None) -> Target:
    from streaming.selectors.chat import chat_message_for_viewer

    message = chat_message_for_viewer(message_id=target_id, user=viewer)
    label = _label(f"@{message.sender.handle} in {message.stream.title}: {message.text}")
    return Target(
        TargetType.CHAT_MESSAGE, str(message.pk), message, message.sender, label, message.sender.followers_count
    )


def _ad_target(*, target_id: Any, viewer: User | None) -> Target:
    from ads.selectors import ad_for_report

    ad = ad_for_report(ad_id=target_id)
    advertiser = ad.campaign.advertiser
    label = _label(f"Ad by {advertiser.name}: {ad.headline}")
    return Target(TargetType.AD, str(ad.pk), ad, advertiser.user, label, advertiser.user.followers_count)


_RESOLVERS = {
    TargetType.USER: _user_target,
    TargetType.POST: _post_target,
    TargetType.COMMENT: _comment_target,
    TargetType.VIDEO: _video_target,
    TargetType.LIVE_STREAM: _stream_target,
    TargetType.CHAT_MESSAGE: _chat_target,
    TargetType.AD: _ad_target,
}


def target_for_viewer(*, target_type: str, target_id: Any, viewer: User | None) -> Target:
    """The target as ``viewer`` may see it, or the error its own endpoint would answer."""
    if target_type not in _RESOLVERS:
        raise NotFoundError("No such target.")
    try:
        uuid.UUID(str(target_id))
    except ValueError:
        raise NotFoundError("No such target.") from None
    return _RESOLVERS[target_type](target_id=target_id, viewer=viewer)


def target_for_moderator(*, target_type: str, target_id: str) -> Any:
    """The target's row, whatever its state (deleted and removed included), or None when gone for good."""
    from ads.models import Ad
    from content.models import Post, Video
    from social.models import Comment
    from streaming.models import LiveStream, StreamChat

    models = {
        TargetType.USER: User,
        TargetType.POST: Post,
        TargetType.COMMENT: Comment,
        TargetType.VIDEO: Video,
        TargetType.LIVE_STREAM: LiveStream,
        TargetType.CHAT_MESSAGE: StreamChat,
    }
    if target_type == TargetType.AD:
        return Ad.objects.filter(pk=target_id).first()
    return models[target_type].all_objects.filter(pk=target_id).first()


def target_for_staff(*, target_type: str, target_id: Any) -> Target:
    """The target as a moderator finds it from the admin's lists (any state but gone for good),
    with who answers for it; 404 ``not_found`` when it is gone or has nobody to answer for it
    (a system line in a chat)."""
    if target_type not in _RESOLVERS:
        raise NotFoundError("No such target.")
    obj = target_for_moderator(target_type=target_type, target_id=target_id)
    if obj is None:
        raise NotFoundError("No such target.")
    if target_type == TargetType.USER:
        user, label = obj, f"@{obj.handle}"
    elif target_type in (TargetType.POST, TargetType.COMMENT):
        user, label = obj.author, _label(f"@{obj.author.handle}: {obj.text}")
    elif target_type == TargetType.VIDEO:
        user, label = obj.owner, _label(obj.title)
    elif target_type == TargetType.LIVE_STREAM:
        user, label = obj.owner, _label(f"@{obj.owner.handle}: {obj.title}")
    else:
        user = obj.sender
        if user is None:
            raise NotFoundError("No such target.")
        label = _label(f"@{user.handle} in {obj.stream.title}: {obj.text}")
    reach = user.followers_count
    if target_type == TargetType.VIDEO:
        reach = max(reach, obj.view_count)
    return Target(target_type, str(obj.pk), obj, user, label, reach)
