"""What social interactions point at: a post or a video ("content"), or a comment on one.

Visibility is content's rule, reused as is: a viewer who may not see a post or video (404 from
``content.selectors``) may not see, comment on, like or save it either.
"""

from __future__ import annotations

from typing import Any

from content.models import Post, Video
from content.selectors import posts as post_selectors
from content.selectors import videos as video_selectors
from core.errors import ApplicationError, NotFoundError

CONTENT_KINDS = ("post", "video")


def content_kind(content: Any) -> str:
    """``"post"`` or ``"video"``: also the name of the target's column on Like, Save and Comment."""
    if isinstance(content, Post):
        return "post"
    if isinstance(content, Video):
        return "video"
    raise ApplicationError("Not a post or a video.", code="invalid_target")


def content_owner_id(content: Any) -> Any:
    return content.author_id if isinstance(content, Post) else content.owner_id


def content_owner(content: Any):
    return content.author if isinstance(content, Post) else content.owner


def content_get(*, kind: str, pk: Any, user: Any, country: str = "") -> Post | Video:
    """The post or video ``user`` may see (content's visibility rules), else 404."""
    viewer = user if user is not None and user.is_authenticated else None
    if kind == "post":
        return post_selectors.post_get(post_id=pk, user=viewer)
    if kind == "video":
        return video_selectors.video_get_for_viewer(video_id=pk, user=viewer, country=country)
    raise NotFoundError("No such content.")


def content_of_comment(*, comment: Any, user: Any, country: str = "") -> Post | Video:
    """The post or video ``comment`` is on, if ``user`` may see it (404 ``comment_not_found`` otherwise)."""
    kind = "post" if comment.post_id else "video"
    try:
        return content_get(kind=kind, pk=comment.post_id or comment.video_id, user=user, country=country)
    except NotFoundError:
        raise NotFoundError("No such comment.", code="comment_not_found") from None
