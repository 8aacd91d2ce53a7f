"""Content's sections of a user's data export (accounts/export.py)."""

from accounts.export import register
from content.models import Post, Video


def _posts(user) -> list[dict]:
    posts = Post.objects.filter(author=user).prefetch_related("images").order_by("created_at")
    return [
        {
            "id": post.id,
            "kind": post.kind,
            "text": post.text,
            "hashtags": post.hashtags,
            "visibility": post.visibility,
            "original": post.original_id,
            "created_at": post.created_at,
            "images": [{"url": image.full.url, "alt_text": image.alt_text} for image in post.images.all()],
        }
        for post in posts
    ]


def _videos(user) -> list[dict]:
    videos = Video.objects.filter(owner=user).order_by("created_at")
    return [
        {
            "id": video.id,
            "title": video.title,
            "description": video.description,
            "tags": video.tags,
            "visibility": video.visibility,
            "status": video.status,
            "duration": video.duration,
            "created_at": video.created_at,
        }
        for video in videos
    ]


register("posts", _posts)
register("videos", _videos)
