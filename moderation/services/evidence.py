"""Evidence frozen at report time.

The snapshot holds the target's text and metadata as they were, and **copies** of its images
(post images, a video's poster, an avatar) in the default storage under
``moderation/evidence/<yyyy>/<mm>/``, so that neither an edit, nor a deletion, nor the account
purge (which deletes the originals' files) can erase what was reported. Video streams are not
copied (an HLS ladder is large): the snapshot names the video and its master playlist, which
stays playable for moderators while the video row exists (soft-deleted and removed videos
included until the account is purged). A reported chat message carries the lines around it.
"""

from __future__ import annotations

import logging
import os
import secrets
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

from moderation.models import TargetType
from moderation.services.targets import Target

logger = logging.getLogger(__name__)

CHAT_CONTEXT_LINES = 5


def _copy(*, storage, name: str, kind: str, **extra: Any) -> dict[str, Any]:
    """A copy of ``name`` from ``storage`` in the default storage (the evidence area)."""
    entry: dict[str, Any] = {"kind": kind, "original": name, **extra}
    if not name:
        return entry
    now = timezone.now()
    copy_name = f"moderation/evidence/{now:%Y}/{now:%m}/{secrets.token_hex(8)}-{os.path.basename(name)}"
    try:
        with storage.open(name, "rb") as source:
            saved = default_storage.save(copy_name, File(source))
    except OSError:
        logger.warning("evidence: could not copy %s", name)
        entry["copy_failed"] = True
        return entry
    entry.update({"name": saved, "url": default_storage.url(saved)})
    return entry


def _copy_path(*, path, kind: str, **extra: Any) -> dict[str, Any]:
    from django.core.files.storage import FileSystemStorage

    if path is None:
        return {"kind": kind, "copy_failed": True, **extra}
    return _copy(storage=FileSystemStorage(location=str(path.parent)), name=path.name, kind=kind, **extra)


def _person(user) -> dict[str, Any]:
    return {"id": str(user.pk), "handle": user.handle, "display_name": user.display_name}


def _user(user) -> dict[str, Any]:
    media = []
    if user.avatar:
        media.append(_copy(storage=user.avatar.storage, name=user.avatar.name, kind="image", alt_text="avatar"))
    return {
        "display_name": user.display_name,
        "bio": user.bio,
        "links": user.links,
        "followers_count": user.followers_count,
        "joined_at": user.created_at.isoformat(),
        "media": media,
    }


def _post(post) -> dict[str, Any]:
    from content.models import PostImage

    storage = PostImage._meta.get_field("feed").storage
    images = PostImage.objects.filter(post=post, detached_at__isnull=True).order_by("position")
    return {
        "text": post.text,
        "kind": post.kind,
        "original_id": str(post.original_id) if post.original_id else None,
        "content_warning": post.content_warning,
        "sensitive": post.sensitive,
        "visibility": post.visibility,
        "hashtags": list(post.hashtags),
        "created_at": post.created_at.isoformat(),
        "edited_at": post.edited_at.isoformat() if post.edited_at else None,
        "media": [
            _copy(storage=storage, name=image.feed.name, kind="image", alt_text=image.alt_text) for image in images
        ],
    }


def _comment(comment) -> dict[str, Any]:
    on = (
        {"type": "post", "id": str(comment.post_id)}
        if comment.post_id
        else {"type": "video", "id": str(comment.video_id)}
    )
    return {
        "text": comment.text,
        "on": on,
        "parent_id": str(comment.parent_id) if comment.parent_id else None,
        "created_at": comment.created_at.isoformat(),
        "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
        "media": [],
    }


def _video(video) -> dict[str, Any]:
    from content.video_files import output_file

    media = []
    if video.poster:
        media.append(_copy_path(path=output_file(video.pk, video.poster), kind="image", alt_text="poster"))
    if video.master_playlist:
        media.append({"kind": "video", "video_id": str(video.pk), "playlist": video.master_playlist})
    return {
        "title": video.title,
        "description": video.description,
        "tags": list(video.tags),
        "duration": video.duration,
        "visibility": video.visibility,
        "views": video.view_count,
        "created_at": video.created_at.isoformat(),
        "media": media,
    }


def _stream(stream) -> dict[str, Any]:
    return {
        "title": stream.title,
        "description": stream.description,
        "tags": list(stream.tags),
        "status": stream.status,
        "visibility": stream.visibility,
        "started_at": stream.started_at.isoformat() if stream.started_at else None,
        "media": [],
    }


def _chat(message) -> dict[str, Any]:
    from streaming.selectors.chat import chat_context

    lines = chat_context(message=message, around=CHAT_CONTEXT_LINES)
    return {
        "text": message.text,
        "stream_id": str(message.stream_id),
        "stream_title": message.stream.title,
        "created_at": message.created_at.isoformat(),
        "context": [
            {
                "id": str(line.pk),
                "sender": line.sender.handle if line.sender else None,
                "text": line.text,
                "kind": line.kind,
                "created_at": line.created_at.isoformat(),
                "deleted": line.deleted_at is not None,
                "reported": line.pk == message.pk,
            }
            for line in lines
        ],
        "media": [],
    }


def _ad(ad) -> dict[str, Any]:
    media = []
    if ad.image:
        media.append(_copy(storage=default_storage, name=ad.image, kind="image", alt_text="ad image"))
    return {
        "headline": ad.headline,
        "body": ad.body,
        "format": ad.format,
        "destination_url": ad.destination_url,
        "call_to_action": ad.call_to_action,
        "campaign": {"id": str(ad.campaign_id), "name": ad.campaign.name, "status": ad.campaign.status},
        "video": str(ad.video_id) if ad.video_id else None,
        "media": media,
    }


_SNAPSHOTS = {
    TargetType.USER: _user,
    TargetType.POST: _post,
    TargetType.COMMENT: _comment,
    TargetType.VIDEO: _video,
    TargetType.LIVE_STREAM: _stream,
    TargetType.CHAT_MESSAGE: _chat,
    TargetType.AD: _ad,
}


def snapshot(*, target: Target) -> dict[str, Any]:
    """The target as it is now, with copies of its media (see the module docstring)."""
    return {
        "type": target.type,
        "id": target.id,
        "label": target.label,
        "author": _person(target.user),
        "captured_at": timezone.now().isoformat(),
        **_SNAPSHOTS[target.type](target.obj),
    }


def evidence_build(*, target: Target, related: list[Target]) -> dict[str, Any]:
    """The report's evidence: the target and each related item, frozen now."""
    return {**snapshot(target=target), "related": [snapshot(target=item) for item in related]}


def evidence_media(*, evidence: dict[str, Any]) -> list[dict[str, Any]]:
    """Every media entry of an evidence snapshot (target first, then related items)."""
    items = list(evidence.get("media", []))
    for related in evidence.get("related", []):
        items.extend(related.get("media", []))
    return items
