"""The hot read endpoints of the load benchmark and of the in-process profile, over the bench network.

``prepare_extras()`` adds what ``manage.py seed_bench`` does not write (live streams, the viewer's
notifications, a token with its device) to the bench database, once: it is idempotent.
``endpoints()`` names each endpoint's path and whether it is read signed in (the viewer's token).
Both work in the process whose default database is the bench database.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

VIEWER = "bench_f200"  # the probe user following 200 accounts reads the signed-in endpoints
STREAMS = 30  # live streams in the bench network (the stream list's first page is 20)
NOTIFIED_POSTS = 25  # the viewer's posts that get likes (one notification group each)


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    signed_in: bool


def _live_streams() -> None:
    from django.utils import timezone

    from accounts.models import User
    from streaming.models import LiveStream

    have = LiveStream.objects.filter(status="live").count()
    if have >= STREAMS:
        return
    owners = list(User.objects.filter(handle__startswith="bench_").exclude(handle=VIEWER).order_by("handle")[:STREAMS])
    now = timezone.now()
    streams = [
        LiveStream(owner=owner, title=f"Bench live {i}", stream_key=secrets.token_urlsafe(24), status="live",
                   started_at=now, tags=["music"])
        for i, owner in enumerate(owners[have:])
    ]  # fmt: skip
    LiveStream.objects.bulk_create(streams)


def _notifications(viewer) -> None:
    from accounts.models import User
    from content.models import Post
    from notifications.models import Notification
    from notifications.services import notify

    if Notification.objects.filter(recipient=viewer).exists():
        return
    posts = list(Post.objects.filter(author=viewer).order_by("-id")[:NOTIFIED_POSTS])
    actors = list(User.objects.filter(handle__startswith="bench_").exclude(pk=viewer.pk).order_by("-id")[:60])
    for i, post in enumerate(posts):
        for actor in actors[i % 20 : i % 20 + 3]:
            notify(recipient=viewer, kind="like", actor=actor, target=post)
    for actor in actors[:30]:
        notify(recipient=viewer, kind="follow", actor=actor, target=viewer)


def viewer_token() -> str:
    """A new knox token for the viewer, with its device (as a sign-in through the API makes)."""
    import hashlib

    from django.utils import timezone
    from knox.models import get_token_model

    from accounts.models import AuthDevice, User

    viewer = User.objects.get(handle=VIEWER)
    auth_token, token = get_token_model().objects.create(user=viewer, expiry=None)
    AuthDevice.objects.create(
        user=viewer, kind=AuthDevice.Kind.TOKEN, name="bench", platform="", user_agent="bench",
        user_agent_fingerprint=hashlib.sha256(b"bench").hexdigest(), last_seen_at=timezone.now(),
        token_key=auth_token.token_key,
    )  # fmt: skip
    return token


def prepare_extras() -> None:
    from accounts.models import User

    _live_streams()
    _notifications(User.objects.get(handle=VIEWER))


def endpoints() -> list[Endpoint]:
    from django.db.models import F

    from accounts.models import User
    from content.models import Post, Video

    # A busy author for the profile feed, the newest plain post and ready video for the details.
    author = User.objects.filter(handle__startswith="bench_").order_by(-F("posts_count"), "id").first()
    post = Post.objects.filter(visibility="public").order_by("-id").first()
    video = Video.objects.filter(status="ready", visibility="public").order_by("-id").first()
    return [
        Endpoint("home", "/api/v1/feed/home/?page_size=20", True),
        Endpoint("profile", f"/api/v1/feed/users/{author.handle}/?page_size=20", True),
        Endpoint("hashtag", "/api/v1/feed/hashtags/art/?page_size=20", True),
        Endpoint("videos", "/api/v1/videos/?page_size=20", False),
        Endpoint("streams", "/api/v1/streams/?page_size=20", False),
        Endpoint("post", f"/api/v1/posts/{post.pk}/", True),
        Endpoint("video", f"/api/v1/videos/{video.pk}/", False),
        Endpoint("notifications", "/api/v1/notifications/?page_size=20", True),
    ]
