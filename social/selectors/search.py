"""Search: users by handle and display name (pg_trgm), posts and videos by full text.

Every search leaves out users with a block either way with the viewer, and whatever content
the viewer may not see (content's own selectors apply visibility; blocks come through
``content.relations``).
"""

from __future__ import annotations

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Q
from django.db.models.functions import Greatest

from accounts.models import User
from accounts.selectors import users_in_good_standing_q
from content.models import Post, Video
from content.selectors.posts import posts_search
from content.selectors.videos import video_search
from social.selectors.relations import block_exists

MIN_QUERY = 2


def users_search(*, query: str, viewer: User | None, limit: int = 20) -> list[User]:
    """Active users whose handle or display name contains ``query`` or is close to it
    (trigram similarity; the GIN trigram indexes serve both), best match first."""
    query = query.strip().lstrip("@")[:100]
    if len(query) < MIN_QUERY:
        return []
    users = (
        User.objects.filter(is_active=True)
        .filter(users_in_good_standing_q())
        .filter(
            Q(handle__icontains=query)
            | Q(display_name__icontains=query)
            | Q(handle__trigram_similar=query)
            | Q(display_name__trigram_similar=query)
        )
    )
    if viewer is not None and viewer.is_authenticated:
        users = users.filter(~block_exists(user=viewer, other_ref="pk"))
    ranked = users.annotate(
        similarity=Greatest(TrigramSimilarity("handle", query), TrigramSimilarity("display_name", query))
    ).order_by("-similarity", "handle")
    return list(ranked[:limit])


def search_all(*, query: str, viewer: User | None, limit: int = 10) -> dict[str, list]:
    """Users, posts and videos matching ``query``, ``limit`` of each, each respecting visibility and blocks."""
    posts: list[Post] = posts_search(query=query, user=viewer, limit=limit)
    videos: list[Video] = video_search(query=query, limit=limit, user=viewer)
    return {"users": users_search(query=query, viewer=viewer, limit=limit), "posts": posts, "videos": videos}
