"""Who liked a post or video: for its owner only."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from core.errors import PermissionDeniedError
from social.models import Like
from social.selectors.targets import content_kind, content_owner_id


def likers_of(*, content: Any, viewer: Any) -> QuerySet[Like]:
    """The likes of ``content``, newest first (paginate by ``-id``), with the likers; only its owner
    may read them (``not_owner``, 403)."""
    if not viewer.is_authenticated or viewer.pk != content_owner_id(content):
        raise PermissionDeniedError("Only the owner sees who liked this.", code="not_owner")
    return Like.objects.filter(**{content_kind(content): content}).select_related("user").order_by("-id")
